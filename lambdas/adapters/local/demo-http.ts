// Local stand-in for an internal HTTP API: the demo target `demo-http`, a small JSON API over fake
// PII (customers, tickets, refunds) behind a bearer token. node:http only; state lives in memory.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';

export interface DemoHttpOptions {
  /** JSON file with `customers`, `tickets` and `refunds` (db/seed/demo-http.json), read at each start. */
  seedFile: string;
  /** The bearer token every request must carry, as the gateway's injected credential would be. */
  token: string;
  /** TCP port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
}

/** One request as it reached the target, before authentication. */
export interface SeenRequest {
  method: string;
  /** The request target exactly as received: raw path and query, nothing decoded or normalised. */
  path: string;
  /** Header names lower-cased; a header sent more than once is joined with ', ' in arrival order. */
  headers: Record<string, string>;
}

export interface DemoHttp {
  /** `http://127.0.0.1:<port>/api/`: the base URL of an `http` connection to it. */
  url: string;
  /** Closes the server and every open connection (a pending slow request too). Safe to call twice. */
  stop(): Promise<void>;
  /** The last {@link SEEN_LIMIT} requests, oldest first, for tests checking what reached the target. */
  seen: SeenRequest[];
}

/** The seed file or the options are unusable; the message says what is wrong. */
export class DemoHttpConfigError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DemoHttpConfigError';
  }
}

export const SEEN_LIMIT = 100;
export const MAX_BODY_BYTES = 1024 * 1024;
export const MAX_SLOW_MS = 30_000;
const MAX_PAGE = 100;
const DEFAULT_PAGE = 20;

const id = z.number().int().positive();
const customerSchema = z.object({
  id,
  name: z.string(),
  email: z.string(),
  phone: z.string().nullable(),
  address: z.object({
    line1: z.string(),
    city: z.string(),
    region: z.string().nullable(),
    postcode: z.string(),
    country: z.string(),
  }),
  cardNumber: z.string().nullable(),
  notes: z.string().nullable(),
  createdAt: z.string(),
});
const ticketSchema = z.object({
  id,
  customerId: id,
  subject: z.string(),
  body: z.string(),
  channel: z.enum(['email', 'phone', 'web']),
  status: z.enum(['open', 'pending', 'closed']),
  createdAt: z.string(),
  /** A web form's fields as JSON text: PII inside a string, for the detectors. */
  formData: z.string().optional(),
});
const refundSchema = z.object({
  id,
  customerId: id,
  amount: z.number().positive(),
  currency: z.string(),
  reason: z.string(),
  status: z.enum(['pending', 'approved', 'paid', 'rejected']),
  createdAt: z.string(),
});
const seedSchema = z.object({
  customers: z.array(customerSchema),
  tickets: z.array(ticketSchema),
  refunds: z.array(refundSchema),
});

type Customer = z.infer<typeof customerSchema>;
type Ticket = z.infer<typeof ticketSchema>;
type Refund = z.infer<typeof refundSchema>;

const text = (name: string, max: number) =>
  z
    .string({ error: `${name} must be a string` })
    .trim()
    .min(1, `${name} must not be empty`)
    .max(max, `${name} is longer than ${max} characters`);
const customerId = z.number({ error: 'customerId must be a number' }).int().positive();

const newTicketSchema = z
  .object({
    customerId,
    subject: text('subject', 200),
    body: text('body', 10_000),
    channel: z.enum(['email', 'phone', 'web']).default('web'),
  })
  .strict();
const newRefundSchema = z
  .object({
    customerId,
    amount: z
      .number({ error: 'amount must be a number' })
      .positive('amount must be positive')
      .max(10_000, 'amount must be at most 10000')
      .refine((a) => Math.abs(a * 100 - Math.round(a * 100)) < 1e-6, 'amount has more than 2 decimals'),
    reason: text('reason', 500),
  })
  .strict();

/** A refusal: answered as `{"error": {"code", "message"}}` with its status. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

interface Reply {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

const json = (status: number, value: unknown, headers: Record<string, string> = {}): Reply => ({
  status,
  body: JSON.stringify(value),
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
});

interface DemoRequest {
  query: URLSearchParams;
  /** The `:id` of the route, when it has one. */
  id: number;
  contentType: string;
  body: string;
  /** Aborted when the response closes (client gone or server stopped). */
  signal: AbortSignal;
}

