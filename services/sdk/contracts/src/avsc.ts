// `@puente/contracts/avsc`: avsc's type tree, typed, for packages that walk schemas (the policy's
// views, conditions and test arbitraries), from the one module that reaches into avsc's private
// members and checks on load that the installed avsc still has them.
export { exportSchema, internalsOf, type FieldInternals, type TypeInternals } from './avsc-internals.js';
export { fieldAnnotationsOf } from './parse-options.js';
