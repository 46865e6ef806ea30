// The CLI's pieces that need no process: option value parsers, the start banner and the one-line
// startup failures, and the classify sample bound kept in step with the core's.
import { InvalidArgumentError } from 'commander';
import { CLASSIFY_MAX_SAMPLES, TOKEN_TTL } from '../../bin/cli-program.js';
import { formatDuration, parseDuration, parseInteger } from '../../bin/option-values.js';
import { parsePort, shellQuote, startBanner, startFailure } from '../../bin/start-command.js';
import { DataDirLockedError } from '../../lambdas/adapters/local/data-dir-lock.js';
import { MAX_SAMPLES } from '../../lambdas/core/masking/propose-classification.js';

describe('parseDuration', () => {
  it.each([
    ['90s', 90],
    ['15m', 900],
    ['2h', 7200],
    ['1d', 86_400],
    ['7d', 604_800],
    ['1s', 1],
  ])('reads %s as %i seconds', (text, seconds) => {
    expect(parseDuration(text, TOKEN_TTL)).toBe(seconds);
  });

  it.each([['15'], ['0'], ['900']])('asks for a unit for the bare number %s', (text) => {
    expect(() => parseDuration(text, TOKEN_TTL)).toThrow(
      new InvalidArgumentError(
        `A duration needs a unit: write e.g. ${text}s or ${text}m (units s, m, h, d; from 1s to 7d).`,
      ),
    );
  });

  it.each([[''], ['m'], ['1.5h'], ['-1m'], ['1e3s'], ['15 m'], [' 15m'], ['15min'], ['0x10s'], ['1w']])(
    'refuses %p as not a duration',
    (text) => {
      expect(() => parseDuration(text, TOKEN_TTL)).toThrow(
        /^Not a duration: write a whole number and a unit/,
      );
    },
  );

  it.each([['0s'], ['8d'], ['604801s'], ['9999999999d']])('refuses %s outside the bounds', (text) => {
    expect(() => parseDuration(text, TOKEN_TTL)).toThrow(
      /^(The duration must be from 1s to 7d\.|Not a duration)/,
    );
  });
});

describe('formatDuration', () => {
  it.each([
    [1, '1s'],
    [90, '90s'],
    [900, '15m'],
    [3600, '1h'],
    [5400, '90m'],
    [604_800, '7d'],
  ])('writes %i seconds as %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});

describe('parseInteger', () => {
  it.each([
    ['1', 1],
    ['20', 20],
    ['1000', 1000],
    ['007', 7],
  ])('reads %s', (text, value) => {
    expect(parseInteger(text, { min: 1, max: 1000 })).toBe(value);
  });

  it.each([
    ['0'],
    ['1001'],
    ['-1'],
    ['1.5'],
    ['1e3'],
    ['0x10'],
    [' 5'],
    ['5 '],
    [''],
    ['ten'],
    ['99999999999999999999'],
  ])('refuses %p', (text) => {
    expect(() => parseInteger(text, { min: 1, max: 1000 })).toThrow(
      new InvalidArgumentError('It must be a whole number from 1 to 1000.'),
    );
  });
});

describe('parsePort (TOLLGATE_PORT)', () => {
  it.each([
    [undefined, 8080],
    ['', 8080],
    ['0', 0],
    ['65535', 65535],
  ])('reads %p as %i', (text, port) => {
    expect(parsePort(text)).toBe(port);
  });

  it.each([['65536'], ['-1'], ['80.5'], ['http'], ['1e3']])('refuses %p', (text) => {
    expect(() => parsePort(text)).toThrow(
      `TOLLGATE_PORT must be a whole number from 0 to 65535 (0 picks a free port), got "${text}"`,
    );
  });
});

describe('the start banner', () => {
  const banner = (dataDir: string, defaultDataDir: boolean) =>
    startBanner({ url: 'http://127.0.0.1:8080', dataDir, connections: ['demo-postgres'], defaultDataDir });

  it('gives the bare token command for the default data dir', () => {
    expect(banner('/work/app/.tollgate', true)).toContain(
      '  TOKEN=$(npx tollgate token --sub alice --groups agents)\n',
    );
  });

  it('names any other data dir in the token command', () => {
    expect(banner('/srv/tollgate-data', false)).toContain(
      '  TOKEN=$(TOLLGATE_DATA_DIR=/srv/tollgate-data npx tollgate token --sub alice --groups agents)\n',
    );
  });

  it('quotes a data dir the shell would split or expand, and the shell reads it back', () => {
    expect(shellQuote("/tmp/my data/it's $HOME")).toBe(`'/tmp/my data/it'\\''s $HOME'`);
    expect(banner('/tmp/my data', false)).toContain(
      "TOKEN=$(TOLLGATE_DATA_DIR='/tmp/my data' npx tollgate token",
    );
  });
});

describe('startFailure', () => {
  it('names the port in use and what to set', () => {
    const error = Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:8080'), {
      code: 'EADDRINUSE',
      syscall: 'listen',
    });
    expect(startFailure(error, 8080)).toBe(
      'port 8080 is in use; set TOLLGATE_PORT to a free port (0 picks one)',
    );
  });

  it('says a privileged port needs privileges', () => {
    const error = Object.assign(new Error('listen EACCES'), { code: 'EACCES', syscall: 'listen' });
    expect(startFailure(error, 80)).toBe('port 80 needs privileges; set TOLLGATE_PORT to a port above 1023');
  });

  it('keeps the lock error as it is', () => {
    const error = new DataDirLockedError('/d', '/d/gateway.lock', undefined);
    expect(startFailure(error, 8080)).toBe(error.message);
  });

  it('puts any other error on one line', () => {
    expect(startFailure(new Error('tollgate.yaml is invalid:\n  - a: bad\n  - b: worse'), 8080)).toBe(
      'the gateway did not start: tollgate.yaml is invalid: - a: bad - b: worse',
    );
  });
});

it('bounds --sample by the same number as the classification proposal', () => {
  expect(CLASSIFY_MAX_SAMPLES).toBe(MAX_SAMPLES);
});
