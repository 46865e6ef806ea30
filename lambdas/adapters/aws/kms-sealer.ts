// The Sealer on AWS: envelope encryption. Each seal asks KMS for a fresh data key under the
// approval's encryption context, encrypts with AES-256-GCM locally (the same context as additional
// data) and keeps only the KMS-encrypted copy of the key; opening needs kms:Decrypt with that
// context, which only the approval executor's role is granted.
import { DecryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { Sealer } from '../../core/ports.js';
import { formatSealed, gcmOpen, gcmSeal, parseSealed, type SealContext } from '../crypto/gcm.js';

const PREFIX = 'kms1';

export interface KmsSealerOptions {
  readonly client: KMSClient;
  /** Key id, key ARN or alias of the symmetric KMS key. */
  readonly keyId: string;
}

export class KmsSealer implements Sealer {
  constructor(private readonly options: KmsSealerOptions) {}

  async seal(plaintext: string, context: SealContext): Promise<string> {
    const { CiphertextBlob, Plaintext } = await this.options.client.send(
      new GenerateDataKeyCommand({
        KeyId: this.options.keyId,
        KeySpec: 'AES_256',
        EncryptionContext: { ...context },
      }),
    );
    try {
      if (!CiphertextBlob || !Plaintext) throw new Error('KMS returned no data key');
      const { iv, body } = gcmSeal(Plaintext, plaintext, context);
      return formatSealed(PREFIX, [CiphertextBlob, iv, body]);
    } finally {
      Plaintext?.fill(0);
    }
  }

  async open(sealed: string, context: SealContext): Promise<string> {
    const [encryptedKey, iv, body] = parseSealed(sealed, PREFIX, 3) as [Buffer, Buffer, Buffer];
    // KeyId pins the key: a blob encrypted under another key is refused rather than opened.
    const { Plaintext } = await this.options.client.send(
      new DecryptCommand({
        KeyId: this.options.keyId,
        CiphertextBlob: encryptedKey,
        EncryptionContext: { ...context },
      }),
    );
    if (!Plaintext) throw new Error('KMS returned no data key');
    try {
      return gcmOpen(Plaintext, { iv, body }, context);
    } finally {
      Plaintext.fill(0);
    }
  }
}
