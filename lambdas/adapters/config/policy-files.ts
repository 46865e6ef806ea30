// Reads a policy folder: every `*.cedar` file (in name order) and `tollgate.cedarschema`. Used by
// the local gateway, the CLI and, bundled beside the function, by Lambda.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CompiledPolicySet, compilePolicySet, type PolicySource } from '../../core/policy/policy-set.js';

export const SCHEMA_FILE = 'tollgate.cedarschema';

export interface PolicyFolder {
  readonly sources: readonly PolicySource[];
  readonly schema: string;
  /** `files:<12 hex>`: a digest of the schema and every policy file, as the version label. */
  readonly digest: string;
}

export const readPolicyFolder = (dir: string): PolicyFolder => {
  const names = readdirSync(dir)
    .filter((name) => name.endsWith('.cedar'))
    .sort();
  const sources = names.map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }));
  const schema = readFileSync(join(dir, SCHEMA_FILE), 'utf8');
  const hash = createHash('sha256').update(schema);
  for (const source of sources) hash.update(`\0${source.name}\0${source.text}`);
  return { sources, schema, digest: `files:${hash.digest('hex').slice(0, 12)}` };
};

/** Reads and compiles the folder; throws PolicySetError listing every problem. */
export const compilePolicyFolder = (dir: string): CompiledPolicySet => {
  const folder = readPolicyFolder(dir);
  return compilePolicySet(folder.sources, folder.schema, folder.digest);
};
