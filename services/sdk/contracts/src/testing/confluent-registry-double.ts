// A TEST DOUBLE of the Confluent Schema Registry's REST contract — not a registry. There is no
// Confluent registry on the CI machine (no Docker; Confluent's jars are not on Maven Central), so
// this real HTTP server implements, over a real socket, the subset of the REST API Puente's client
// uses, with Confluent's documented semantics: GET /subjects/{s}/versions[/{v}|/latest],
// POST /subjects/{s}/versions (an explicit `id` and `version` only in IMPORT mode), PUT
// /mode/{s}[?force=true] (IMPORT refused on a subject with versions unless forced), GET
// /schemas/ids/{id}; identical schemas share an id; errors carry Confluent's error codes (40401
// subject, 40402 version, 40403 schema not found, 42205 mode refusals, 409 id in use).
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ConfluentRegistryDoubleOptions {
  /** Behave like a registry that assigns its own ids even in IMPORT mode (as Apicurio 3 does). */
  readonly ignoreImportIds?: boolean;
  readonly status?: number;
  readonly hang?: boolean;
}

export class ConfluentRegistryDouble {
  readonly schemas = new Map<number, string>();
  readonly subjects = new Map<string, { version: number; id: number }[]>();
  readonly modes = new Map<string, string>();
  readonly requests: { method: string; path: string; auth: string | undefined; body: unknown }[] = [];
  private server: Server | undefined;
  url = '';

  constructor(private readonly options: ConfluentRegistryDoubleOptions = {}) {}

  async start(prefix = ''): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res, prefix));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${prefix}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse, prefix: string): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += String(chunk);
    const body: unknown = raw ? JSON.parse(raw) : undefined;
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname.slice(prefix.length);
    this.requests.push({
      method: req.method ?? '',
      path: `${path}${url.search}`,
      auth: req.headers.authorization,
      body,
    });
    if (this.options.hang) return;
    const send = (status: number, payload: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/vnd.schemaregistry.v1+json' });
      res.end(JSON.stringify(payload));
    };
    if (this.options.status)
      return send(this.options.status, { error_code: this.options.status * 100, message: 'unavailable' });
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    const [root, name, sub, version] = parts;
    if (req.method === 'GET' && root === 'schemas' && name === 'ids') {
      const text = this.schemas.get(Number(sub));
      return text === undefined
        ? send(404, { error_code: 40403, message: 'Schema not found' })
        : send(200, { schema: text });
    }
    if (req.method === 'PUT' && root === 'mode' && name) {
      const { mode } = body as { mode: string };
      if (mode === 'IMPORT' && (this.subjects.get(name)?.length ?? 0) > 0 && url.searchParams.get('force') !== 'true') {
        return send(422, { error_code: 42205, message: 'Cannot import since found existing subjects' });
      }
      this.modes.set(name, mode);
      return send(200, { mode });
    }
    if (root !== 'subjects' || !name || sub !== 'versions') return send(404, { error_code: 404, message: 'no route' });
    const versions = this.subjects.get(name);
    if (req.method === 'GET' && version === undefined) {
      return versions
        ? send(
            200,
            versions.map((v) => v.version),
          )
        : send(404, { error_code: 40401, message: 'Subject not found' });
    }
    if (req.method === 'GET') {
      if (!versions) return send(404, { error_code: 40401, message: 'Subject not found' });
      const found = version === 'latest' ? versions.at(-1) : versions.find((v) => v.version === Number(version));
      if (!found) return send(404, { error_code: 40402, message: 'Version not found' });
      return send(200, { subject: name, version: found.version, id: found.id, schema: this.schemas.get(found.id) });
    }
    if (req.method === 'POST') {
      const { schema, id, version: wanted } = body as { schema: string; id?: number; version?: number };
      const importing = this.modes.get(name) === 'IMPORT';
      if (id !== undefined && !importing)
        return send(422, { error_code: 42205, message: 'Schema id can only be set in IMPORT mode' });
      const list = versions ?? [];
      const same = list.find((v) => this.schemas.get(v.id) === schema);
      if (same) return send(200, { id: same.id });
      let assigned = [...this.schemas].find(([, text]) => text === schema)?.[0];
      if (importing && id !== undefined && !this.options.ignoreImportIds) {
        if (this.schemas.has(id) && this.schemas.get(id) !== schema)
          return send(409, { error_code: 409, message: 'id in use' });
        assigned = id;
      }
      assigned ??= Math.max(0, ...this.schemas.keys()) + 1;
      this.schemas.set(assigned, schema);
      list.push({ version: wanted ?? (list.at(-1)?.version ?? 0) + 1, id: assigned });
      this.subjects.set(name, list);
      return send(200, { id: assigned });
    }
    return send(405, { error_code: 405, message: 'method' });
  }
}
