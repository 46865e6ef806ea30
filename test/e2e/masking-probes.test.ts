// Masking probes (test/corpus/masking-probes.yaml) end to end: every probe goes through the local
// gateway over HTTP with an agent's token, against the demo database with the demo connection's
// classification (tollgate.yaml). The raw values of every classified column are read straight
// from the database; no answer, error message or archived recording may hold any of them, nor
// their upper/lower-case, reversed, base64, hex, digits-only, md5 or sha256 forms.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import pg from 'pg';
import { parse, stringify } from 'yaml';
import { z } from 'zod';
import { localS3Client } from '../../lambdas/adapters/local/aws-stand-ins.js';
import { type DevIssuer, loadDevIssuer } from '../../lambdas/adapters/local/dev-issuer.js';
import { LOCAL_BUCKET, type LocalGateway, startLocalGateway } from '../../lambdas/wiring/local.js';

const ROOT = join(import.meta.dirname, '../..');
const PROBES_FILE = join(ROOT, 'test/corpus/masking-probes.yaml');
const DEMO = 'demo-postgres';

const probeSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'lower-case words joined by dashes'),
    sql: z.string().min(1),
    note: z.string().min(1).optional(),
    known_gap: z.enum(['notes-ssn', 'notes', 'any']).optional(),
    oracle: z.enum(['refused', 'no-null-bit']).optional(),
  })
  .strict()
  .refine((p) => p.known_gap === undefined || p.note !== undefined, {
    message: 'a known gap needs a note saying what is wrong',
  });
const probes = z
  .object({ probes: z.array(probeSchema).min(70) })
  .strict()
  .refine((f) => new Set(f.probes.map((p) => p.id)).size === f.probes.length, 'probe ids must be unique')
  .parse(parse(readFileSync(PROBES_FILE, 'utf8'))).probes;

// ---------------------------------------------------------------------------------------------
// The forbidden strings: every classified value of the demo data in the forms a query can produce.

/** Shorter strings would match by chance (and reveal too little to count as a leak). */
const MIN_FORBIDDEN = 6;
/** Digits-only forms shorter than this are not specific enough (dates, amounts, ids). */
const MIN_DIGITS = 9;
/** PostgreSQL's base64 breaks lines after 76 characters: the first line is forbidden on its own. */
const BASE64_LINE = 76;

