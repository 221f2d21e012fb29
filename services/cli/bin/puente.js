#!/usr/bin/env node
// The `puente` command: runs src/main.ts through tsx, as the services' `start` scripts do, so the
// workspace needs no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
