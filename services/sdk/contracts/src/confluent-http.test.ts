// HTTP to the registry: what each refusal becomes, bodies that are not JSON, the endpoint the
// options compile to, and the headers every request carries (over a real socket).
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AvroError } from './errors.js';
import { createRegistryHttp, HttpFailure, parseBody, toAvroError } from './confluent-http.js';
import { endpointOf } from './confluent-registry.js';

interface Answer {
  readonly status: number;
  readonly body: string;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A server answering every request with `answer`, recording what it was sent. */
async function serve(answer: Answer) {
  const seen: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.writeHead(answer.status);
      res.end(answer.body);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/prefix`, seen };
}

describe('registry HTTP', () => {
  it('maps each refusal onto its AvroError code, naming what was being done', () => {
    const cases: [number, { error_code?: number; message?: string }, string, boolean][] = [
      [404, { error_code: 40403, message: 'Schema not found' }, 'UNKNOWN_SCHEMA_ID', false],
      [404, { error_code: 40401 }, 'UNKNOWN_SUBJECT', false],
      [404, {}, 'UNKNOWN_SUBJECT', false],
      [409, {}, 'REGISTRY_CONFLICT', false],
      [500, {}, 'REGISTRY_UNAVAILABLE', true],
      [503, {}, 'REGISTRY_UNAVAILABLE', true],
      [429, {}, 'REGISTRY_UNAVAILABLE', true],
      [408, {}, 'REGISTRY_UNAVAILABLE', true],
      [400, {}, 'REGISTRY_REJECTED', false],
      [422, { error_code: 42205 }, 'REGISTRY_REJECTED', false],
    ];
    for (const [status, body, code, retriable] of cases) {
      expect(toAvroError(new HttpFailure(status, body), 'doing it'), `${status} ${JSON.stringify(body)}`).toMatchObject(
        {
          code,
          retriable,
        },
      );
    }
    expect(
      toAvroError(new HttpFailure(404, { error_code: 40403, message: 'Schema not found' }), 'looking'),
    ).toMatchObject({
      message: 'looking: HTTP 404 (40403) Schema not found',
    });
    expect(toAvroError(new HttpFailure(502, {}), 'looking')).toMatchObject({ message: 'looking: HTTP 502' });
    const other = new Error('not HTTP');
    expect(toAvroError(other, 'x')).toBe(other);
  });

  it('reads an empty or non-JSON body as no body', () => {
    expect(parseBody('')).toBeUndefined();
    expect(parseBody('<html>Bad gateway</html>')).toBeUndefined();
    expect(parseBody('{"id":3}')).toEqual({ id: 3 });
  });

  it('compiles the options into an endpoint: trailing slashes off, basic auth, 10 s by default', () => {
    expect(endpointOf({ url: 'http://r:8081/apis/ccompat/v7//' })).toEqual({
      base: 'http://r:8081/apis/ccompat/v7',
      headers: {
        Accept: 'application/vnd.schemaregistry.v1+json',
        'Content-Type': 'application/vnd.schemaregistry.v1+json',
      },
      timeoutMs: 10_000,
    });
    const withAuth = endpointOf({ url: 'http://r', auth: { username: 'u', password: 'p:w' }, timeoutMs: 50 });
    expect(withAuth.headers['Authorization']).toBe(`Basic ${Buffer.from('u:p:w').toString('base64')}`);
    expect(withAuth.timeoutMs).toBe(50);
  });

  it('sends JSON with the endpoint’s headers and returns the parsed answer', async () => {
    const server = await serve({ status: 200, body: '{"id":7}' });
    const http = createRegistryHttp(endpointOf({ url: `${server.url}/`, auth: { username: 'a', password: 'b' } }));
    expect(await http.call('POST', '/subjects/s/versions', { schema: '"string"' })).toEqual({ id: 7 });
    expect(server.seen[0]).toMatchObject({
      method: 'POST',
      url: '/prefix/subjects/s/versions',
      body: '{"schema":"\\"string\\""}',
      headers: {
        accept: 'application/vnd.schemaregistry.v1+json',
        'content-type': 'application/vnd.schemaregistry.v1+json',
        authorization: `Basic ${Buffer.from('a:b').toString('base64')}`,
      },
    });
    await http.call('GET', '/x');
    expect(server.seen[1]?.body).toBe('');
  });

  it('rejects a refusal with HttpFailure from call and with an AvroError from request, even without a JSON body', async () => {
    const server = await serve({ status: 502, body: '<html>Bad gateway</html>' });
    const http = createRegistryHttp(endpointOf({ url: server.url }));
    const failure = await http.call('GET', '/x').catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(HttpFailure);
    expect(failure).toMatchObject({ status: 502, body: {} });
    await expect(http.request('reading x', 'GET', '/x')).rejects.toMatchObject({
      code: 'REGISTRY_UNAVAILABLE',
      retriable: true,
      message: 'reading x: HTTP 502',
    });
  });

  it('reports an unreachable registry as retriable, naming the request', async () => {
    const server = await serve({ status: 200, body: '' });
    const url = server.url;
    await new Promise((resolve) => servers.pop()?.close(resolve));
    const err = await createRegistryHttp(endpointOf({ url }))
      .request('anything', 'GET', '/schemas/ids/1')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AvroError);
    expect(err).toMatchObject({
      code: 'REGISTRY_UNAVAILABLE',
      retriable: true,
      message: expect.stringContaining(`schema registry ${url} unreachable (GET /schemas/ids/1): `),
    });
  });
});