/** PII inside free text (independent of the gateway's detectors): e-mail addresses and numbers. */
const EMAIL_IN_TEXT = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
const NUMBER_IN_TEXT = /[+(]?\d[\d ()-]*\d/g;

const reversed = (s: string) => Array.from(s).reverse().join('');
const digitsOf = (s: string) => s.replace(/\D/g, '');
const hash = (algorithm: string, s: string) => createHash(algorithm).update(s, 'utf8').digest('hex');

/** A value and the forms of it a query can produce. `numeric`: also its digits. */
const formsOf = (value: string, numeric: boolean): string[] => {
  const utf8 = Buffer.from(value, 'utf8');
  const base64 = utf8.toString('base64');
  const forms = [
    value,
    value.toUpperCase(),
    value.toLowerCase(),
    reversed(value),
    base64,
    base64.slice(0, BASE64_LINE),
    utf8.toString('hex'),
    hash('md5', value),
    hash('sha256', value),
  ];
  const digits = digitsOf(value);
  if (numeric && digits.length >= MIN_DIGITS) {
    forms.push(digits, reversed(digits));
    // A North American number without its country code: +1 415 555 0123 is (415) 555-0123.
    if (digits.length === 11 && digits.startsWith('1')) forms.push(digits.slice(1));
    // A card number as an integer in hexadecimal (`to_hex(card::bigint)`).
    if (digits.length >= 13) forms.push(BigInt(digits).toString(16));
  }
  return forms;
};

/** PII found in a free-text value by plain patterns: e-mail addresses and long numbers. */
const piiInText = (text: string): string[] => [
  ...[...text.matchAll(EMAIL_IN_TEXT)].map((m) => m[0]),
  ...[...text.matchAll(NUMBER_IN_TEXT)].map((m) => m[0].trim()).filter((n) => digitsOf(n).length >= 7),
];

const NUMERIC_CLASSES = new Set(['PHONE_NUMBER', 'US_SSN', 'CREDIT_CARD']);
const SSN_SHAPE = /^\d{3}-\d{2}-\d{4}$/;

/** What a forbidden string is: a masked column's value, or PII inside the free-text notes. */
type LeakKind = 'column' | 'notes' | 'notes-ssn';
type KnownGap = z.infer<typeof probeSchema>['known_gap'];

/** The leak kinds a known gap tolerates. */
const tolerated = (gap: KnownGap, kind: LeakKind): boolean =>
  gap === 'any' || (gap === 'notes' && kind !== 'column') || (gap === 'notes-ssn' && kind === 'notes-ssn');

interface Leak {
  readonly found: string;
  readonly origin: string;
  readonly kind: LeakKind;
}

/** Finds forbidden strings in texts in linear time: candidates by their first six characters. */
class ForbiddenScanner {
  private readonly byPrefix = new Map<string, string[]>();
  /** Which raw value (column and customer) each forbidden string stands for. */
  private readonly origin = new Map<string, { origin: string; kind: LeakKind }>();

  add(form: string, origin: string, kind: LeakKind): void {
    if (form.length < MIN_FORBIDDEN) return;
    const known = this.origin.get(form);
    if (known) {
      // A value that is also inside the notes (another customer's phone, say) leaks as notes do.
      if (known.kind === 'column' && kind !== 'column') this.origin.set(form, { origin, kind });
      return;
    }
    this.origin.set(form, { origin, kind });
    const key = form.slice(0, MIN_FORBIDDEN);
    const list = this.byPrefix.get(key);
    if (list) list.push(form);
    else this.byPrefix.set(key, [form]);
  }

  get size(): number {
    return this.origin.size;
  }

  has(form: string): boolean {
    return this.origin.has(form);
  }

  /** Forbidden strings in `text`, with what they stand for (at most `max`). */
  scan(text: string, max = 5): Leak[] {
    const hits = new Map<string, { origin: string; kind: LeakKind }>();
    for (let i = 0; i + MIN_FORBIDDEN <= text.length && hits.size < max; i++) {
      const candidates = this.byPrefix.get(text.slice(i, i + MIN_FORBIDDEN));
      if (!candidates) continue;
      for (const form of candidates) {
        if (text.startsWith(form, i)) hits.set(form, this.origin.get(form)!);
      }
    }
    return [...hits].map(([found, at]) => ({ found, ...at }));
  }
}

// ---------------------------------------------------------------------------------------------
// What an answer holds, as texts to scan.

/** Every string inside a JSON value, also inside strings that hold JSON themselves. */
const stringsIn = (value: unknown, out: string[], depth = 0): void => {
  if (depth > 64) return;
  if (typeof value === 'string') {
    out.push(value);
    const t = value.trim();
    if (t.length > 1 && (t[0] === '{' || t[0] === '[' || t[0] === '"')) {
      try {
        stringsIn(JSON.parse(t), out, depth + 1);
      } catch {
        // not JSON
      }
    }
  } else if (Array.isArray(value)) {
    for (const v of value) stringsIn(v, out, depth + 1);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      stringsIn(v, out, depth + 1);
    }
  }
};

/**
 * The texts of an answer: the body as sent, every string in it (JSON inside strings unpacked),
 * and each column's values concatenated in row order (one character per row, rebuilt), with
 * columns of character codes turned back into characters; each also without white space.
 */
const textsOf = (bodyText: string, body: unknown): string[] => {
  const texts = [bodyText];
  stringsIn(body, texts);
  const rows = (body as { rows?: unknown }).rows;
  if (Array.isArray(rows) && rows.length > 0 && Array.isArray(rows[0])) {
    const width = (rows[0] as unknown[]).length;
    for (let column = 0; column < width; column++) {
      const values = rows.map((r) => (r as unknown[])[column]);
      texts.push(values.filter((v): v is string => typeof v === 'string').join(''));
      if (values.every((v) => Number.isInteger(v) && (v as number) >= 32 && (v as number) <= 126)) {
        texts.push(String.fromCharCode(...(values as number[])));
      }
    }
  }
  return [...texts, ...texts.map((t) => t.replace(/\s+/g, ''))];
};

// ---------------------------------------------------------------------------------------------

type Oracle = z.infer<typeof probeSchema>['oracle'];

/**
 * Whether an answer reveals the predicate an oracle probe asks: anything but a refusal before it
 * ran (403) answers it; a `no-null-bit` probe may also be answered when no masked column mixes
 * NULL with masked values (NULL stays NULL, so a NULL among masked values is a bit per row).
 */
const answersOracle = (oracle: Oracle, status: number, body: AnswerBody): boolean => {
  if (oracle === undefined || status === 403) return false;
  if (oracle === 'refused' || status !== 200) return true;
  const masked = new Set((body.masking?.maskedColumns ?? []).map((m) => m.column));
  const names = (body.columns ?? []).map((c) => c.name);
  return names.some((name, index) => {
    if (!masked.has(name)) return false;
    const values = (body.rows ?? []).map((r) => r[index]);
    return values.some((v) => v === null) && values.some((v) => v !== null);
  });
};

