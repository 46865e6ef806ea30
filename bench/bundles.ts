// Sizes of the Lambda bundles, built the way GatewayFunction builds them (esbuild, ESM, node22,
// minified, createRequire banner), into a temp dir.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { largestPackages } from './bundle-composition.js';
import { progress } from './log.js';
import type { BundleFigures } from './report.js';

/** The Lambda entry points, relative to the project root. */
export const ENTRY_NAMES = ['sql', 'health', 'fallback', 'archiver'] as const;

const LIBPG_QUERY_WASM = 'node_modules/libpg-query/wasm/libpg-query.wasm';
const GATEWAY_FUNCTION = 'lib/constructs/gateway-function.ts';

/**
 * Mirror of the (unexported) ESM_BANNER in lib/constructs/gateway-function.ts; `bundleSizes`
 * warns when the two drift apart.
 */
export const ESM_BANNER_LINES = [
  "import { createRequire as __tollgateCreateRequire } from 'node:module';",
  "import { fileURLToPath as __tollgateFileURLToPath } from 'node:url';",
  "import { dirname as __tollgateDirname } from 'node:path';",
  'const require = __tollgateCreateRequire(import.meta.url);',
  'const __filename = __tollgateFileURLToPath(import.meta.url);',
  'const __dirname = __tollgateDirname(__filename);',
];

const warnOnDrift = (root: string): void => {
  const source = readFileSync(join(root, GATEWAY_FUNCTION), 'utf8');
  const missing = ESM_BANNER_LINES.filter((line) => !source.includes(line));
  const options = [
    'format: OutputFormat.ESM',
    "target: 'node22'",
    'minify: true',
    "externalModules: ['pg-native']",
  ];
  const changed = options.filter((option) => !source.includes(option));
  if (missing.length + changed.length > 0) {
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
          banner: { js: ESM_BANNER_LINES.join(' ') },
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
