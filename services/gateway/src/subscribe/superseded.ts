// The status a stream ends with when another stream took its subscription over (on this gateway
// instance or another): ABORTED, SUBSCRIPTION_SUPERSEDED, as the Subscribe contract documents.
import { ErrorReason } from '@puente/proto';

import { GatewayError } from '../grpc/errors.js';

export function subscriptionSuperseded(subscriptionId: string, why: string): GatewayError {
  return new GatewayError({
    code: 'ABORTED',
    reason: ErrorReason.SUBSCRIPTION_SUPERSEDED,
    message: `subscription ${subscriptionId} was taken over by a newer stream: ${why}`,
    metadata: { subscription: subscriptionId },
  });
}