class DemoData {
  readonly customers: Map<number, Customer>;
  readonly tickets: Map<number, Ticket>;
  readonly refunds: Map<number, Refund>;

  constructor(seed: z.infer<typeof seedSchema>) {
    this.customers = byId('customers', seed.customers);
    this.tickets = byId('tickets', seed.tickets);
    this.refunds = byId('refunds', seed.refunds);
    for (const row of [...seed.tickets, ...seed.refunds])
      if (!this.customers.has(row.customerId))
        throw new DemoHttpConfigError(`seed: customer ${row.customerId} is referenced but does not exist`);
  }

  customer(id: number): Customer {
    const found = this.customers.get(id);
    if (!found) throw new HttpError(404, 'not_found', `Customer ${id} does not exist.`);
    return found;
  }
}

function byId<T extends { id: number }>(name: string, rows: T[]): Map<number, T> {
  const map = new Map<number, T>();
  for (const row of rows) {
    if (map.has(row.id)) throw new DemoHttpConfigError(`seed: ${name} has id ${row.id} twice`);
    map.set(row.id, row);
  }
  return map;
}

const nextId = (map: Map<number, unknown>) => Math.max(0, ...map.keys()) + 1;

/** An integer query parameter within bounds, or its default when absent. */
function intParam(query: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = query.get(name);
  if (raw === null) return fallback;
  const value = /^\d{1,9}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= min && value <= max))
    throw new HttpError(400, 'invalid_query', `${name} must be an integer from ${min} to ${max}.`);
  return value;
}

function page<T>(name: string, rows: T[], query: URLSearchParams): Reply {
  const limit = intParam(query, 'limit', DEFAULT_PAGE, 1, MAX_PAGE);
  const offset = intParam(query, 'offset', 0, 0, 1e9);
  return json(200, { [name]: rows.slice(offset, offset + limit), total: rows.length, limit, offset });
}

function parseBody<T>(req: DemoRequest, schema: z.ZodType<T>): T {
  if (!/^application\/json\s*(;|$)/i.test(req.contentType))
    throw new HttpError(415, 'unsupported_media_type', 'The body must be application/json.');
  let value: unknown;
  try {
    value = JSON.parse(req.body);
  } catch {
    throw new HttpError(400, 'invalid_json', 'The body is not valid JSON.');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => (i.path.length ? `${i.path.join('.')}: ` : '') + i.message,
    );
    throw new HttpError(400, 'invalid_request', `Invalid body: ${problems.join('; ')}.`);
  }
  return parsed.data;
}

