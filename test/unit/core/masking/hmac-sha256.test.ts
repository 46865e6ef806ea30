// The TypeScript HMAC-SHA256 behind tokens is node:crypto's, bit for bit: keys of every length
// (hashed first past one block, as RFC 2104 says), messages across block boundaries, any UTF-8
// (lone surrogates written as U+FFFD, as node writes them).
import { createHmac } from 'node:crypto';
import { HmacSha256 } from '../../../../lambdas/core/masking/hmac-sha256.js';

const reference = (key: string | Uint8Array, message: string): string =>
  createHmac('sha256', key).update(message, 'utf8').digest('hex').slice(0, 16);

/** A deterministic sequence of numbers in [0, 1). */
const prng = (seed: number) => () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};

const UNITS = ['a', 'Z', '0', '\0', 'é', 'ß', '用', '😀', '\ud83d', '\ude00', '\uffff', ' '];

describe('HmacSha256', () => {
  it.each([
    ['a one-byte key', 'k'],
    ['a 64-byte key (one block)', 'x'.repeat(64)],
    ['a 65-byte key (hashed first)', 'y'.repeat(65)],
    ['a long key', 'a key longer than one block is hashed first, as RFC 2104 says it must be'],
    ['a key with non-ASCII characters and a lone surrogate', 'clé 🔑 \ud800'],
    ['a byte key', Uint8Array.from({ length: 32 }, (_, i) => (i * 37) & 255)],
    ['a 100-byte key', Uint8Array.from({ length: 100 }, (_, i) => 255 - i)],
  ])('equals node:crypto under %s, for every message length up to four blocks', (_, key) => {
    const mac = new HmacSha256(key);
    const differing: number[] = [];
    for (let n = 0; n <= 260; n++) {
      const message = 'm'.repeat(n);
      if (mac.hex16(message) !== reference(key, message)) differing.push(n);
    }
    expect(differing).toEqual([]);
  });

  it('equals node:crypto on random text of any UTF-8 width', () => {
    const random = prng(42);
    const mac = new HmacSha256('bench-masking-token-key-0123456789abcdef');
    const differing: string[] = [];
    for (let k = 0; k < 3000; k++) {
      let message = '';
      const length = Math.floor(random() * 90);
      for (let i = 0; i < length; i++) message += UNITS[Math.floor(random() * UNITS.length)];
      if (mac.hex16(message) !== reference('bench-masking-token-key-0123456789abcdef', message))
        differing.push(JSON.stringify(message));
    }
    expect(differing.slice(0, 5)).toEqual([]);
  });

  it('puts the prefix before the 16 hex digits and MACs head and value as one message', () => {
    const mac = new HmacSha256('k');
    expect(mac.prefixedHex16('tok_x_', 'EMAIL_ADDRESS\0', 'maria@example.com')).toBe(
      `tok_x_${reference('k', 'EMAIL_ADDRESS\0maria@example.com')}`,
    );
  });

  it('gives the same answer however many messages came before (no state leaks between them)', () => {
    const mac = new HmacSha256('k');
    const long = '😀'.repeat(500);
    const first = mac.hex16('short');
    mac.hex16(long);
    expect(mac.hex16('short')).toBe(first);
    expect(mac.hex16(long)).toBe(reference('k', long));
  });
});
