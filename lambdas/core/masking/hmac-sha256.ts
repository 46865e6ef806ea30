// HMAC-SHA256 (RFC 2104, FIPS 180-4) in plain TypeScript, for tokens: the key's two padded blocks
// are compressed once per key, so a token costs two SHA-256 compressions (one more per 64 bytes of
// a long value) and no allocation but its result, where a node:crypto HMAC object per value costs
// about twice as much. The output is node:crypto's HMAC-SHA256, bit for bit (the tests compare).
import { createHash } from 'node:crypto';

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);
const IV = new Int32Array([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);
const BLOCK = 64;

/** The message schedule, reused by every compression (the code is synchronous, never re-entered). */
const W = new Int32Array(64);

/** One SHA-256 compression of the 16 big-endian words of `words` at `offset` into `state`. */
const compress = (state: Int32Array, words: Int32Array, offset: number): void => {
  for (let t = 0; t < 16; t++) W[t] = words[offset + t]!;
  for (let t = 16; t < 64; t++) {
    const w15 = W[t - 15]!;
    const w2 = W[t - 2]!;
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    W[t] = (W[t - 16]! + s0 + W[t - 7]! + s1) | 0;
  }
  let a = state[0]!;
  let b = state[1]!;
  let c = state[2]!;
  let d = state[3]!;
  let e = state[4]!;
  let f = state[5]!;
  let g = state[6]!;
  let h = state[7]!;
  for (let t = 0; t < 64; t++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + s1 + ((e & f) ^ (~e & g)) + K[t]! + W[t]!) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
  state[4] = (state[4]! + e) | 0;
  state[5] = (state[5]! + f) | 0;
  state[6] = (state[6]! + g) | 0;
  state[7] = (state[7]! + h) | 0;
};

/** Scratch for one message as big-endian words, padding included (grown on demand). */
let words = new Int32Array(64);
/** Scratch for the UTF-8 bytes of a message. */
let bytes = new Uint8Array(256);

/**
 * Writes the UTF-8 bytes of `text` into `bytes` from `at` and returns where they end; a lone
 * surrogate becomes U+FFFD, as node's `'utf8'` encoding writes it.
 */
const writeUtf8 = (text: string, at: number): number => {
  if (bytes.length < at + 3 * text.length) {
    const grown = new Uint8Array(2 * (at + 3 * text.length));
    grown.set(bytes.subarray(0, at));
    bytes.fill(0, 0, at);
    bytes = grown;
  }
  const out = bytes;
  let n = at;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) out[n++] = c;
    else if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6);
      out[n++] = 0x80 | (c & 63);
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          i++;
          out[n++] = 0xf0 | (c >> 18);
          out[n++] = 0x80 | ((c >> 12) & 63);
          out[n++] = 0x80 | ((c >> 6) & 63);
          out[n++] = 0x80 | (c & 63);
          continue;
        }
        c = 0xfffd;
      }
      out[n++] = 0xe0 | (c >> 12);
      out[n++] = 0x80 | ((c >> 6) & 63);
      out[n++] = 0x80 | (c & 63);
    }
  }
  return n;
};

/**
 * The message `head` + `value` (UTF-8) as SHA-256 input after `prefix` bytes already hashed: its
 * bytes as big-endian words in `words`, then the padding (0x80, zeros, the total length in bits).
 * Returns the number of words.
 */
const load = (head: string, value: string, prefix: number): number => {
  const n = writeUtf8(value, writeUtf8(head, 0));
  const total = (((n + 8) >> 6) + 1) * 16;
  if (words.length < total) words = new Int32Array(2 * total);
  const out = words;
  const from = bytes;
  let w = 0;
  let p = 0;
  for (; p + 4 <= n; p += 4)
    out[w++] = (from[p]! << 24) | (from[p + 1]! << 16) | (from[p + 2]! << 8) | from[p + 3]!;
  // The last partial word, then 0x80.
  let last = 0;
  let shift = 24;
  for (; p < n; p++, shift -= 8) last |= from[p]! << shift;
  out[w++] = last | (0x80 << shift);
  while (w < total - 2) out[w++] = 0;
  // The bit length as a 64-bit big-endian integer (messages here stay far below 2^32 bits).
  const bits = (prefix + n) * 8;
  out[w++] = Math.floor(bits / 2 ** 32);
  out[w++] = bits >>> 0;
  // Small typed-array fills and copies are loops: the built-ins cost more than they do at this size.
  for (let k = 0; k < n; k++) from[k] = 0;
  return total;
};

const copy8 = (from: Int32Array, to: Int32Array): void => {
  for (let k = 0; k < 8; k++) to[k] = from[k]!;
};

/** The character code of hex digit `n` (0–15), lower case. */
const hexCode = (n: number): number => (n < 10 ? 48 + n : 87 + n);

/** HMAC-SHA256 under one key, its padded key blocks compressed once. */
export class HmacSha256 {
  private readonly inner = new Int32Array(8);
  private readonly outer = new Int32Array(8);
  private readonly state = new Int32Array(8);
  private readonly block = new Int32Array(16);

  constructor(key: Uint8Array | string) {
    let raw: Uint8Array = typeof key === 'string' ? new TextEncoder().encode(key) : key;
    if (raw.length > BLOCK) raw = new Uint8Array(createHash('sha256').update(raw).digest());
    const padded = new Int32Array(16);
    for (const [state, mask] of [
      [this.inner, 0x36],
      [this.outer, 0x5c],
    ] as const) {
      for (let w = 0; w < 16; w++) {
        let word = 0;
        for (let b = 0; b < 4; b++) word = (word << 8) | ((raw[4 * w + b] ?? 0) ^ mask);
        padded[w] = word;
      }
      state.set(IV);
      compress(state, padded, 0);
    }
    padded.fill(0);
  }

  /** The first 16 hex digits (8 bytes) of HMAC-SHA256(key, UTF-8 of `message`). */
  hex16(message: string): string {
    return this.prefixedHex16('', '', message);
  }

  /** `prefix` followed by `hex16(head + value)`, made as one flat string. */
  prefixedHex16(prefix: string, head: string, value: string): string {
    const total = load(head, value, BLOCK);
    const state = this.state;
    copy8(this.inner, state);
    for (let offset = 0; offset < total; offset += 16) compress(state, words, offset);
    for (let k = 0; k < total; k++) words[k] = 0;
    // The outer hash: the inner digest (8 words) and its padding, one block.
    const block = this.block;
    for (let w = 0; w < 8; w++) block[w] = state[w]!;
    block[8] = 0x80 << 24;
    for (let w = 9; w < 15; w++) block[w] = 0;
    block[15] = (BLOCK + 32) * 8;
    copy8(this.outer, state);
    compress(state, block, 0);
    const a = state[0]!;
    const b = state[1]!;
    return (
      prefix +
      String.fromCharCode(
        hexCode((a >>> 28) & 15),
        hexCode((a >>> 24) & 15),
        hexCode((a >>> 20) & 15),
        hexCode((a >>> 16) & 15),
        hexCode((a >>> 12) & 15),
        hexCode((a >>> 8) & 15),
        hexCode((a >>> 4) & 15),
        hexCode(a & 15),
        hexCode((b >>> 28) & 15),
        hexCode((b >>> 24) & 15),
        hexCode((b >>> 20) & 15),
        hexCode((b >>> 16) & 15),
        hexCode((b >>> 12) & 15),
        hexCode((b >>> 8) & 15),
        hexCode((b >>> 4) & 15),
        hexCode(b & 15),
      )
    );
  }
}
