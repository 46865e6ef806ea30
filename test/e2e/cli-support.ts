// Runs bin/tollgate.js as a user would, in a child process, and answers its exit code and output
// whatever the code. The child gets this process's environment without any TOLLGATE_* variable
// or warning opt-out, plus what the test gives.
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CLI = join(ROOT, 'bin/tollgate.js');

export interface CliOutcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment a user's shell would give: no Tollgate settings unless the test adds them. */
export const cleanEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('TOLLGATE_') || key === 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED') continue;
    // Jest's own options for its workers are not the user's.
    if (key === 'NODE_OPTIONS') continue;
    env[key] = value;
  }
  return { ...env, ...extra };
};

export const tollgate = (
  args: readonly string[],
  options: { readonly cwd?: string; readonly env?: Record<string, string>; readonly node?: string } = {},
): Promise<CliOutcome> =>
  new Promise((done) => {
    execFile(
      options.node ?? process.execPath,
      [CLI, ...args],
      { cwd: options.cwd ?? ROOT, env: cleanEnv(options.env), timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });

/** One line ending in a newline: what a command-line mistake prints. */
export const ONE_LINE = /^[^\n]+\n$/;
