// Sizes of the Lambda bundles, built the way GatewayFunction builds them (esbuild, ESM, node22,
// minified, createRequire banner), into a temp dir.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { ESM_BANNER, LIBPG_QUERY_WASM } from '../lib/constructs/gateway-function.js';
import { largestPackages } from './bundle-composition.js';
import { progress } from './log.js';
import type { BundleFigures } from './report.js';

/** The Lambda entry points, relative to the project root. */
export const ENTRY_NAMES = ['sql', 'health', 'fallback', 'archiver'] as const;

const GATEWAY_FUNCTION = 'lib/constructs/gateway-function.ts';

/** The bundle options below mirror GatewayFunction's; warn when that file's options change. */
const warnOnDrift = (root: string): void => {
  const source = readFileSync(join(root, GATEWAY_FUNCTION), 'utf8');
  const options = [
    'format: OutputFormat.ESM',
    "target: 'node22'",
    'minify: true',
    "externalModules: ['pg-native']",
  ];
  if (options.some((option) => !source.includes(option))) {
    progress(`warning: ${GATEWAY_FUNCTION} changed; bundle options may no longer match it`);
  }
};

/** Bundles every entry point; returns each .mjs size and the size of the WASM beside the sql bundle. */
export const bundleSizes = async (
  root: string,
): Promise<{ entries: BundleFigures[]; libpgQueryWasmBytes: number }> => {
  warnOnDrift(root);
  const outRoot = mkdtempSync(join(tmpdir(), 'tollgate-bench-bundles-'));
  try {
    const entries = await Promise.all(
      ENTRY_NAMES.map(async (name) => {
        const outdir = join(outRoot, name);
        mkdirSync(outdir);
        const outfile = join(outdir, 'index.mjs');
        const { metafile } = await build({
          entryPoints: [join(root, 'lambdas/entrypoints', `${name}.ts`)],
          outfile,
          bundle: true,
          platform: 'node',
          format: 'esm',
          target: 'node22',
          mainFields: ['module', 'main'],
          minify: true,
          sourcemap: true,
          sourcesContent: false,
          external: ['pg-native'],
          banner: { js: ESM_BANNER },
          logLevel: 'silent',
          metafile: true,
        });
        if (name === 'sql') copyFileSync(join(root, LIBPG_QUERY_WASM), join(outdir, 'libpg-query.wasm'));
        const code = readFileSync(outfile);
        return {
          entry: `lambdas/entrypoints/${name}.ts`,
          mjsBytes: code.length,
          mjsGzipBytes: gzipSync(code).length,
          largestPackages: largestPackages(metafile, 5),
        };
      }),
    );
    return { entries, libpgQueryWasmBytes: statSync(join(outRoot, 'sql', 'libpg-query.wasm')).size };
  } finally {
    rmSync(outRoot, { recursive: true, force: true });
  }
};
