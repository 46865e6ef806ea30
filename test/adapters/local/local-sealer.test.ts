// LocalSealer: AES-256-GCM under the data directory's key; a sealed request opens only with that
// key, under the context it was sealed for, and unchanged. The key file is made owner-only.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalSealer, loadOrCreateSealingKey } from '../../../lambdas/adapters/local/local-sealer.js';

const CONTEXT = { approvalId: '6f1c2a9e-1111-4b2c-9d3e-000000000001', purpose: 'held-request' };
const REQUEST = JSON.stringify({
  sql: 'UPDATE orders SET status = $1 WHERE email = $2',
  params: ['x', 'a@b.example'],
});

/** The sealed text with one byte of its last part flipped. */
const tampered = (sealed: string) => {
  const parts = sealed.split('.');
  const body = Buffer.from(parts.at(-1)!, 'base64url');
  body[0]! ^= 0x01;
  return [...parts.slice(0, -1), body.toString('base64url')].join('.');
};

describe('LocalSealer', () => {
  const sealer = new LocalSealer(randomBytes(32));

  it('opens what it sealed, under the same context', async () => {
    const sealed = await sealer.seal(REQUEST, CONTEXT);
    await expect(sealer.open(sealed, CONTEXT)).resolves.toBe(REQUEST);
  });

  it('writes local1.<iv>.<ciphertext and tag>, without the plaintext', async () => {
    const sealed = await sealer.seal(REQUEST, CONTEXT);
    expect(sealed).toMatch(/^local1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain('orders');
  });

  it('seals the same text differently each time (a fresh IV)', async () => {
    expect(await sealer.seal(REQUEST, CONTEXT)).not.toBe(await sealer.seal(REQUEST, CONTEXT));
  });

  it('opens whatever the order of the context keys', async () => {
    const sealed = await sealer.seal(REQUEST, CONTEXT);
    const reordered = { purpose: CONTEXT.purpose, approvalId: CONTEXT.approvalId };
    await expect(sealer.open(sealed, reordered)).resolves.toBe(REQUEST);
  });

  it('refuses to open under another approval', async () => {
    const sealed = await sealer.seal(REQUEST, CONTEXT);
    await expect(sealer.open(sealed, { ...CONTEXT, approvalId: 'another' })).rejects.toThrow(/does not open/);
  });

  it('refuses to open with another key', async () => {
    const sealed = await sealer.seal(REQUEST, CONTEXT);
    await expect(new LocalSealer(randomBytes(32)).open(sealed, CONTEXT)).rejects.toThrow(/does not open/);
  });

  it('refuses a changed ciphertext', async () => {
    const sealed = await sealer.seal(REQUEST, CONTEXT);
    await expect(sealer.open(tampered(sealed), CONTEXT)).rejects.toThrow(/does not open/);
  });

  it.each([
    ['another prefix', 'kms1.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA'],
    ['a part missing', 'local1.AAAAAAAAAAAAAAAA'],
    ['a part too many', 'local1.AAAA.AAAA.AAAA'],
    ['a character outside base64url', 'local1.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAA+A'],
    ['a short IV', 'local1.AAAA.AAAAAAAAAAAAAAAAAAAAAA'],
    ['no room for the tag', 'local1.AAAAAAAAAAAAAAAA.AAAA'],
    ['nothing', ''],
  ])('refuses a malformed value: %s', async (_name, sealed) => {
    await expect(sealer.open(sealed, CONTEXT)).rejects.toThrow(/not a sealed value/);
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => new LocalSealer(randomBytes(16))).toThrow(/32 bytes/);
  });
});

describe('loadOrCreateSealingKey', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-sealing-key-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates 32 random bytes readable by the owner only', () => {
    const file = join(dir, 'sealing-key');
    const key = loadOrCreateSealingKey(file);
    expect(key).toHaveLength(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('keeps the key it made: a request sealed before a restart opens after it', async () => {
    const file = join(dir, 'sealing-key');
    const sealed = await new LocalSealer(loadOrCreateSealingKey(file)).seal(REQUEST, CONTEXT);
    await expect(new LocalSealer(loadOrCreateSealingKey(file)).open(sealed, CONTEXT)).resolves.toBe(REQUEST);
  });

  it('refuses a key file that is not 32 bytes', () => {
    const file = join(dir, 'sealing-key');
    writeFileSync(file, randomBytes(31));
    expect(() => loadOrCreateSealingKey(file)).toThrow(/must hold 32 bytes/);
  });
});
