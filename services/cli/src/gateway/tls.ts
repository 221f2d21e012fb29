// TLS to the gateway. For a host name this is grpc-js's createSsl. For an IP address grpc-js
// would send the address as the TLS server name (SNI), which RFC 6066 forbids and Node answers
// with a DeprecationWarning (DEP0123) on stderr, in the middle of `--json` output. So for an IP
// the TLS connection is made here without a server name: Node then checks the certificate
// against the address itself (its IP subjectAltName), as it would have anyway.
import { isIP } from 'node:net';
import { connect, createSecureContext, type SecureContext } from 'node:tls';

import { CallCredentials, ChannelCredentials, credentials } from '@grpc/grpc-js';

export interface TlsMaterial {
  readonly ca: Buffer;
  readonly cert: Buffer | undefined;
  readonly key: Buffer | undefined;
}

type SecureConnector = ReturnType<ChannelCredentials['_createSecureConnector']>;

/** The host of `host:port`, `[v6]:port` or a bare host. */
export function hostOf(address: string): string {
  if (address.startsWith('[')) return address.slice(1, address.indexOf(']'));
  return isIP(address) ? address : address.replace(/:\d*$/, '');
}

export function tlsCredentials(address: string, tls: TlsMaterial): ChannelCredentials {
  const host = hostOf(address);
  if (isIP(host) === 0) return credentials.createSsl(tls.ca, tls.key ?? null, tls.cert ?? null);
  return new IpAddressTlsCredentials(createSecureContext({ ca: tls.ca, cert: tls.cert, key: tls.key }), host);
}

class IpAddressTlsCredentials extends ChannelCredentials {
  constructor(
    private readonly secureContext: SecureContext,
    private readonly host: string,
  ) {
    super();
  }

  _isSecure(): boolean {
    return true;
  }

  _equals(other: ChannelCredentials): boolean {
    return other === this;
  }

  _createSecureConnector(_target: unknown, _options: unknown, callCredentials?: CallCredentials): SecureConnector {
    const { secureContext, host } = this;
    return {
      connect: (socket) =>
        new Promise((resolve, reject) => {
          const tlsSocket = connect({ socket, secureContext, host, ALPNProtocols: ['h2'] }, () => {
            if (!tlsSocket.authorized) {
              reject(tlsSocket.authorizationError);
              tlsSocket.destroy();
              return;
            }
            resolve({ socket: tlsSocket, secure: true });
          });
          tlsSocket.on('error', reject);
        }),
      waitForReady: () => Promise.resolve(),
      getCallCredentials: () => callCredentials ?? CallCredentials.createEmpty(),
      destroy: () => undefined,
    };
  }
}
