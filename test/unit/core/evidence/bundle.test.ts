// What an evidence bundle says about the configuration in force: who pushed which version, and
// where each connection points, never a credential a local URL target holds.
import { generateKeyPairSync } from 'node:crypto';
import { LocalSigner } from '../../../../lambdas/adapters/local/local-signer.js';
import { exportEvidence } from '../../../../lambdas/core/evidence/bundle.js';
import type { StoredConnectionSet, VersionStamp } from '../../../../lambdas/core/ports.js';

const stamp: VersionStamp = {
  version: 1,
  digest: 'connections:0123456789ab',
  createdAt: '2026-12-01T08:00:00.000Z',
  createdBy: 'operator:alice',
  comment: undefined,
};

const connectionSet: StoredConnectionSet = {
  ...stamp,
  connections: [
    {
      name: 'billing',
      kind: 'postgres',
      target: { url: 'postgres://billing_app:S3cr3t-Hunter2@db.internal:5432/billing' },
      writeTarget: { url: 'postgres://billing_writer:p@ss:w0rd@db.internal/billing' },
    },
    {
      name: 'orders',
      kind: 'postgres',
      target: { secretArn: 'arn:aws:secretsmanager:eu-west-1:1:secret:orders' },
    },
  ],
};

const exported = async () => {
  const files = new Map<string, string>();
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  await exportEvidence(
    {
      archive: { list: async () => [], get: async () => undefined },
      signer: new LocalSigner(privateKey),
      config: { connections: { list: async () => [stamp], get: async () => connectionSet } },
      writer: { write: async (path, content) => void files.set(path, content) },
    },
    {
      from: '2026-12-01T00:00:00.000Z',
      to: '2026-12-31T23:59:59.999Z',
      generatedAt: '2027-01-01T00:00:00.000Z',
    },
  );
  return files;
};

describe('evidence bundle configuration', () => {
  it('holds the configuration audit trail whole, pushes made before the period included', async () => {
    const segmentKey = 'recordings/2026-11-20/aaaa.ndjson';
    const checkpoint = {
      format: 'tollgate.checkpoint/1',
      number: 1,
      at: '2026-11-20T00:01:00.000Z',
      prevHash: '0'.repeat(64),
      key: { id: 'local', algorithm: 'ECDSA_P256_SHA256', fingerprint: 'f'.repeat(64) },
      segments: [
        {
          key: segmentKey,
          sha256: 'a'.repeat(64),
          events: 1,
          sessions: [
            {
              sessionId: 'tollgate:config-audit',
              firstSeq: 1,
              lastSeq: 1,
              lastHash: 'b'.repeat(64),
              firstAt: '2026-11-20T00:00:00.000Z',
              lastAt: '2026-11-20T00:00:00.000Z',
            },
          ],
        },
      ],
      sessions: [],
      signature: '',
    };
    const objects = new Map([
      ['checkpoints/000000000001.json', JSON.stringify(checkpoint)],
      [
        segmentKey,
        '{"sessionId":"tollgate:config-audit","seq":1,"type":"policy.changed","at":"2026-11-20T00:00:00.000Z","data":{}}\n',
      ],
    ]);
    const files = new Map<string, string>();
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const { manifest } = await exportEvidence(
      {
        archive: {
          list: async (prefix) => [...objects.keys()].filter((k) => k.startsWith(prefix)),
          get: async (key) => objects.get(key),
        },
        signer: new LocalSigner(privateKey),
        config: {},
        writer: { write: async (path, content) => void files.set(path, content) },
      },
      {
        from: '2026-12-01T00:00:00.000Z',
        to: '2026-12-31T23:59:59.999Z',
        generatedAt: '2027-01-01T00:00:00.000Z',
      },
    );
    expect(files.has(`segments/${segmentKey}`)).toBe(true);
    expect(manifest.counts.sessions).toBe(1);
  });

  it('shows each connection version in force without the passwords of URL targets', async () => {
    const files = await exported();
    const shown = files.get('config/connections/v1.json')!;
    expect(shown).not.toContain('S3cr3t-Hunter2');
    expect(shown).not.toContain('w0rd');
    expect(shown).toContain('postgres://billing_app:***@db.internal:5432/billing');
    expect(shown).toContain('postgres://billing_writer:***@db.internal/billing');
    expect(shown).toContain('arn:aws:secretsmanager:eu-west-1:1:secret:orders');
    expect(JSON.parse(files.get('config/versions.json')!)).toEqual({ connections: [stamp] });
  });
});