const csvCell = (value: string | number | null) => {
  const cell = value === null ? '' : String(value);
  return /[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
};

function exportCsv(customers: Iterable<Customer>): string {
  const lines = ['id,name,email,phone,cardNumber,address,notes'];
  for (const c of customers) {
    const a = c.address;
    const address = [a.line1, a.city, a.region, a.postcode, a.country].filter(Boolean).join(', ');
    lines.push([c.id, c.name, c.email, c.phone, c.cardNumber, address, c.notes].map(csvCell).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

type Handler = (req: DemoRequest) => Reply | Promise<Reply>;
interface Route {
  method: string;
  pattern: RegExp;
  handle: Handler;
}

const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

function routesFor(data: DemoData): Route[] {
  const routes: Route[] = [];
  // `:id` is a positive decimal integer; one trailing slash is accepted.
  const on = (method: string, path: string, handle: Handler) =>
    routes.push({ method, pattern: new RegExp(`^${path.replace(':id', '([1-9]\\d{0,8})')}/?$`), handle });
  const knownCustomer = (id: number) => {
    const found = data.customers.get(id);
    if (!found) throw new HttpError(422, 'unknown_customer', `Customer ${id} does not exist.`);
    return found;
  };
  const ownerFilter = (query: URLSearchParams) =>
    query.has('customerId') ? intParam(query, 'customerId', 0, 1, 1e9) : undefined;

  on('GET', '/api/health', () =>
    json(200, {
      status: 'ok',
      customers: data.customers.size,
      tickets: data.tickets.size,
      refunds: data.refunds.size,
    }),
  );

  on('GET', '/api/customers', ({ query }) => {
    const q = (query.get('q') ?? '').toLowerCase();
    const rows = [...data.customers.values()].filter(
      (c) => c.name.toLowerCase().includes(q) || c.email.toLowerCase().includes(q),
    );
    return page('customers', rows, query);
  });
  on('GET', '/api/customers/:id', (req) => json(200, { customer: data.customer(req.id) }));
  on('DELETE', '/api/customers/:id', (req) => {
    data.customer(req.id); // 404 when unknown
    data.customers.delete(req.id);
    return { status: 204 };
  });

  on('GET', '/api/tickets', ({ query }) => {
    const owner = ownerFilter(query);
    const status = query.get('status');
    const rows = [...data.tickets.values()].filter(
      (t) => (owner === undefined || t.customerId === owner) && (status === null || t.status === status),
    );
    return page('tickets', rows, query);
  });
  on('GET', '/api/tickets/:id', (req) => {
    const ticket = data.tickets.get(req.id);
    if (!ticket) throw new HttpError(404, 'not_found', `Ticket ${req.id} does not exist.`);
    return json(200, { ticket });
  });
  on('POST', '/api/tickets', (req) => {
    const input = parseBody(req, newTicketSchema);
    knownCustomer(input.customerId);
    const ticket: Ticket = { id: nextId(data.tickets), ...input, status: 'open', createdAt: now() };
    data.tickets.set(ticket.id, ticket);
    return json(201, { ticket }, { location: `/api/tickets/${ticket.id}` });
  });

  on('GET', '/api/refunds', ({ query }) => {
    const owner = ownerFilter(query);
    const rows = [...data.refunds.values()].filter((r) => owner === undefined || r.customerId === owner);
    return page('refunds', rows, query);
  });
  on('POST', '/api/refunds', (req) => {
    const input = parseBody(req, newRefundSchema);
    const currency = knownCustomer(input.customerId).address.country === 'GB' ? 'GBP' : 'USD';
    const refund: Refund = {
      id: nextId(data.refunds),
      ...input,
      currency,
      status: 'pending',
      createdAt: now(),
    };
    data.refunds.set(refund.id, refund);
    return json(201, { refund }, { location: `/api/refunds/${refund.id}` });
  });

  // The same PII as CSV, for the connection's non-JSON mode (pass, block, scrub-text).
  on('GET', '/api/export.csv', () => ({
    status: 200,
    body: exportCsv(data.customers.values()),
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': 'attachment; filename="customers.csv"',
    },
  }));

  // Answers with the Location it is given, wherever it points: a proxy must not follow it.
  on('GET', '/api/redirect', ({ query }) => {
    const to = query.get('to') ?? '';
    // Printable ASCII only: a header value cannot carry CR/LF, and a URL needs no spaces or non-ASCII.
    if (!/^[\x21-\x7e]{1,2048}$/.test(to))
      throw new HttpError(400, 'invalid_query', 'to must be 1 to 2048 printable ASCII characters.');
    return json(302, { location: to }, { location: to });
  });

  // A slow upstream, for timeout tests: waits `ms` (at most MAX_SLOW_MS), or until the client goes.
  on('GET', '/api/slow', async ({ query, signal }) => {
    if (!query.has('ms')) throw new HttpError(400, 'invalid_query', 'ms is required.');
    const ms = Math.min(intParam(query, 'ms', 0, 0, 1e9), MAX_SLOW_MS);
    await sleep(ms, undefined, { signal });
    return json(200, { waitedMs: ms });
  });

  return routes;
}

/** The headers as they arrived: names lower-cased, repeats joined in order (none dropped, unlike `req.headers`). */
function receivedHeaders(raw: string[]): Record<string, string> {
  const headers = new Map<string, string>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const before = headers.get(name);
    headers.set(name, before === undefined ? raw[i + 1]! : `${before}, ${raw[i + 1]}`);
  }
  // fromEntries defines own properties, so a header named `__proto__` is data, not a prototype.
  return Object.fromEntries(headers);
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Checks `Authorization: Bearer <token>`; two Authorization headers never pass (they arrive joined). */
function authorise(header: string | undefined, expected: Buffer): void {
  const challenge = { 'www-authenticate': 'Bearer realm="demo-http"' };
  const match = header === undefined ? null : /^Bearer +(\S+)$/i.exec(header);
  if (!match)
    throw new HttpError(401, 'unauthorized', 'Authorization: Bearer <token> is required.', challenge);
  if (!timingSafeEqual(digest(match[1]!), expected))
    throw new HttpError(401, 'unauthorized', 'The bearer token is not valid.', challenge);
}

const tooLarge = () =>
  new HttpError(413, 'payload_too_large', `The body is larger than ${MAX_BODY_BYTES} bytes.`, {
    connection: 'close',
  });

/** The body as UTF-8 text; past MAX_BODY_BYTES the rest is drained unread and 413 is thrown. */
function readBody(req: IncomingMessage): Promise<string> {
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) {
    req.resume();
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      else if (size - chunk.length <= MAX_BODY_BYTES) {
        chunks.length = 0;
        reject(tooLarge());
      }
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) return;
      try {
        resolve(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks)));
      } catch {
        reject(new HttpError(400, 'invalid_body', 'The body is not UTF-8 text.'));
      }
    });
    req.on('error', reject);
  });
}

