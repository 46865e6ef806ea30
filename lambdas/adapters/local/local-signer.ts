// The Signer of local mode: an ECDSA P-256 key kept in the data directory (the KMS asymmetric
// key's stand-in). Signatures are DER over SHA-256, as KMS's ECDSA_SHA_256 answers, so one
// verifier checks both.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import type { Signer } from '../../core/ports.js';

/** The signing key's file in the data dir. */
export const SIGNING_KEY_FILE = 'signing-key.pem';

export class LocalSigner implements Signer {
  readonly keyId = 'local';
  private readonly publicPem: string;

  constructor(private readonly privateKey: KeyObject) {
    if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
      throw new Error('the signing key must be an ECDSA P-256 private key');
    this.publicPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  }

  async publicKey(): Promise<string> {
    return this.publicPem;
  }

  async sign(message: string): Promise<Uint8Array> {
    return sign('sha256', Buffer.from(message, 'utf8'), this.privateKey);
  }
}

/** The signing key in `file` (PKCS#8 PEM, owner-only), made on first use. */
export const loadOrCreateSigningKey = (file: string): KeyObject => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  try {
    // 'wx': a process starting at the same moment keeps the key the other one wrote.
    writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return createPrivateKey(readFileSync(file, 'utf8'));
};
