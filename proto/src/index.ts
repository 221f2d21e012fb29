// @puente/proto: the gRPC contracts of the model port. Generated messages, enums, service
// definitions (`ShareServiceService`, `OperatorServiceService`) and client constructors
// (`ShareServiceClient`, `OperatorServiceClient`), plus the error-detail and
// health/reflection helpers every server and client of these contracts shares.
export * from './generated/puente/v1/common.js';
export * from './generated/puente/v1/share.js';
export * from './generated/puente/v1/operator.js';
export {
  BadRequest,
  BadRequest_FieldViolation,
  ErrorInfo,
  PreconditionFailure,
  PreconditionFailure_Violation,
  QuotaFailure,
  QuotaFailure_Violation,
  ResourceInfo,
  RetryInfo,
} from './generated/google/rpc/error_details.js';
export { Status as RpcStatus } from './generated/google/rpc/status.js';
export { Any } from './generated/google/protobuf/any.js';
export { Duration } from './generated/google/protobuf/duration.js';
export * from './status-details.js';
export * from './server-extras.js';