const errorReply = (error: HttpError) =>
  json(error.status, { error: { code: error.code, message: error.message } }, error.headers);

function send(res: ServerResponse, reply: Reply): void {
  if (res.headersSent || res.destroyed) return;
  const body = reply.body ?? '';
  try {
    res.writeHead(reply.status, { ...reply.headers, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  } catch {
    res.destroy(); // a header value Node refuses: never let it escape the request handler
  }
}

async function loadSeed(seedFile: string): Promise<DemoData> {
  let text: string;
  try {
    text = await readFile(seedFile, 'utf8');
  } catch (cause) {
    throw new DemoHttpConfigError(`cannot read the demo-http seed file ${seedFile}`, { cause });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new DemoHttpConfigError(`the demo-http seed file ${seedFile} is not valid JSON`, { cause });
  }
  const parsed = seedSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new DemoHttpConfigError(`the demo-http seed file ${seedFile} is invalid: ${problems.join('; ')}`);
  }
  return new DemoData(parsed.data);
}

/**
 * Starts `demo-http` on 127.0.0.1 with the seed's data (changes are kept in memory only, until
 * stop). Every request needs `Authorization: Bearer <token>`; refusals are
 * `{"error": {"code", "message"}}` with their status.
 */
export async function startDemoHttp(options: DemoHttpOptions): Promise<DemoHttp> {
  if (!/^[\x21-\x7e]+$/.test(options.token))
    throw new DemoHttpConfigError('demo-http: token must be non-empty printable ASCII without spaces');
  const expected = digest(options.token);
  const routes = routesFor(await loadSeed(options.seedFile));
  const seen: SeenRequest[] = [];

  async function answer(req: IncomingMessage, res: ServerResponse, headers: Record<string, string>) {
    authorise(headers.authorization, expected);
    const body = await readBody(req);
    const target = req.url ?? '/';
    const cut = target.indexOf('?');
    const path = cut < 0 ? target : target.slice(0, cut);
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? '');
    const matching = routes.filter((r) => r.pattern.test(path));
    const route = matching.find((r) => r.method === method);
    if (!route) {
      if (matching.length === 0) throw new HttpError(404, 'not_found', `No route ${req.method} ${path}.`);
      const allow = [...new Set(matching.map((r) => (r.method === 'GET' ? 'GET, HEAD' : r.method)))].join(
        ', ',
      );
      throw new HttpError(405, 'method_not_allowed', `${path} does not allow ${req.method}.`, { allow });
    }
    const controller = new AbortController();
    res.on('close', () => controller.abort());
    return route.handle({
      query: new URLSearchParams(cut < 0 ? '' : target.slice(cut + 1)),
      id: Number(route.pattern.exec(path)?.[1] ?? 0),
      contentType: headers['content-type'] ?? '',
      body,
      signal: controller.signal,
    });
  }

  const server = createServer(async (req, res) => {
    const headers = receivedHeaders(req.rawHeaders);
    seen.push({ method: req.method ?? '', path: req.url ?? '', headers });
    if (seen.length > SEEN_LIMIT) seen.splice(0, seen.length - SEEN_LIMIT);
    let reply: Reply;
    try {
      reply = await answer(req, res, headers);
    } catch (error) {
      reply = errorReply(
        error instanceof HttpError ? error : new HttpError(500, 'internal_error', 'Internal error.'),
      );
    }
    send(res, reply);
  });
  // Malformed requests get a JSON error too, instead of Node's bare 400.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    const body = JSON.stringify({ error: { code: 'bad_request', message: 'Malformed HTTP request.' } });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (cause) =>
      reject(new DemoHttpConfigError(`demo-http cannot listen on 127.0.0.1:${options.port ?? 0}`, { cause })),
    );
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;

  let stopped: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}/api/`,
    seen,
    stop: () => {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}
