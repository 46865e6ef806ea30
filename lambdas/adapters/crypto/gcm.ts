// AES-256-GCM as both sealers use it: a random 12-byte IV per seal, the context bound as
// additional authenticated data in one canonical encoding (sorted-key JSON), the 16-byte tag
// appended to the ciphertext; and the dotted, base64url text form of a sealed value.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { canonicalJson } from '../../core/recording/canonical-json.js';

export type SealContext = Readonly<Record<string, string>>;

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The context as GCM additional data: key order must not change what opens. */
export const contextAad = (context: SealContext): Buffer => Buffer.from(canonicalJson(context), 'utf8');

const assertKey = (key: Uint8Array) => {
  if (key.length !== KEY_BYTES) throw new Error(`an AES-256 key has ${KEY_BYTES} bytes, got ${key.length}`);
};

export interface GcmSealed {
  readonly iv: Buffer;
  /** The ciphertext followed by the authentication tag. */
  readonly body: Buffer;
}

export const gcmSeal = (key: Uint8Array, plaintext: string, context: SealContext): GcmSealed => {
  assertKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(contextAad(context));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return { iv, body };
};

export const gcmOpen = (key: Uint8Array, sealed: GcmSealed, context: SealContext): string => {
  assertKey(key);
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(contextAad(context));
  decipher.setAuthTag(sealed.body.subarray(sealed.body.length - TAG_BYTES));
  try {
    const ciphertext = sealed.body.subarray(0, sealed.body.length - TAG_BYTES);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  } catch {
    // OpenSSL says only "unable to authenticate data"; say what that means here.
    throw new Error('the sealed value does not open: it was changed, or sealed under another key or context');
  }
};

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** `<prefix>.<part>.<part>…`, each part base64url. */
export const formatSealed = (prefix: string, parts: readonly Uint8Array[]): string =>
  [prefix, ...parts.map((p) => Buffer.from(p).toString('base64url'))].join('.');

/**
 * The `count` parts of a value formatted by `formatSealed` with `prefix`, the last two being the
 * IV and the GCM body; a clear error (never quoting the value) for anything else.
 */
export const parseSealed = (sealed: string, prefix: string, count: number): Buffer[] => {
  const [head, ...parts] = sealed.split('.');
  // Buffer.from(…, 'base64url') skips characters it does not know: check the alphabet first.
  if (head !== prefix || parts.length !== count || !parts.every((p) => BASE64URL.test(p))) {
    throw new Error(`not a sealed value: expected ${prefix} followed by ${count} base64url parts`);
  }
  const buffers = parts.map((p) => Buffer.from(p, 'base64url'));
  const [iv, body] = buffers.slice(-2) as [Buffer, Buffer];
  if (iv.length !== IV_BYTES || body.length < TAG_BYTES) {
    throw new Error(`not a sealed value: the IV or the authentication tag of ${prefix} is cut short`);
  }
  return buffers;
};
