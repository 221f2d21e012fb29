// Standard gRPC health checking (grpc.health.v1) and server reflection (v1 and v1alpha)
// for a Puente server, so grpcurl, Postman and Kubernetes probes work without .proto files.
import { readFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import type { Server } from '@grpc/grpc-js';
import { loadFileDescriptorSetFromBuffer, loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation, protoPath as healthProtoPath, type ServingStatus } from 'grpc-health-check';

/** Fully-qualified names of Puente's services, as health checks and reflection know them. */
export const SHARE_SERVICE_NAME = 'puente.v1.ShareService';
export const OPERATOR_SERVICE_NAME = 'puente.v1.OperatorService';
const HEALTH_SERVICE_NAME = 'grpc.health.v1.Health';

/**
 * The descriptor set (`buf build` output: every .proto with its imports and comments),
 * generated beside the TypeScript. Resolved from the package root so it is found from
 * both `src/` and `dist/`.
 */
export const descriptorSetPath = fileURLToPath(new URL('../src/generated/puente.binpb', import.meta.url));

export interface HealthAndReflectionOptions {
  /** Services the server implements, e.g. [SHARE_SERVICE_NAME, OPERATOR_SERVICE_NAME]. */
  serviceNames: readonly string[];
  /** Initial status of the server ('') and of each service; default SERVING. */
  initialStatus?: ServingStatus;
}

export interface HealthControl {
  /** Sets the status of the whole server ('') and of every listed service, e.g. NOT_SERVING while draining. */
  setStatus(status: ServingStatus): void;
  /** The underlying implementation, to set one service's status. */
  readonly health: HealthImplementation;
}

/**
 * Adds grpc.health.v1.Health and server reflection to `server` (call before `bindAsync`).
 * Reflection lists `serviceNames` and the health service, and describes them with
 * comments from the descriptor set.
 */
export function addHealthAndReflection(server: Server, options: HealthAndReflectionOptions): HealthControl {
  const names = [...options.serviceNames];
  const initial = options.initialStatus ?? 'SERVING';
  const health = new HealthImplementation(Object.fromEntries(['', ...names].map((name) => [name, initial])));
  health.addToServer(server);

  const descriptorSet = readFileSync(descriptorSetPath);
  const puente = loadFileDescriptorSetFromBuffer(descriptorSet);
  // proto-loader rebuilds the file descriptors and drops their comments; serve the files
  // exactly as buf built them instead (same content, plus source info), so grpcurl
  // `describe` shows the documentation. @grpc/reflection reads only fileDescriptorProtos.
  const files = fileDescriptorProtos(descriptorSet);
  for (const definition of Object.values(puente)) {
    if ('fileDescriptorProtos' in definition) definition.fileDescriptorProtos = files;
  }
  // Loaded by its path relative to the include root, so reflection names the file
  // `health/v1/health.proto` rather than an absolute node_modules path.
  const healthRoot = dirname(dirname(dirname(healthProtoPath)));
  const healthDefinition = loadSync(relative(healthRoot, healthProtoPath), { includeDirs: [healthRoot] });
  const reflection = new ReflectionService(
    { ...healthDefinition, ...puente },
    { services: [...names, HEALTH_SERVICE_NAME] },
  );
  reflection.addToServer(server);

  return {
    health,
    setStatus(status) {
      for (const name of ['', ...names]) health.setStatus(name, status);
    },
  };
}

/** The files of a FileDescriptorSet (`repeated FileDescriptorProto file = 1`), as encoded. */
function fileDescriptorProtos(descriptorSet: Uint8Array): Buffer[] {
  const reader = new BinaryReader(descriptorSet);
  const files: Buffer[] = [];
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === WireType.LengthDelimited) files.push(Buffer.from(reader.bytes()));
    else reader.skip(wireType);
  }
  return files;
}
