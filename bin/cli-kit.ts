// What every `tollgate` command shares: its input and output, usage errors, the local data dir,
// and running a commander tree to an exit code (0 ok, 1 failed, 2 usage) without commander ever
// calling process.exit or printing a stack trace. Light on purpose: `token` and `--help` load it.
import { isAbsolute, relative, resolve } from 'node:path';
import { type Command, CommanderError, type OptionValues } from 'commander';

export type Env = Readonly<Record<string, string | undefined>>;

export interface CommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Where relative paths start; the process's working directory by default. */
  readonly cwd?: string;
}

export const processIo: CommandIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** A mistake in the command line or its inputs: answered with one line and exit code 2. */
export class UsageError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UsageError';
  }
}

/** What a command runs with; `exitCode` is set by the action that ran. */
export interface CliContext {
  readonly env: Env;
  readonly io: CommandIo;
  readonly cwd: string;
  exitCode: number;
}

export const cliContext = (env: Env, io: CommandIo): CliContext => ({
  env,
  io,
  cwd: io.cwd ?? process.cwd(),
  exitCode: 0,
});

/** The data dir when TOLLGATE_DATA_DIR is not set, relative to the working directory. */
export const DEFAULT_DATA_DIR = '.tollgate';

/** The local data dir, absolute: TOLLGATE_DATA_DIR, else `.tollgate` in the working directory. */
export const localDataDir = (env: Env, cwd: string): string =>
  resolve(cwd, env.TOLLGATE_DATA_DIR || DEFAULT_DATA_DIR);

/** A path as the user would type it: relative below the working directory, else absolute. */
export const shownPath = (cwd: string, path: string) => {
  const rel = relative(cwd, path);
  return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? path : rel;
};

/** A message on one line: its lines joined by spaces. */
export const oneLine = (text: string): string =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' ');

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** `tollgate policy push`: the command's name as typed. */
export const commandPath = (command: Command): string => {
  const names: string[] = [];
  for (let at: Command | null = command; at; at = at.parent) names.unshift(at.name());
  return names.join(' ');
};

/**
 * Makes `run` the command's action: its answer becomes the exit code; an error becomes one line
 * on stderr (`tollgate policy push: …`) and exit code 2 for a UsageError, 1 otherwise.
 */
export const act = <Options extends OptionValues>(
  command: Command,
  ctx: CliContext,
  run: (options: Options, args: readonly string[]) => Promise<number> | number,
): Command =>
  command.action(async () => {
    try {
      ctx.exitCode = await run(command.opts<Options>(), command.args);
    } catch (error) {
      ctx.io.stderr(`${commandPath(command)}: ${errorText(error)}\n`);
      ctx.exitCode = error instanceof UsageError ? 2 : 1;
    }
  });

/** Errors and help go to `io`; a mistake prints one line naming the command and its --help. */
const configure = (command: Command, io: CommandIo): void => {
  const path = commandPath(command);
  command
    .exitOverride()
    .showSuggestionAfterError(true)
    // Subcommands listed with their own usage (`push [--dir policies] …`), not `push [options]`.
    .configureHelp({ subcommandTerm: (sub) => `${sub.name()} ${sub.usage()}`.trim() })
    .configureOutput({
      writeOut: (text) => io.stdout(text),
      writeErr: (text) => io.stderr(text),
      outputError: (text, write) =>
        write(`${path}: ${oneLine(text.replace(/^error: /, ''))} (see ${path} --help)\n`),
    });
  for (const sub of command.commands) configure(sub, io);
};

/**
 * Parses `args` (without `node` and the script) and runs the command they name; answers the exit
 * code. No arguments at all print the help (exit 0); a group without its subcommand prints the
 * group's help (exit 2); help and version exit 0; every other command-line mistake exits 2.
 */
export const runCli = async (program: Command, args: readonly string[], ctx: CliContext): Promise<number> => {
  configure(program, ctx.io);
  if (args.length === 0) {
    program.outputHelp();
    return 0;
  }
  try {
    await program.parseAsync([...args], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  }
  return ctx.exitCode;
};
