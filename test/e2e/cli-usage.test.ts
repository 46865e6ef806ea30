// `tollgate` on commander, run as a user runs it: help on every command and subcommand, the
// version from package.json, and one clear line with exit code 2 for every command-line mistake
// (unknown commands and options, missing arguments, durations without a unit, numbers out of
// range), never a stack trace. None of these starts a gateway or writes a file.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ONE_LINE, ROOT, tollgate } from './cli-support.js';

const TIMEOUT = 60_000;
const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

describe('tollgate help and version', () => {
  it.each([
    [['--help'], 'Usage: tollgate <command> [options]'],
    [['start', '--help'], 'Usage: tollgate start [options]'],
    [['token', '--help'], 'Usage: tollgate token --sub <id> [options]'],
    [['help', 'token'], 'Usage: tollgate token --sub <id> [options]'],
    [['policy', '--help'], 'Usage: tollgate policy <command> [options]'],
    [['policy', 'validate', '--help'], 'Usage: tollgate policy validate [--dir policies]'],
    [['policy', 'test', '--help'], 'Usage: tollgate policy test [--dir policies]'],
    [['policy', 'diff', '--help'], 'Usage: tollgate policy diff [--dir policies]'],
    [
      ['policy', 'push', '--help'],
      'Usage: tollgate policy push [--dir policies] [--comment "..."] [--as <operator>]',
    ],
    [['policy', 'history', '--help'], 'Usage: tollgate policy history [--limit 20]'],
    [['connection', '--help'], 'Usage: tollgate connection <command> [options]'],
    [['connection', 'validate', '--help'], 'Usage: tollgate connection validate [--file tollgate.yaml]'],
    [['connection', 'diff', '--help'], 'Usage: tollgate connection diff [--file tollgate.yaml]'],
    [
      ['connection', 'push', '--help'],
      'Usage: tollgate connection push [--file tollgate.yaml] [--comment "..."] [--as <operator>]',
    ],
    [['connection', 'history', '--help'], 'Usage: tollgate connection history [--limit 20]'],
    [['classify', '--help'], 'Usage: tollgate classify <connection> [options]'],
  ])(
    '%j prints the help on stdout and exits 0',
    async (args, usage) => {
      const { code, stdout, stderr } = await tollgate(args);

      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      expect(stdout.split('\n')[0]).toBe(usage);
    },
    TIMEOUT,
  );

  it(
    'lists every command in the top-level help',
    async () => {
      const { stdout } = await tollgate(['--help']);

      for (const command of ['start', 'token', 'policy', 'connection', 'classify'])
        expect(stdout).toMatch(new RegExp(`^ {2}${command} `, 'm'));
      expect(stdout).toContain('TOLLGATE_DATA_DIR');
    },
    TIMEOUT,
  );

  it(
    'prints the help and exits 0 without arguments',
    async () => {
      const { code, stdout } = await tollgate([]);

      expect(code).toBe(0);
      expect(stdout).toMatch(/^Usage: tollgate <command> \[options\]/);
    },
    TIMEOUT,
  );

  it(
    "prints a group's help, listing its subcommands, and exits 2 without a subcommand",
    async () => {
      const { code, stdout, stderr } = await tollgate(['policy']);

      expect(code).toBe(2);
      expect(`${stdout}${stderr}`).toContain('push [--dir policies] [--comment "..."] [--as <operator>]');
    },
    TIMEOUT,
  );

  it.each([['--version'], ['-v']])(
    '%s prints the version in package.json',
    async (flag) => {
      expect(await tollgate([flag])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    },
    TIMEOUT,
  );

  it(
    'shows the token lifetime default with its unit',
    async () => {
      const { stdout } = await tollgate(['token', '--help']);

      expect(stdout).toMatch(
        /--ttl <duration> +lifetime, with a unit: 90s, 15m, 2h, 1d \(at most 7d\)\s+\(default: 15m\)/,
      );
    },
    TIMEOUT,
  );
});

describe('tollgate command-line mistakes', () => {
  let cwd: string;

  beforeAll(() => {
    cwd = mkdtempSync(join(tmpdir(), 'tollgate-usage-'));
  });
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it.each([
    [['frobnicate'], "tollgate: unknown command 'frobnicate' (see tollgate --help)"],
    [['toke'], "tollgate: unknown command 'toke' (Did you mean token?)"],
    [['--bogus'], "tollgate: unknown option '--bogus'"],
    [['policy', 'frobnicate'], "tollgate policy: unknown command 'frobnicate' (see tollgate policy --help)"],
    [
      ['policy', 'push', '--bogus'],
      "tollgate policy push: unknown option '--bogus' (see tollgate policy push --help)",
    ],
    [['policy', 'validate', '--dri', 'x'], "unknown option '--dri' (Did you mean --dir?)"],
    [['policy', 'validate', 'extra'], "tollgate policy validate: too many arguments for 'validate'"],
    [['policy', 'validate', '--dir'], "tollgate policy validate: option '--dir <dir>' argument missing"],
    [['connection', 'push', '--bogus'], "tollgate connection push: unknown option '--bogus'"],
    [['classify'], "tollgate classify: missing required argument 'connection'"],
    [['classify', 'a', 'b'], "tollgate classify: too many arguments for 'classify'"],
    [['token'], "tollgate token: required option '--sub <id>' not specified"],
    [['token', '--sub', ''], "option '--sub <id>' argument '' is invalid. It may not be empty."],
    [
      ['token', '--sub', 'a', '--act', ' '],
      "option '--act <agent>' argument ' ' is invalid. It may not be empty.",
    ],
  ])(
    '%j exits 2 with one line on stderr',
    async (args, message) => {
      const { code, stdout, stderr } = await tollgate(args, { cwd });

      expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
      expect(stderr).toMatch(ONE_LINE);
      expect(stderr).toContain(message);
    },
    TIMEOUT,
  );

  it.each([
    [['--ttl', '15'], 'A duration needs a unit: write e.g. 15s or 15m (units s, m, h, d; from 1s to 7d).'],
    [['--ttl', '900'], 'A duration needs a unit: write e.g. 900s or 900m'],
    [['--ttl', 'forever'], 'Not a duration: write a whole number and a unit, e.g. 900s, 15m, 1h'],
    [['--ttl', '1.5h'], 'Not a duration'],
    [['--ttl', '-5m'], 'Not a duration'],
    [['--ttl', '15 m'], 'Not a duration'],
    [['--ttl', '15M'], 'Not a duration'],
    [['--ttl', '0s'], 'The duration must be from 1s to 7d.'],
    [['--ttl', '8d'], 'The duration must be from 1s to 7d.'],
    [['--ttl', '169h'], 'The duration must be from 1s to 7d.'],
  ])(
    'token %j exits 2 asking for a duration with a unit',
    async (args, message) => {
      const { code, stderr } = await tollgate(['token', '--sub', 'a', ...args], { cwd });

      expect(code).toBe(2);
      expect(stderr).toMatch(ONE_LINE);
      expect(stderr).toContain(
        `tollgate token: option '--ttl <duration>' argument '${args[1]}' is invalid. ${message}`,
      );
    },
    TIMEOUT,
  );

  it.each([
    [['policy', 'history', '--limit', 'many'], '--limit <n>', 'many', 1000],
    [['policy', 'history', '--limit', '0'], '--limit <n>', '0', 1000],
    [['policy', 'history', '--limit', '1e3'], '--limit <n>', '1e3', 1000],
    [['policy', 'history', '--limit', '2.5'], '--limit <n>', '2.5', 1000],
    [['connection', 'history', '--limit', '1001'], '--limit <n>', '1001', 1000],
    [['connection', 'history', '--limit', '-1'], '--limit <n>', '-1', 1000],
    [['classify', 'demo-postgres', '--sample', '51'], '--sample <n>', '51', 50],
    [['classify', 'demo-postgres', '--sample', '0'], '--sample <n>', '0', 50],
    [['classify', 'demo-postgres', '--sample', 'ten'], '--sample <n>', 'ten', 50],
  ])(
    '%j exits 2 naming the range of the number',
    async (args, flags, value, max) => {
      const { code, stderr } = await tollgate(args, { cwd });

      expect(code).toBe(2);
      expect(stderr).toMatch(ONE_LINE);
      expect(stderr).toContain(
        `option '${flags}' argument '${value}' is invalid. It must be a whole number from 1 to ${max}.`,
      );
    },
    TIMEOUT,
  );

  it.each([['abc'], ['70000'], ['-1'], ['8080.5'], [' 80']])(
    'start with TOLLGATE_PORT=%p exits 2 with one line, before starting anything',
    async (port) => {
      const { code, stdout, stderr } = await tollgate(['start'], { cwd, env: { TOLLGATE_PORT: port } });

      expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
      expect(stderr).toBe(
        `tollgate start: TOLLGATE_PORT must be a whole number from 0 to 65535 (0 picks a free port), got "${port}"\n`,
      );
    },
    TIMEOUT,
  );

  // Runs after the others (jest runs a file's tests in order).
  it('wrote nothing in the working directory: no data dir, no key', () => {
    expect(readdirSync(cwd)).toEqual([]);
  });
});
