// The Signer on AWS: an asymmetric KMS key (ECC_NIST_P256, SIGN_VERIFY). The private key never
// leaves KMS; kms:Sign is granted to the archiver's role only. KMS signs the SHA-256 digest
// (MessageType DIGEST, so messages of any size) and answers a DER signature, which node:crypto
// verifies against the exported public key offline.
import { createHash } from 'node:crypto';
import { GetPublicKeyCommand, type KMSClient, SignCommand } from '@aws-sdk/client-kms';
import type { Signer } from '../../core/ports.js';

export interface KmsSignerOptions {
  readonly client: KMSClient;
  /** Key ARN of the asymmetric key (its id is what checkpoints name). */
  readonly keyId: string;
}

const pem = (der: Uint8Array) =>
  `-----BEGIN PUBLIC KEY-----\n${(
    Buffer.from(der)
      .toString('base64')
      .match(/.{1,64}/g) ?? []
  ).join('\n')}\n-----END PUBLIC KEY-----\n`;

export class KmsSigner implements Signer {
  private publicPem: Promise<string> | undefined;

  constructor(private readonly options: KmsSignerOptions) {}

  get keyId(): string {
    return this.options.keyId;
  }

  publicKey(): Promise<string> {
    if (this.publicPem) return this.publicPem;
    const reading = this.options.client
      .send(new GetPublicKeyCommand({ KeyId: this.options.keyId }))
      .then(({ PublicKey }) => {
        if (!PublicKey) throw new Error('KMS returned no public key');
        return pem(PublicKey);
      });
    this.publicPem = reading;
    // A failed read is not cached: the next call asks again (and a read made since stays cached).
    reading.catch(() => {
      if (this.publicPem === reading) this.publicPem = undefined;
    });
    return reading;
  }

  async sign(message: string): Promise<Uint8Array> {
    const { Signature } = await this.options.client.send(
      new SignCommand({
        KeyId: this.options.keyId,
        Message: createHash('sha256').update(message, 'utf8').digest(),
        MessageType: 'DIGEST',
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
    );
    if (!Signature) throw new Error('KMS returned no signature');
    return Signature;
  }
}
