// The demo HTTP target `demo-http`: its seed file, its routes over the fake PII, bearer auth, JSON
// errors for bad input, and `seen`, the record of what reached it.
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type DemoHttp,
  DemoHttpConfigError,
  SEEN_LIMIT,
  startDemoHttp,
} from '../../../lambdas/adapters/local/demo-http.js';

const seedFile = fileURLToPath(new URL('../../../db/seed/demo-http.json', import.meta.url));
const TOKEN = 'demo-http-test-token';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const JSON_TYPE = { 'content-type': 'application/json' };

interface Seed {
  customers: Array<{ id: number; email: string; phone: string | null; cardNumber: string | null }>;
  tickets: Array<{ customerId: number; body: string }>;
  refunds: Array<{ customerId: number; amount: number }>;
}

interface Row {
  id: number;
  customerId: number;
  name: string;
  email: string;
  status: string;
  amount: number;
  [field: string]: unknown;
}

/** The fields of every answer, loosely: each test reads those its route has. */
interface Answer {
  error: { code: string; message: string };
  customer: Row;
  ticket: Row;
  refund: Row;
  customers: Row[];
  tickets: Row[];
  refunds: Row[];
  total: number;
}

const read = async (res: Response) => (await res.json()) as Answer;

function passesLuhn(value: string): boolean {
  const digits = value.replace(/[ -]/g, '');
  if (!/^\d{13,19}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * A request through node:http, which sends exactly the headers given (fetch adds its own) and the
 * path as written (a WHATWG URL would resolve `%2e%2e`).
 */
function raw(
  url: string,
  options: { method?: string; headers?: Record<string, string | string[]>; body?: string } = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const path = url.slice(url.indexOf('/', 'http://'.length));
    const req = request(
      { hostname, port, path, method: options.method ?? 'GET', headers: options.headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('demo-http seed file', () => {
  let seed: Seed;
  beforeAll(async () => {
    seed = JSON.parse(await readFile(seedFile, 'utf8'));
  });

  it('holds about 50 customers, with tickets and refunds that refer to them', () => {
    expect(seed.customers).toHaveLength(50);
    expect(seed.tickets.length).toBeGreaterThanOrEqual(50);
    expect(seed.refunds.length).toBeGreaterThanOrEqual(20);
    const ids = new Set(seed.customers.map((c) => c.id));
    expect([...seed.tickets, ...seed.refunds].filter((r) => !ids.has(r.customerId))).toEqual([]);
    expect(seed.refunds.every((r) => r.amount > 0)).toBe(true);
  });

  it('uses only fictitious values: example domains, 555-01xx phones, Luhn-valid test cards', () => {
    expect(seed.customers.every((c) => /@example\.(com|org|net)$/.test(c.email))).toBe(true);
    const phones = seed.customers.flatMap((c) => (c.phone ? [c.phone.replace(/\D/g, '')] : []));
    expect(phones.every((p) => /^(1?\d{3}55501\d\d|442079460\d{3})$/.test(p))).toBe(true);
    const cards = seed.customers.flatMap((c) => (c.cardNumber ? [c.cardNumber] : []));
    expect(cards.length).toBeGreaterThan(30);
    expect(cards.filter((c) => !passesLuhn(c))).toEqual([]);
  });

  it('has ticket bodies with e-mail addresses and phone numbers in free text', () => {
    expect(seed.tickets.filter((t) => /@example\.(com|org|net)/.test(t.body)).length).toBeGreaterThan(5);
    expect(seed.tickets.filter((t) => /555[ -]?01\d\d|7946 0\d{3}/.test(t.body)).length).toBeGreaterThan(5);
  });
});

describe('startDemoHttp', () => {
  let target: DemoHttp;
  const api = (path: string, init: RequestInit = {}) =>
    fetch(new URL(path, target.url), { ...init, headers: { ...AUTH, ...init.headers } });
  const post = (path: string, body: unknown) =>
    api(path, { method: 'POST', headers: JSON_TYPE, body: JSON.stringify(body) });

  beforeEach(async () => {
    target = await startDemoHttp({ seedFile, token: TOKEN });
  });
  afterEach(async () => {
    await target.stop();
  });

  it('listens on 127.0.0.1 and gives the API base URL', () => {
    expect(target.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
  });

  describe('authentication', () => {
    it('refuses a request without Authorization with 401 JSON and a Bearer challenge', async () => {
      const res = await fetch(new URL('customers', target.url));
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="demo-http"');
      expect(await read(res)).toEqual({
        error: { code: 'unauthorized', message: 'Authorization: Bearer <token> is required.' },
      });
    });

    it('refuses a wrong token', async () => {
      const res = await fetch(new URL('health', target.url), { headers: { authorization: 'Bearer nope' } });
      expect(res.status).toBe(401);
      expect((await read(res)).error.message).toBe('The bearer token is not valid.');
    });

    it('refuses another scheme carrying the right token', async () => {
      const res = await fetch(new URL('health', target.url), {
        headers: { authorization: `Basic ${TOKEN}` },
      });
      expect(res.status).toBe(401);
    });

    it('accepts the scheme name in any case', async () => {
      const res = await fetch(new URL('health', target.url), {
        headers: { authorization: `bearer ${TOKEN}` },
      });
      expect(res.status).toBe(200);
    });

    it('refuses two Authorization headers even when one is right', async () => {
      const res = await raw(`${target.url}health`, {
        headers: { authorization: [`Bearer ${TOKEN}`, 'Bearer agent-token'] },
      });
      expect(res.status).toBe(401);
    });

    it('checks the token before anything else, unknown routes included', async () => {
      expect((await fetch(new URL('no-such-route', target.url))).status).toBe(401);
    });
  });

  describe('seen', () => {
    it('records method, raw path and headers as received, before authentication', async () => {
      await raw(`${target.url}customers?q=a%20b`, {
        headers: { 'X-Api-Key': 'agent-key', Cookie: 'session=1', authorization: 'Bearer wrong' },
      });
      expect(target.seen).toEqual([
        {
          method: 'GET',
          path: '/api/customers?q=a%20b',
          headers: {
            host: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
            connection: expect.any(String),
            'x-api-key': 'agent-key',
            cookie: 'session=1',
            authorization: 'Bearer wrong',
          },
        },
      ]);
    });

    it('keeps a repeated header as one value, joined in arrival order', async () => {
      await raw(`${target.url}health`, { headers: { ...AUTH, 'x-forwarded-for': ['10.0.0.1', '10.0.0.2'] } });
      expect(target.seen[0]!.headers['x-forwarded-for']).toBe('10.0.0.1, 10.0.0.2');
    });

    it('keeps a header named __proto__ as data', async () => {
      await raw(`${target.url}health`, { headers: { ...AUTH, __Proto__: 'x' } });
      expect(Object.getPrototypeOf(target.seen[0]!.headers)).toBe(Object.prototype);
      expect(Object.hasOwn(target.seen[0]!.headers, '__proto__')).toBe(true);
    });

    it('keeps the path undecoded and unnormalised', async () => {
      const res = await raw(`${target.url}%2e%2e/customers`, { headers: AUTH });
      expect(res.status).toBe(404);
      expect(target.seen[0]!.path).toBe('/api/%2e%2e/customers');
    });

    it(`keeps only the last ${SEEN_LIMIT} requests`, async () => {
      for (let i = 0; i < SEEN_LIMIT + 5; i++) await raw(`${target.url}health?n=${i}`, { headers: AUTH });
      expect(target.seen).toHaveLength(SEEN_LIMIT);
      expect(target.seen[0]!.path).toBe('/api/health?n=5');
      expect(target.seen.at(-1)!.path).toBe(`/api/health?n=${SEEN_LIMIT + 4}`);
    });
  });

  describe('routing', () => {
    it('answers GET /api/health with the counts', async () => {
      const res = await api('health');
      expect(res.status).toBe(200);
      expect(await read(res)).toEqual({ status: 'ok', customers: 50, tickets: 80, refunds: 30 });
    });

    it('answers HEAD like GET, without a body', async () => {
      const res = await raw(`${target.url}health`, { method: 'HEAD', headers: AUTH });
      expect(res.status).toBe(200);
      expect(res.body).toBe('');
    });

    it('answers an unknown route with 404 JSON', async () => {
      const res = await api('orders');
      expect(res.status).toBe(404);
      expect(await read(res)).toEqual({
        error: { code: 'not_found', message: 'No route GET /api/orders.' },
      });
    });

    it('answers a known path with another method with 405 and Allow', async () => {
      const res = await api('customers/1', { method: 'PUT' });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('GET, HEAD, DELETE');
      expect((await read(res)).error.code).toBe('method_not_allowed');
    });

    it('accepts one trailing slash', async () => {
      expect((await api('customers/')).status).toBe(200);
    });

    it('answers a malformed request with 400 JSON', async () => {
      const url = new URL(target.url);
      const socket = connect(Number(url.port), url.hostname);
      await once(socket, 'connect');
      socket.end('GET /api/health HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n');
      let answer = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        answer += chunk;
      });
      await once(socket, 'close');
      expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
      expect(answer).toContain('{"error":{"code":"bad_request","message":"Malformed HTTP request."}}');
    });
  });

  describe('customers', () => {
    it('lists the first 20 customers with their PII, and the total', async () => {
      const body = await read(await api('customers'));
      expect(body).toMatchObject({ total: 50, limit: 20, offset: 0 });
      expect(body.customers).toHaveLength(20);
      expect(body.customers[0]).toEqual({
        id: 1,
        name: expect.any(String),
        email: expect.stringMatching(/@example\./),
        phone: expect.any(String),
        address: expect.objectContaining({ line1: expect.any(String), country: expect.any(String) }),
        cardNumber: expect.anything(),
        notes: expect.anything(),
        createdAt: expect.stringMatching(/^2025-/),
      });
    });

    it('pages with limit and offset', async () => {
      const body = await read(await api('customers?limit=5&offset=45'));
      expect(body.customers.map((c) => c.id)).toEqual([46, 47, 48, 49, 50]);
    });

    it('filters by q on name or e-mail, ignoring case', async () => {
      const first = (await read(await api('customers/1'))).customer;
      const q = first.email.split('@')[0].toUpperCase();
      const body = await read(await api(`customers?q=${encodeURIComponent(q)}`));
      expect(body.customers.map((c) => c.id)).toContain(1);
      expect(
        body.customers.every((c) => `${c.name} ${c.email}`.toLowerCase().includes(q.toLowerCase())),
      ).toBe(true);
    });

    it.each(['limit=0', 'limit=101', 'limit=abc', 'offset=-1', 'limit=1.5'])(
      'refuses %s with 400',
      async (query) => {
        const res = await api(`customers?${query}`);
        expect(res.status).toBe(400);
        expect((await read(res)).error.code).toBe('invalid_query');
      },
    );

    it('gets one customer under "customer"', async () => {
      const body = await read(await api('customers/7'));
      expect(body.customer).toMatchObject({ id: 7, email: expect.stringMatching(/@example\./) });
    });

    it.each(['999', 'abc', '0', '01'])('answers customers/%s with 404', async (id) => {
      const res = await api(`customers/${id}`);
      expect(res.status).toBe(404);
      expect((await read(res)).error.code).toBe('not_found');
    });

    it('deletes a customer in memory: 204, then 404', async () => {
      const res = await api('customers/3', { method: 'DELETE' });
      expect(res.status).toBe(204);
      expect(await res.text()).toBe('');
      expect((await api('customers/3')).status).toBe(404);
      expect((await api('customers/3', { method: 'DELETE' })).status).toBe(404);
      expect((await read(await api('customers'))).total).toBe(49);
    });

    it('starts again from the seed after a restart', async () => {
      await api('customers/3', { method: 'DELETE' });
      await target.stop();
      target = await startDemoHttp({ seedFile, token: TOKEN });
      expect((await api('customers/3')).status).toBe(200);
    });
  });

  describe('tickets', () => {
    it('lists tickets, filtered by customerId and status', async () => {
      const all = await read(await api('tickets?limit=100'));
      expect(all.total).toBe(80);
      const owner = all.tickets[0].customerId;
      const mine = await read(await api(`tickets?customerId=${owner}&status=${all.tickets[0].status}`));
      expect(mine.tickets.length).toBeGreaterThan(0);
      expect(mine.tickets.every((t) => t.customerId === owner && t.status === all.tickets[0].status)).toBe(
        true,
      );
    });

    it('gets one ticket under "ticket", 404 when unknown', async () => {
      expect((await read(await api('tickets/2'))).ticket).toMatchObject({
        id: 2,
        body: expect.any(String),
      });
      expect((await api('tickets/9999')).status).toBe(404);
    });

    it('creates a ticket: 201, Location, status open, then readable', async () => {
      const res = await post('tickets', {
        customerId: 4,
        subject: 'Help',
        body: 'Call me on (212) 555-0100.',
      });
      expect(res.status).toBe(201);
      expect(res.headers.get('location')).toBe('/api/tickets/81');
      const { ticket } = await read(res);
      expect(ticket).toMatchObject({
        id: 81,
        customerId: 4,
        subject: 'Help',
        channel: 'web',
        status: 'open',
      });
      expect((await read(await api('tickets/81'))).ticket).toEqual(ticket);
    });

    it.each([
      [{ customerId: 4, body: 'x' }, 'subject'],
      [{ customerId: '4', subject: 's', body: 'x' }, 'customerId'],
      [{ customerId: 4, subject: '   ', body: 'x' }, 'subject must not be empty'],
      [{ customerId: 4, subject: 's', body: 'x', status: 'closed' }, 'status'],
      [{ customerId: 4, subject: 's', body: 'x', channel: 'fax' }, 'channel'],
      [[], 'expected object'],
    ])('refuses %j with 400 naming the problem', async (body, problem) => {
      const res = await post('tickets', body);
      expect(res.status).toBe(400);
      const { error } = await read(res);
      expect(error.code).toBe('invalid_request');
      expect(error.message).toContain(problem);
    });

    it('refuses an unknown customer with 422', async () => {
      const res = await post('tickets', { customerId: 999, subject: 's', body: 'b' });
      expect(res.status).toBe(422);
      expect((await read(res)).error.code).toBe('unknown_customer');
    });

    it('refuses a body that is not JSON with 400', async () => {
      const res = await api('tickets', { method: 'POST', headers: JSON_TYPE, body: '{"customerId": 4,' });
      expect(res.status).toBe(400);
      expect(await read(res)).toEqual({
        error: { code: 'invalid_json', message: 'The body is not valid JSON.' },
      });
    });

    it('refuses a body that is not UTF-8 with 400', async () => {
      const res = await api('tickets', {
        method: 'POST',
        headers: JSON_TYPE,
        body: new Uint8Array([0x22, 0xff, 0x22]),
      });
      expect(res.status).toBe(400);
      expect((await read(res)).error.code).toBe('invalid_body');
    });

    it('refuses a body without a content type with 415', async () => {
      const res = await api('tickets', { method: 'POST', body: new Blob(['{}']) });
      expect(res.status).toBe(415);
    });

    it('refuses another content type with 415', async () => {
      const res = await api('tickets', {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: '{}',
      });
      expect(res.status).toBe(415);
      expect((await read(res)).error.code).toBe('unsupported_media_type');
    });

    it('refuses a body over 1 MB with 413', async () => {
      const body = JSON.stringify({ customerId: 4, subject: 's', body: 'x'.repeat(1024 * 1024) });
      const res = await api('tickets', { method: 'POST', headers: JSON_TYPE, body });
      expect(res.status).toBe(413);
      expect((await read(res)).error.code).toBe('payload_too_large');
    });

    it('refuses a chunked body over 1 MB with 413 too', async () => {
      const chunks = new ReadableStream({
        start(controller) {
          for (let i = 0; i < 20; i++) controller.enqueue(new Uint8Array(64 * 1024).fill(0x20));
          controller.close();
        },
      });
      const res = await api('tickets', {
        method: 'POST',
        headers: JSON_TYPE,
        body: chunks,
        duplex: 'half',
      } as RequestInit);
      expect(res.status).toBe(413);
    });
  });

  describe('refunds', () => {
    it('lists refunds with amounts, filtered by customerId', async () => {
      const all = await read(await api('refunds?limit=100'));
      expect(all.total).toBe(30);
      expect(all.refunds.every((r) => r.amount > 0)).toBe(true);
      const owner = all.refunds[0].customerId;
      const mine = await read(await api(`refunds?customerId=${owner}`));
      expect(mine.refunds.every((r) => r.customerId === owner)).toBe(true);
    });

    it('creates a pending refund in the customer currency', async () => {
      const res = await post('refunds', { customerId: 1, amount: 12.5, reason: 'Damaged' });
      expect(res.status).toBe(201);
      expect(res.headers.get('location')).toBe('/api/refunds/31');
      expect((await read(res)).refund).toMatchObject({
        id: 31,
        customerId: 1,
        amount: 12.5,
        currency: expect.stringMatching(/^(USD|GBP)$/),
        reason: 'Damaged',
        status: 'pending',
      });
      expect((await read(await api('refunds'))).total).toBe(31);
    });

    it.each([
      [{ customerId: 1, amount: -5, reason: 'r' }, 'amount must be positive'],
      [{ customerId: 1, amount: 1.234, reason: 'r' }, 'more than 2 decimals'],
      [{ customerId: 1, amount: 20_000, reason: 'r' }, 'at most 10000'],
      [{ customerId: 1, amount: '5', reason: 'r' }, 'amount must be a number'],
      [{ customerId: 1, amount: 5 }, 'reason'],
    ])('refuses %j with 400', async (body, problem) => {
      const res = await post('refunds', body);
      expect(res.status).toBe(400);
      expect((await read(res)).error.message).toContain(problem);
    });

    it('refuses a refund for an unknown customer with 422', async () => {
      expect((await post('refunds', { customerId: 999, amount: 5, reason: 'r' })).status).toBe(422);
    });
  });

  describe('export.csv', () => {
    it('answers text/csv with a header row and one row per customer, PII included', async () => {
      const res = await api('export.csv');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      const text = await res.text();
      expect(text.startsWith('id,name,email,phone,cardNumber,address,notes\r\n')).toBe(true);
      expect(text.match(/^\d+,/gm)).toHaveLength(50);
      expect(text).toMatch(/@example\.(com|org|net)/);
      expect(text).toMatch(/"[^"]*, [^"]*"/); // addresses hold commas, so they are quoted
    });
  });

  describe('redirect', () => {
    it('answers 302 with the given Location, wherever it points', async () => {
      const res = await api(`redirect?to=${encodeURIComponent('https://elsewhere.example/steal')}`, {
        redirect: 'manual',
      });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('https://elsewhere.example/steal');
    });

    it.each(['', '?to=', '?to=%2Fok%0D%0ASet-Cookie%3A%20x%3D1', '?to=%2F%E2%82%AC'])(
      'refuses redirect%s with 400',
      async (query) => {
        const res = await api(`redirect${query}`, { redirect: 'manual' });
        expect(res.status).toBe(400);
        expect((await read(res)).error.code).toBe('invalid_query');
      },
    );
  });

  describe('slow', () => {
    it('answers after the wait it was asked for', async () => {
      expect(await read(await api('slow?ms=20'))).toEqual({ waitedMs: 20 });
    });

    it.each(['', '?ms=', '?ms=abc', '?ms=-1'])('refuses slow%s with 400', async (query) => {
      expect((await api(`slow${query}`)).status).toBe(400);
    });

    it('is ended by stop, which does not wait for it', async () => {
      const pending = api(`slow?ms=30000`).then(
        () => 'answered',
        () => 'connection closed',
      );
      while (target.seen.length === 0) await new Promise((resolve) => setImmediate(resolve));
      await target.stop();
      await expect(pending).resolves.toBe('connection closed');
    });
  });
});

describe('startDemoHttp refuses bad options', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'demo-http-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const seedWith = async (name: string, content: string) => {
    const file = join(dir, name);
    await writeFile(file, content);
    return file;
  };

  it.each(['', 'has space', 'line\nbreak'])('refuses the token %j', async (token) => {
    await expect(startDemoHttp({ seedFile, token })).rejects.toThrow(DemoHttpConfigError);
  });

  it('names a seed file it cannot read', async () => {
    await expect(startDemoHttp({ seedFile: join(dir, 'missing.json'), token: TOKEN })).rejects.toThrow(
      /cannot read the demo-http seed file .*missing\.json/,
    );
  });

  it('refuses a seed file that is not JSON', async () => {
    const file = await seedWith('broken.json', '{"customers": [');
    await expect(startDemoHttp({ seedFile: file, token: TOKEN })).rejects.toThrow(/is not valid JSON/);
  });

  it('says which seed field is wrong', async () => {
    const file = await seedWith(
      'shape.json',
      JSON.stringify({ customers: [{ id: 'x' }], tickets: [], refunds: [] }),
    );
    await expect(startDemoHttp({ seedFile: file, token: TOKEN })).rejects.toThrow(/customers\.0\.id/);
  });

  it('refuses a ticket for a customer the seed does not hold', async () => {
    const seed = JSON.parse(await readFile(seedFile, 'utf8'));
    seed.tickets[0].customerId = 999;
    const file = await seedWith('dangling.json', JSON.stringify(seed));
    await expect(startDemoHttp({ seedFile: file, token: TOKEN })).rejects.toThrow(
      /customer 999 is referenced/,
    );
  });

  it('refuses a port in use', async () => {
    const first = await startDemoHttp({ seedFile, token: TOKEN });
    try {
      const port = Number(new URL(first.url).port);
      await expect(startDemoHttp({ seedFile, token: TOKEN, port })).rejects.toThrow(
        /cannot listen on 127\.0\.0\.1:/,
      );
    } finally {
      await first.stop();
    }
  });
});
