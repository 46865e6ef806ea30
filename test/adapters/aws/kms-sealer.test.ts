// KmsSealer: envelope encryption with a KMS data key under the approval's encryption context.
// KMS is mocked as it behaves: Decrypt gives the data key back only for the context it was
// generated under.
import { randomBytes } from 'node:crypto';
import {
  DecryptCommand,
  GenerateDataKeyCommand,
  InvalidCiphertextException,
  KMSClient,
} from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { KmsSealer } from '../../../lambdas/adapters/aws/kms-sealer.js';
import { canonicalJson } from '../../../lambdas/core/recording/canonical-json.js';

const KEY_ID = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const CONTEXT = { approvalId: '6f1c2a9e-1111-4b2c-9d3e-000000000001', purpose: 'held-request' };
const REQUEST = JSON.stringify({
  sql: 'UPDATE orders SET status = $1 WHERE email = $2',
  params: ['x', 'a@b.example'],
});
const ENCRYPTED_KEY = Buffer.from('kms-encrypted-data-key');

describe('KmsSealer', () => {
  const kmsMock = mockClient(KMSClient);
  const sealer = new KmsSealer({ client: new KMSClient({ region: 'eu-west-1' }), keyId: KEY_ID });
  let dataKey: Buffer;
  /** The buffers handed out as plaintext data keys, to see that each was wiped. */
  let handedOut: Uint8Array[];

  beforeEach(() => {
    // Prepare: a data key that KMS gives back only under the context it was generated under.
    dataKey = randomBytes(32);
    handedOut = [];
    let generatedUnder: string | undefined;
    const plaintext = () => {
      const copy = Uint8Array.from(dataKey);
      handedOut.push(copy);
      return copy;
    };
    kmsMock.on(GenerateDataKeyCommand).callsFake((input) => {
      generatedUnder = canonicalJson(input.EncryptionContext);
      return { KeyId: KEY_ID, CiphertextBlob: ENCRYPTED_KEY, Plaintext: plaintext() };
    });
    kmsMock.on(DecryptCommand).callsFake((input) => {
      if (canonicalJson(input.EncryptionContext) !== generatedUnder) {
        throw new InvalidCiphertextException({ message: 'InvalidCiphertextException', $metadata: {} });
      }
      return { KeyId: KEY_ID, Plaintext: plaintext() };
    });
  });

  afterEach(() => kmsMock.reset());
  afterAll(() => kmsMock.restore());

  it('opens what it sealed, under the same context', async () => {
    const sealed = await sealer.seal(REQUEST, CONTEXT);
    await expect(sealer.open(sealed, CONTEXT)).resolves.toBe(REQUEST);
  });

  it('asks for an AES-256 data key of its KMS key under the context', async () => {
    await sealer.seal(REQUEST, CONTEXT);
    expect(kmsMock.commandCalls(GenerateDataKeyCommand)[0]!.args[0].input).toEqual({
      KeyId: KEY_ID,
      KeySpec: 'AES_256',
      EncryptionContext: CONTEXT,
    });
  });

  it('decrypts the data key with its KMS key and the same context', async () => {
    const sealed = await sealer.seal(REQUEST, CONTEXT);
    await sealer.open(sealed, CONTEXT);
    const input = kmsMock.commandCalls(DecryptCommand)[0]!.args[0].input;
    expect(input).toEqual({ KeyId: KEY_ID, CiphertextBlob: ENCRYPTED_KEY, EncryptionContext: CONTEXT });
  });

  it('keeps the encrypted data key, the IV and the ciphertext, never the plaintext or its key', async () => {
    const sealed = await sealer.seal(REQUEST, CONTEXT);
    const [prefix, encryptedKey, iv, body] = sealed.split('.');
    expect(prefix).toBe('kms1');
    expect(Buffer.from(encryptedKey!, 'base64url')).toEqual(ENCRYPTED_KEY);
    expect(Buffer.from(iv!, 'base64url')).toHaveLength(12);
    expect(Buffer.from(body!, 'base64url')).toHaveLength(Buffer.byteLength(REQUEST) + 16);
    expect(sealed).not.toContain('orders');
    expect(sealed).not.toContain(dataKey.toString('base64url'));
  });

  it('wipes the plaintext data key after sealing and after opening', async () => {
    const sealed = await sealer.seal(REQUEST, CONTEXT);
    await sealer.open(sealed, CONTEXT);
    expect(handedOut).toHaveLength(2);
    for (const key of handedOut) expect(key.every((byte) => byte === 0)).toBe(true);
  });

  it('refuses to open under another approval: KMS refuses the context', async () => {
    const sealed = await sealer.seal(REQUEST, CONTEXT);
    await expect(sealer.open(sealed, { ...CONTEXT, approvalId: 'another' })).rejects.toBeInstanceOf(
      InvalidCiphertextException,
    );
  });

  it('refuses to open under another context even if KMS gave the key (the GCM additional data)', async () => {
    // Prepare: a KMS that ignores the context, to show the ciphertext is bound to it as well.
    const sealed = await sealer.seal(REQUEST, CONTEXT);
    kmsMock.on(DecryptCommand).callsFake(() => ({ Plaintext: Uint8Array.from(dataKey) }));

    // Act, Assess
    await expect(sealer.open(sealed, { ...CONTEXT, approvalId: 'another' })).rejects.toThrow(/does not open/);
  });

  it('refuses a changed ciphertext and wipes the data key all the same', async () => {
    const parts = (await sealer.seal(REQUEST, CONTEXT)).split('.');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[body.length - 1]! ^= 0x01;
    const tampered = [...parts.slice(0, 3), body.toString('base64url')].join('.');

    await expect(sealer.open(tampered, CONTEXT)).rejects.toThrow(/does not open/);
    expect(handedOut.at(-1)!.every((byte) => byte === 0)).toBe(true);
  });

  it.each([
    ['the local prefix', 'local1.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA'],
    ['the encrypted key missing', 'kms1.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA'],
    ['an empty part', 'kms1..AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA'],
    ['padding', 'kms1.AA==.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA'],
    ['no room for the tag', 'kms1.AAAA.AAAAAAAAAAAAAAAA.AAAA'],
  ])('refuses a malformed value without asking KMS: %s', async (_name, sealed) => {
    await expect(sealer.open(sealed, CONTEXT)).rejects.toThrow(/not a sealed value/);
    expect(kmsMock.commandCalls(DecryptCommand)).toHaveLength(0);
  });

  it('refuses an answer of KMS without a data key', async () => {
    kmsMock.on(GenerateDataKeyCommand).resolves({ KeyId: KEY_ID });
    await expect(sealer.seal(REQUEST, CONTEXT)).rejects.toThrow(/no data key/);
  });
});
