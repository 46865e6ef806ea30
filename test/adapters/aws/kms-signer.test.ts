// KmsSigner: KMS is mocked as an ECC_NIST_P256 SIGN_VERIFY key behaves. Sign is sent the SHA-256
// digest (MessageType DIGEST, ECDSA_SHA_256) and answers a DER signature, which node:crypto checks
// against the PEM the signer builds from the DER public key KMS answers; the public key is read
// once, a failed read is not kept.
import { createHash, generateKeyPairSync, type KeyObject, sign, verify } from 'node:crypto';
import { GetPublicKeyCommand, KMSClient, KMSInvalidStateException, SignCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { KmsSigner } from '../../../lambdas/adapters/aws/kms-signer.js';

const KEY_ID = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const MESSAGE = 'tollgate checkpoint\n{"number":1,"note":"naïve ✓"}';

describe('KmsSigner', () => {
  const kmsMock = mockClient(KMSClient);
  let privateKey: KeyObject;
  let publicKey: KeyObject;
  let signer: KmsSigner;
  /** The messages the mocked key was asked to sign, by their digest (KMS sees only the digest). */
  let known: Map<string, string>;

  beforeAll(() => {
    ({ privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }));
  });

  /** What GetPublicKey answers for the key. */
  const publicKeyAnswer = () => ({
    KeyId: KEY_ID,
    KeySpec: 'ECC_NIST_P256' as const,
    KeyUsage: 'SIGN_VERIFY' as const,
    PublicKey: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })),
    SigningAlgorithms: ['ECDSA_SHA_256' as const],
  });

  beforeEach(() => {
    // Prepare: a fresh signer each time (it caches the public key); KMS signs digests it is given.
    signer = new KmsSigner({ client: new KMSClient({ region: 'eu-west-1' }), keyId: KEY_ID });
    known = new Map([[createHash('sha256').update(MESSAGE, 'utf8').digest('hex'), MESSAGE]]);
    kmsMock.on(GetPublicKeyCommand).resolves(publicKeyAnswer());
    kmsMock.on(SignCommand).callsFake((input: { Message: Uint8Array }) => {
      // node:crypto cannot sign a bare digest with ECDSA, so the stand-in signs the message whose
      // digest it was sent: the same signature KMS makes over that digest.
      const message = known.get(Buffer.from(input.Message).toString('hex'));
      if (message === undefined) throw new Error('the stand-in was sent something other than a known digest');
      return {
        KeyId: KEY_ID,
        Signature: new Uint8Array(sign('sha256', Buffer.from(message, 'utf8'), privateKey)),
      };
    });
  });

  afterEach(() => kmsMock.reset());
  afterAll(() => kmsMock.restore());

  it('names its KMS key as its key id', () => {
    expect(signer.keyId).toBe(KEY_ID);
  });

  it('sends KMS the SHA-256 digest of the UTF-8 message, as a DIGEST for ECDSA_SHA_256', async () => {
    // Act
    await signer.sign(MESSAGE);

    // Assess
    const input = kmsMock.commandCalls(SignCommand)[0]!.args[0].input;
    expect({ ...input, Message: Buffer.from(input.Message!).toString('hex') }).toEqual({
      KeyId: KEY_ID,
      Message: createHash('sha256').update(MESSAGE, 'utf8').digest('hex'),
      MessageType: 'DIGEST',
      SigningAlgorithm: 'ECDSA_SHA_256',
    });
  });

  it('answers a signature node:crypto verifies over the message with the public key it exports', async () => {
    // Act
    const signature = await signer.sign(MESSAGE);
    const pem = await signer.publicKey();

    // Assess
    expect(verify('sha256', Buffer.from(MESSAGE, 'utf8'), pem, signature)).toBe(true);
    expect(verify('sha256', Buffer.from(`${MESSAGE} `, 'utf8'), pem, signature)).toBe(false);
  });

  it('builds an SPKI PEM from the DER public key, 64 characters a line', async () => {
    // Act
    const pem = await signer.publicKey();

    // Assess
    expect(pem).toBe(publicKey.export({ type: 'spki', format: 'pem' }).toString());
    const body = pem.split('\n').slice(1, -2);
    expect(pem.startsWith('-----BEGIN PUBLIC KEY-----\n')).toBe(true);
    expect(pem.endsWith('\n-----END PUBLIC KEY-----\n')).toBe(true);
    expect(body.slice(0, -1).every((line) => line.length === 64)).toBe(true);
    expect(kmsMock.commandCalls(GetPublicKeyCommand)[0]!.args[0].input).toEqual({ KeyId: KEY_ID });
  });

  it('reads the public key from KMS once, however often and however concurrently it is asked', async () => {
    // Act
    const pems = await Promise.all([signer.publicKey(), signer.publicKey()]);
    pems.push(await signer.publicKey());

    // Assess
    expect(new Set(pems).size).toBe(1);
    expect(kmsMock.commandCalls(GetPublicKeyCommand)).toHaveLength(1);
  });

  it('does not keep a failed read: the next call asks KMS again', async () => {
    // Prepare
    const disabled = new KMSInvalidStateException({ message: 'the key is pending deletion', $metadata: {} });
    kmsMock.on(GetPublicKeyCommand).rejectsOnce(disabled).resolves(publicKeyAnswer());

    // Act
    const first = signer.publicKey();
    await expect(first).rejects.toBe(disabled);
    const second = await signer.publicKey();

    // Assess
    expect(second).toBe(publicKey.export({ type: 'spki', format: 'pem' }).toString());
    expect(kmsMock.commandCalls(GetPublicKeyCommand)).toHaveLength(2);
  });

  it('keeps the key it read after a failed read, even when the failed one was shared by concurrent callers', async () => {
    // Prepare: two callers share a failing read; the first retries at once.
    kmsMock.on(GetPublicKeyCommand).rejectsOnce(new Error('throttled')).resolves(publicKeyAnswer());
    const retried = signer.publicKey().catch(() => signer.publicKey());
    const shared = signer.publicKey().catch(() => undefined);

    // Act
    await Promise.all([retried, shared]);
    await signer.publicKey();

    // Assess: one failed read and one good one; the good one is kept.
    expect(kmsMock.commandCalls(GetPublicKeyCommand)).toHaveLength(2);
  });

  it('fails with a clear error when KMS answers no public key, and asks again next time', async () => {
    // Prepare
    kmsMock.on(GetPublicKeyCommand).resolvesOnce({ KeyId: KEY_ID }).resolves(publicKeyAnswer());

    // Act
    const first = signer.publicKey();

    // Assess
    await expect(first).rejects.toThrow('KMS returned no public key');
    await expect(signer.publicKey()).resolves.toContain('BEGIN PUBLIC KEY');
  });

  it('fails with a clear error when KMS answers no signature', async () => {
    // Prepare
    kmsMock.on(SignCommand).resolves({ KeyId: KEY_ID });

    // Act
    const signing = signer.sign(MESSAGE);

    // Assess
    await expect(signing).rejects.toThrow('KMS returned no signature');
  });

  it('rejects with the KMS error when signing fails', async () => {
    // Prepare
    const disabled = new KMSInvalidStateException({ message: 'the key is disabled', $metadata: {} });
    kmsMock.on(SignCommand).rejects(disabled);

    // Act
    const signing = signer.sign(MESSAGE);

    // Assess
    await expect(signing).rejects.toBe(disabled);
  });
});
