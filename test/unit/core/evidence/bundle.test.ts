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
