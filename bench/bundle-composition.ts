// Which packages make up a bundle, from esbuild's metafile.
import type { Metafile } from 'esbuild';
import type { PackageShare } from './report.js';

/** The npm package an input path belongs to, or `(project)` for this repository's code. */
export const packageOf = (input: string): string => {
  const at = input.lastIndexOf('node_modules/');
  if (at < 0) return '(project)';
  const parts = input.slice(at + 'node_modules/'.length).split('/');
  return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
};

/** The `top` packages with the most bytes in the build's (single) .mjs output, largest first. */
export const largestPackages = (metafile: Metafile, top: number): PackageShare[] => {
  const output = Object.entries(metafile.outputs).find(([path]) => path.endsWith('.mjs'))?.[1];
  if (!output) return [];
  const bytes = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const name = packageOf(input);
    bytes.set(name, (bytes.get(name) ?? 0) + bytesInOutput);
  }
  return [...bytes.entries()]
    .map(([name, size]) => ({ name, bytes: size }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, top);
};
