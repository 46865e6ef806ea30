// `tollgate classify` through bin/tollgate.js against the demo database (PGlite, seeded from
// db/seed/demo-postgres.sql) in a temporary data dir: the proposal names the demo's sensitive
// columns, and no sampled value ever reaches the output.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';

const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

/** Every string literal of the seed's rows, long enough to be a value rather than a word. */
const seedValues = (): string[] => {
  const seed = readFileSync(join(ROOT, 'db/seed/demo-postgres.sql'), 'utf8');
  const rows = seed.split('\n').filter((line) => /^\s+\(\d+,/.test(line));
  const values = rows.flatMap((line) =>
    [...line.matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1]!.replace(/''/g, "'")),
  );
  return [...new Set(values)].filter((v) => v.length >= 6 && !/^\d{4}-\d\d-\d\d /.test(v));
};

describe('tollgate classify on the demo database', () => {
  let work: string;
  const env = () => ({ ...process.env, TOLLGATE_DATA_DIR: join(work, 'data'), TOLLGATE_LOG_LEVEL: 'silent' });
  const classify = (args: string[]) =>
    run(process.execPath, ['bin/tollgate.js', 'classify', ...args], {
      cwd: ROOT,
      env: env(),
      timeout: 90_000,
    });

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'tollgate-classify-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('proposes the demo classification as YAML, without a single sampled value', async () => {
    const { stdout, stderr } = await classify(['demo-postgres']);
    expect(stdout).toMatch(/^ {2}customers\.email: EMAIL_ADDRESS +# \(both\) /m);
    expect(stdout).toMatch(/^ {2}customers\.card_number: CREDIT_CARD +# \(both\) /m);
    expect(stdout).toMatch(/^ {2}customers\.notes: FREE_TEXT +# \(both\) /m);
    expect(stdout).toMatch(/^ {2}customers\.full_name: PERSON +# \(name\) /m);
    // The repository's tollgate.yaml already says the same: nothing new, nothing different.
    expect(stdout).not.toMatch(/\[(NEW|DIFFERS)/);
    // Ready to paste: the block parses to the proposed map.
    const block = parse(stdout) as { classification: Record<string, string> };
    expect(block.classification).toMatchObject({
      'customers.email': 'EMAIL_ADDRESS',
      'customers.card_number': 'CREDIT_CARD',
      'customers.notes': 'FREE_TEXT',
    });
    expect(Object.keys(block.classification)).not.toContain('orders.customer_id');

    const values = seedValues();
    expect(values.length).toBeGreaterThan(500);
    const leaked = values.filter((v) => stdout.includes(v) || stderr.includes(v));
    expect(leaked).toEqual([]);
    // Nor the digits of cards, phones or SSNs, nor an e-mail address, in any form.
    expect(`${stdout}${stderr}`).not.toMatch(/@example\.|\d{3}-\d\d-\d{4}|555[- ]?01\d\d|4111|5555/);
  }, 120_000);

  it('--write adds the classes of unclassified columns and keeps comments and the other entries', async () => {
    const file = join(work, 'tollgate.yaml');
    const original = readFileSync(join(ROOT, 'tollgate.yaml'), 'utf8');
    const edited = original
      .replace(/^ {6}customers\.email: EMAIL_ADDRESS\n/m, '')
      .replace('customers.address: LOCATION', 'customers.address: PERSON');
    expect(edited).not.toContain('customers.email');
    writeFileSync(file, edited);

    const { stdout } = await classify(['demo-postgres', '--write', '--file', file]);
    expect(stdout).toMatch(/^ {2}customers\.email: EMAIL_ADDRESS +# .*\[NEW: not classified yet\]$/m);
    expect(stdout).toMatch(/^ {2}customers\.address: LOCATION +# .*\[DIFFERS: currently PERSON\]$/m);
    expect(stdout).toContain('# --write: added 1 entry to demo-postgres');

    const written = readFileSync(file, 'utf8');
    const connection = (parse(written) as { connections: { classification: Record<string, string> }[] })
      .connections[0]!;
    expect(connection.classification['customers.email']).toBe('EMAIL_ADDRESS');
    // Existing entries stay as a person wrote them, differences included.
    expect(connection.classification['customers.address']).toBe('PERSON');
    expect(Object.keys(connection.classification)).toHaveLength(7);
    // Comments survive, inside the connection and after it.
    expect(written).toContain("# Data classes of the demo's columns");
    expect(written).toContain('#   target: { urlEnv: MY_POSTGRES_URL }');

    // Run again: nothing left to add.
    const again = await classify(['demo-postgres', '--write', '--file', file]);
    expect(again.stdout).toContain('# --write: nothing to add');
    expect(readFileSync(file, 'utf8')).toBe(written);
  }, 120_000);

  it('answers a usage error for an unknown connection', async () => {
    await expect(classify(['nope'])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('no connection "nope"'),
    });
  }, 60_000);
});
