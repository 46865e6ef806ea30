// The HTTP escape corpus (test/corpus/http-escape-probes.yaml) through the confinement rules, as
// the HTTP protocol unit applies them: the path and query first, then the headers. One test per
// probe, checks on the corpus itself, and one summary line.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { CONFINEMENT_RULES, confine } from '../../lambdas/core/protocols/http/confine.js';
import {
  DEFAULT_FORWARDED_HEADERS,
  forwardedHeaders,
  HEADER_RULES,
} from '../../lambdas/core/protocols/http/headers.js';

const RULES = [...Object.values(CONFINEMENT_RULES), ...Object.values(HEADER_RULES)] as string[];
/** Rules the corpus need not show: a limit (unit-tested) and a check that should never fire. */
const NOT_IN_CORPUS = new Set<string>([CONFINEMENT_RULES.tooLong, CONFINEMENT_RULES.outsideBase]);

const probeSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'lower-case words joined by dashes'),
    base: z.string().min(1).default('billing'),
    rawPath: z.string(),
    rawQuery: z.string(),
    headers: z.record(z.string(), z.string()),
    allow: z.array(z.string()).optional(),
    expect: z.union([
      z.object({ refused: z.enum(RULES as [string, ...string[]]) }).strict(),
      z.object({ forwarded: z.url() }).strict(),
    ]),
    forwardedHeaders: z.record(z.string(), z.string()).optional(),
    note: z.string().min(1).optional(),
  })
  .strict()
  .refine((p) => p.forwardedHeaders === undefined || 'forwarded' in p.expect, {
    message: 'forwardedHeaders only with expect.forwarded',
  });

const corpusSchema = z
  .object({ bases: z.record(z.string(), z.string().min(1)), probes: z.array(probeSchema).min(1) })
  .strict();

type Probe = z.infer<typeof probeSchema>;

const corpus = corpusSchema.parse(
  parse(readFileSync(join(import.meta.dirname, 'http-escape-probes.yaml'), 'utf8')),
);

const baseOf = (probe: Probe): string => {
  const base = corpus.bases[probe.base];
  if (base === undefined) throw new Error(`probe ${probe.name}: unknown base ${probe.base}`);
  return base;
};

type Outcome = { refused: string; reason: string } | { forwarded: string; headers: Record<string, string> };

/** A probe through confine, then forwardedHeaders. */
const run = (probe: Probe): Outcome => {
  const confined = confine(baseOf(probe), probe.rawPath, probe.rawQuery);
  if (!confined.ok) return { refused: confined.rule, reason: confined.reason };
  const headers = forwardedHeaders(probe.headers, probe.allow ?? DEFAULT_FORWARDED_HEADERS);
  if (!headers.ok) return { refused: headers.rule, reason: headers.reason };
  return { forwarded: confined.target.url, headers: headers.headers };
};

const outcomes = new Map(corpus.probes.map((p) => [p.name, run(p)] as const));
const outcomeOf = (probe: Probe) => outcomes.get(probe.name)!;

/** What is compared: the rule or the exact URL, and the headers sent when the probe names them. */
const actual = (probe: Probe) => {
  const outcome = outcomeOf(probe);
  if ('refused' in outcome) return { refused: outcome.refused };
  return {
    forwarded: outcome.forwarded,
    ...(probe.forwardedHeaders === undefined ? {} : { headers: outcome.headers }),
  };
};
const expected = (probe: Probe) => ({
  ...probe.expect,
  ...(probe.forwardedHeaders === undefined ? {} : { headers: probe.forwardedHeaders }),
});

afterAll(() => {
  const refused = corpus.probes.filter((p) => 'refused' in outcomeOf(p)).length;
  process.stdout.write(
    `http escape corpus: ${corpus.probes.length} probes, ${refused} refused, ` +
      `${corpus.probes.length - refused} forwarded under their base\n`,
  );
});

describe('HTTP escape corpus', () => {
  it.each(corpus.probes.map((p) => [`${p.name}: ${Object.keys(p.expect)[0]}`, p] as const))(
    '%s',
    (_name, probe) => {
      expect(actual(probe)).toEqual(expected(probe));
    },
  );
});

describe('the corpus itself', () => {
  it('holds at least 60 probes, each named once', () => {
    const names = corpus.probes.map((p) => p.name);
    expect(names.length).toBeGreaterThanOrEqual(60);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });

  it('names only bases it defines', () => {
    expect(corpus.probes.filter((p) => corpus.bases[p.base] === undefined).map((p) => p.name)).toEqual([]);
  });

  it('shows every rule but the length limit and the last-resort check', () => {
    const shown = new Set(corpus.probes.flatMap((p) => ('refused' in p.expect ? [p.expect.refused] : [])));
    expect(RULES.filter((r) => !NOT_IN_CORPUS.has(r) && !shown.has(r))).toEqual([]);
  });

  it('expects every forwarded URL under its base: same origin, path inside the base path', () => {
    const outside = corpus.probes.flatMap((p) => {
      if (!('forwarded' in p.expect)) return [];
      const base = new URL(baseOf(p));
      const basePath = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
      const url = new URL(p.expect.forwarded);
      return url.origin === base.origin && url.pathname.startsWith(basePath) ? [] : [p.name];
    });
    expect(outside).toEqual([]);
  });

  it('gives every refusal a reason in a sentence', () => {
    const unexplained = corpus.probes.filter((p) => {
      const outcome = outcomeOf(p);
      return 'refused' in outcome && !/^[A-Z].*\.$/.test(outcome.reason);
    });
    expect(unexplained.map((p) => p.name)).toEqual([]);
  });
});
