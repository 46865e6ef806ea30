// The Sealer of local mode: AES-256-GCM under a key kept in the data directory (the KMS key's
// stand-in), with the approval's context bound as additional data.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import type { Sealer } from '../../core/ports.js';
import { formatSealed, gcmOpen, gcmSeal, parseSealed, type SealContext } from '../crypto/gcm.js';

const PREFIX = 'local1';
const KEY_BYTES = 32;

export class LocalSealer implements Sealer {
  private readonly key: Buffer;

  constructor(key: Uint8Array) {
    if (key.length !== KEY_BYTES)
      throw new Error(`the sealing key must have ${KEY_BYTES} bytes, got ${key.length}`);
    // A copy: the caller may reuse or wipe its buffer.
    this.key = Buffer.from(key);
  }

  async seal(plaintext: string, context: SealContext): Promise<string> {
    const { iv, body } = gcmSeal(this.key, plaintext, context);
    return formatSealed(PREFIX, [iv, body]);
  }

  async open(sealed: string, context: SealContext): Promise<string> {
    const [iv, body] = parseSealed(sealed, PREFIX, 2) as [Buffer, Buffer];
    return gcmOpen(this.key, { iv, body }, context);
  }
}

/** The sealing key in `file`, made (32 random bytes, owner-only) on first use. */
export const loadOrCreateSealingKey = (file: string): Uint8Array => {
  try {
    // 'wx': a gateway starting at the same moment keeps the key the other one wrote.
    writeFileSync(file, randomBytes(KEY_BYTES), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const key = readFileSync(file);
  if (key.length !== KEY_BYTES) {
    throw new Error(`the sealing key ${file} must hold ${KEY_BYTES} bytes, it holds ${key.length}`);
  }
  return key;
};