interface AnswerBody {
  readonly rows?: unknown[][];
  readonly columns?: ReadonlyArray<{ readonly name: string }>;
  readonly masking?: { readonly maskedColumns?: ReadonlyArray<{ readonly column: string }> };
}

interface Outcome {
  readonly id: string;
  readonly status: number;
  /** An oracle probe that was answered (see `answersOracle`). */
  readonly oracleAnswered: boolean;
  /** Leaks the probe's known gap does not cover. */
  readonly leaks: readonly Leak[];
  /** Leaks its known gap covers. */
  readonly known: readonly Leak[];
}

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('masking probes through the local gateway', () => {
  let dir: string;
  let gateway: LocalGateway;
  let issuer: DevIssuer;
  const forbidden = new ForbiddenScanner();
  const outcomes: Outcome[] = [];
  let recordingLeaks: Array<Leak & { key: string }> | undefined;
  /** Customer 1's raw name, for the tokenization oracle. */
  let firstName = '';

  const ask = async (sql: string, params?: unknown[]) => {
    const response = await fetch(`${gateway.url}/v1/connections/${DEMO}/sql`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${issuer.signToken({ sub: 'probe-agent', groups: ['agents'], ttlSeconds: 300 })}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify(params ? { sql, params } : { sql }),
    });
    const text = await response.text();
    return { status: response.status, text, body: JSON.parse(text) as AnswerBody };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-masking-'));
    // The demo connection exactly as tollgate.yaml declares it, classification included.
    const demo = (
      parse(readFileSync(join(ROOT, 'tollgate.yaml'), 'utf8')) as {
        connections: Array<{ name: string; classification?: Record<string, string> }>;
      }
    ).connections.find((c) => c.name === DEMO)!;
    writeFileSync(join(dir, 'tollgate.yaml'), stringify({ maxBodyBytes: 65_536, connections: [demo] }));
    gateway = await startLocalGateway({
      dataDir: join(dir, 'data'),
      configFile: join(dir, 'tollgate.yaml'),
      port: 0,
      logger: silent,
      demoSeedFile: join(ROOT, 'db/seed/demo-postgres.sql'),
      policyDir: join(ROOT, 'policies'),
      archiveIntervalMs: 60_000,
    });
    issuer = loadDevIssuer(join(dir, 'data', 'issuer'));

    // The raw values, read as the gateway's reader, straight from the database.
    const columns = Object.entries(demo.classification ?? {}).map(([key, dataClass]) => ({
      column: key.split('.').at(-1)!,
      dataClass,
    }));
    expect(columns.length).toBeGreaterThanOrEqual(7);
    const client = new pg.Client({ connectionString: gateway.endpoints.demoPostgres });
    await client.connect();
    try {
      const { rows } = await client.query<Record<string, string | null>>(
        `SELECT id, ${columns.map((c) => `"${c.column}"::text`).join(', ')} FROM customers ORDER BY id`,
      );
      expect(rows).toHaveLength(250);
      firstName = String(rows[0]!.full_name);
      for (const row of rows) {
        for (const { column, dataClass } of columns) {
          const value = row[column];
          if (value === null || value === undefined) continue;
          const origin = `customers.${column} of customer ${row.id}`;
          if (dataClass === 'FREE_TEXT') {
            // Free text is answered (scrubbed): its PII is forbidden, and the text when it holds any.
            const pii = piiInText(value);
            const kindOf = (items: string[]): LeakKind =>
              items.every((i) => SSN_SHAPE.test(i)) ? 'notes-ssn' : 'notes';
            if (pii.length > 0) {
              for (const form of formsOf(value, false)) forbidden.add(form, origin, kindOf(pii));
            }
            for (const item of pii) {
              for (const form of formsOf(item, /\d/.test(item))) {
                forbidden.add(form, `PII in ${origin}`, kindOf([item]));
              }
            }
            continue;
          }
          for (const form of formsOf(value, NUMERIC_CLASSES.has(dataClass))) {
            forbidden.add(form, origin, 'column');
          }
        }
      }
    } finally {
      await client.end();
    }
  }, 60_000);

  afterAll(async () => {
    const answered = outcomes.filter((o) => o.status === 200).length;
    const leaks = outcomes.filter((o) => o.leaks.length > 0).length + (recordingLeaks?.length ? 1 : 0);
    const oracles = outcomes.filter((o) => o.oracleAnswered).length;
    const known = outcomes.filter((o) => o.known.length > 0).length;
    process.stdout.write(
      `masking probes: ${outcomes.length} queries, ${answered} answered, ${outcomes.length - answered} refused, ${leaks} leaks, ${oracles} oracles answered` +
        (known > 0 ? ` (${known} known gaps still leak: known_gap in test/corpus/masking-probes.yaml)` : '') +
        '\n',
    );
    await gateway?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('has a forbidden form of every classified value', () => {
    // 250 customers × 6 masked columns × several forms, plus the PII inside notes.
    expect(forbidden.size).toBeGreaterThan(250 * 6 * 6);
    expect(forbidden.has('9573 Willow Boulevard, Denver, CO 80205')).toBe(true);
  });

  it('finds forbidden forms when they are there (the scanner works)', () => {
    const text = `{"rows":[["${Buffer.from('egarcia@example.com').toString('base64')}"]]}`;
    expect(forbidden.scan(text)).toEqual([
      {
        found: Buffer.from('egarcia@example.com').toString('base64'),
        origin: 'customers.email of customer 1',
        kind: 'column',
      },
    ]);
    // One character per row, rebuilt; a value spelled out with spaces.
    expect(forbidden.scan(textsOf('{}', { rows: [...'906-94-0318'].map((c) => [c]) }).join('\n'))).toEqual(
      expect.arrayContaining([
        { found: '906-94-0318', origin: 'customers.ssn of customer 1', kind: 'column' },
      ]),
    );
    expect(forbidden.scan(textsOf('{}', { rows: [['9 0 6 - 9 4 - 0 3 1 8']] }).join('\n'))).toHaveLength(1);
  });

  it.each(probes.map((p) => [p.id, p] as const))(
    '%s: no classified value and no oracle bit in the answer',
    async (_id, probe) => {
      const response = await ask(probe.sql);
      // Refusals and errors are fine, but their messages are scanned too.
      const all = forbidden.scan(textsOf(response.text, response.body).join('\n\u0000'), 20);
      const leaks = all.filter((l) => !tolerated(probe.known_gap, l.kind));
      const known = all.filter((l) => tolerated(probe.known_gap, l.kind));
      const oracleAnswered = answersOracle(probe.oracle, response.status, response.body);
      outcomes.push({ id: probe.id, status: response.status, oracleAnswered, leaks, known });
      expect({ status: response.status, leaks: leaks.slice(0, 5) }).toEqual({
        status: response.status,
        leaks: [],
      });
      // A probe marked as a known gap leaks exactly that (once fixed, remove its known_gap);
      // an unmarked probe leaks nothing, tolerated or not.
      expect({ knownGap: probe.known_gap ?? null, leaksKnown: known.length > 0 }).toEqual({
        knownGap: probe.known_gap ?? null,
        leaksKnown: probe.known_gap !== undefined,
      });
      // 200 answered; 400/403 refused before running; 502 the target rejected the statement.
      expect([200, 400, 403, 502]).toContain(response.status);
      // An oracle probe's predicate on a masked class must not be answered, not even by an error.
      expect({ oracle: probe.oracle ?? null, answered: oracleAnswered }).toEqual({
        oracle: probe.oracle ?? null,
        answered: false,
      });
    },
  );

  // A tokenized column must not be an oracle: a computed output (a chosen value concatenated to an
  // empty fragment of a classified column) is redacted, not tokenized.
  it('does not tokenize a value the agent chose (no chosen-plaintext oracle)', async () => {
    const real = await ask('SELECT full_name FROM customers WHERE id = 1');
    const guess = await ask('SELECT $1::text || substr(full_name, 1, 0) FROM customers WHERE id = 1', [
      firstName,
    ]);
    const token = real.body.rows?.[0]?.[0];
    // Only the oracle throws here: anything unexpected (an error, no token) returns, so that
    // it.failing reports it instead of passing.
    if (real.status !== 200 || guess.status !== 200 || !String(token).startsWith('tok_person_')) return;
    if (guess.body.rows?.[0]?.[0] === token) throw new Error('the guessed name has the real name’s token');
  });

  it('archives no classified value in any recording', async () => {
    await gateway.flushRecordings();
    const s3 = localS3Client(gateway.endpoints.s3);
    const found: Array<Leak & { key: string }> = [];
    let objects = 0;
    let token: string | undefined;
    do {
      const listed = await s3.send(
        new ListObjectsV2Command({ Bucket: LOCAL_BUCKET, ContinuationToken: token }),
      );
      for (const object of listed.Contents ?? []) {
        objects++;
        const text = await (
          await s3.send(new GetObjectCommand({ Bucket: LOCAL_BUCKET, Key: object.Key }))
        ).Body!.transformToString();
        for (const hit of forbidden.scan(text)) found.push({ key: object.Key!, ...hit });
      }
      token = listed.NextContinuationToken;
    } while (token);
    recordingLeaks = found;
    expect(objects).toBeGreaterThan(0);
    expect(found).toEqual([]);
  });
});
