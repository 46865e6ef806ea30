// Proposes a connection's `classification` from its catalogue and a sample of each column's
// values: column-name heuristics, then the value detectors on the samples. Pure: no I/O. The
// evidence says why, in counts and column names only — never a sampled value, so a proposal can
// be printed, logged or pasted anywhere.
import { findAll } from './detectors.js';
import type { DataClass, Finding } from './types.js';

/** One column of the target's catalogue (information_schema.columns). */
export interface CatalogueColumn {
  readonly schema: string;
  readonly table: string;
  readonly column: string;
  /** information_schema `data_type`, e.g. `text`, `character varying`, `integer`, `jsonb`. */
  readonly dataType: string;
}

/** Where a proposal comes from: the column's name, its sampled values, or both agreeing. */
export type Confidence = 'name' | 'values' | 'both';

export interface ColumnProposal {
  readonly dataClass: DataClass;
  readonly confidence: Confidence;
  /** Why, in column names and counts: never a sampled value. */
  readonly evidence: string;
}

/** Proposals keyed as `classification` keys them: `table.column`, `schema.table.column` outside public. */
export type ClassificationProposal = Record<string, ColumnProposal>;

/** Sampled values per column, keyed by `classificationKey` (at most `MAX_SAMPLES` used each). */
export type ColumnSamples = Readonly<Record<string, readonly (string | null)[] | undefined>>;

/** Values per column the proposal looks at. */
export const MAX_SAMPLES = 50;
/** Share of non-null samples a class must cover, whole, for a values-based proposal. */
const VALUE_SHARE = 0.5;

const KEY_PART = /^[a-z_][a-z0-9_$]*$/;

/**
 * The `classification` key of a column, or undefined when the configuration cannot name it
 * (upper-case or quoted identifiers: classification keys are lower-case).
 */
export const classificationKey = (c: Pick<CatalogueColumn, 'schema' | 'table' | 'column'>) => {
  if (![c.schema, c.table, c.column].every((part) => KEY_PART.test(part))) return undefined;
  return c.schema === 'public' ? `${c.table}.${c.column}` : `${c.schema}.${c.table}.${c.column}`;
};

// --- data types ------------------------------------------------------------------------------

const TEXT_TYPES = new Set([
  'text',
  'character varying',
  'character',
  'varchar',
  'char',
  'citext',
  'json',
  'jsonb',
  'xml',
  'name',
  'user-defined', // citext and other extension types
  'array',
  'tinytext',
  'mediumtext',
  'longtext',
]);
const NUMBER_TYPES = new Set(['bigint', 'integer', 'numeric', 'decimal', 'int', 'int8', 'int4']);

type TypeFamily = 'text' | 'number' | 'other';
const family = (dataType: string): TypeFamily => {
  const t = dataType.toLowerCase();
  if (TEXT_TYPES.has(t)) return 'text';
  if (NUMBER_TYPES.has(t)) return 'number';
  return 'other';
};

/** Whether sampling this column's values can tell anything (text, and numbers that may be cards or phones). */
export const worthSampling = (dataType: string): boolean => family(dataType) !== 'other';

// --- names -----------------------------------------------------------------------------------

/** `customerEmail`, `customer_email`, `Customer-Email` → [customer, email]. */
const tokens = (name: string): string[] =>
  name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);

/** Last words that make a column about the thing, not the thing: `card_id`, `email_verified`. */
const QUALIFIERS = new Set([
  'id',
  'ids',
  'uuid',
  'count',
  'counts',
  'type',
  'types',
  'kind',
  'status',
  'verified',
  'confirmed',
  'enabled',
  'flag',
  'at',
  'on',
  'date',
  'time',
  'length',
  'len',
  'format',
  'expires',
  'expiry',
  'expiration',
  'brand',
  'network',
  'provider',
  'scope',
  'scopes',
  'version',
]);
const PERSON_TABLES =
  /^(customer|user|employee|person|people|contact|member|patient|student|account|staff|author|client|owner|subscriber|applicant|candidate|profile|lead)s?$/;
const PERSON_PREFIXES = new Set([
  'full',
  'first',
  'last',
  'middle',
  'given',
  'family',
  'maiden',
  'legal',
  'customer',
  'contact',
  'user',
  'employee',
  'patient',
  'owner',
  'holder',
  'cardholder',
  'account',
  'billing',
  'shipping',
  'recipient',
  'sender',
]);

interface NameRule {
  readonly dataClass: DataClass;
  /** The tokens, or adjacent token pairs (`social security`), that name the class. */
  readonly words: readonly string[];
  /** Data type families the class can be stored as. */
  readonly families: readonly TypeFamily[];
}

// In priority order: `email_address` is an e-mail, `card_holder_name` a person (handled below).
const NAME_RULES: readonly NameRule[] = [
  {
    dataClass: 'SECRET',
    words: [
      'password',
      'passwd',
      'pwd',
      'secret',
      'token',
      'apikey',
      'api key',
      'access key',
      'private key',
      'client secret',
      'credential',
      'credentials',
      'passphrase',
    ],
    families: ['text'],
  },
  {
    dataClass: 'EMAIL_ADDRESS',
    words: ['email', 'emails', 'e mail', 'mail', 'emailaddress'],
    families: ['text'],
  },
  {
    dataClass: 'PHONE_NUMBER',
    words: ['phone', 'phones', 'mobile', 'tel', 'telephone', 'cellphone', 'fax', 'msisdn'],
    families: ['text', 'number'],
  },
  { dataClass: 'US_SSN', words: ['ssn', 'social security', 'socialsecurity'], families: ['text', 'number'] },
  { dataClass: 'IBAN_CODE', words: ['iban'], families: ['text'] },
  {
    dataClass: 'CREDIT_CARD',
    words: ['card', 'cardnumber', 'pan', 'cc number', 'ccnumber', 'ccnum', 'credit card', 'creditcard'],
    families: ['text', 'number'],
  },
  {
    dataClass: 'PERSON',
    words: ['fullname', 'firstname', 'lastname', 'surname', 'forename', 'givenname', 'familyname'],
    families: ['text'],
  },
  {
    dataClass: 'LOCATION',
    words: ['address', 'addr', 'street', 'city', 'zip', 'zipcode', 'postcode', 'postal code', 'postalcode'],
    families: ['text'],
  },
  {
    dataClass: 'FREE_TEXT',
    words: [
      'notes',
      'note',
      'comment',
      'comments',
      'description',
      'message',
      'messages',
      'remarks',
      'remark',
      'memo',
      'body',
      'bio',
      'feedback',
      'details',
      'transcript',
    ],
    families: ['text'],
  },
];

const hasWord = (words: readonly string[], phrase: string): boolean => {
  const parts = phrase.split(' ');
  if (parts.length === 1) return words.includes(phrase);
  return words.some((_, i) => parts.every((p, j) => words[i + j] === p));
};

/** The class a column's name suggests, with the words that made it. */
export const classFromName = (
  column: Pick<CatalogueColumn, 'table' | 'column' | 'dataType'>,
): { dataClass: DataClass; evidence: string } | undefined => {
  const words = tokens(column.column);
  const kind = family(column.dataType);
  if (words.length === 0 || kind === 'other') return undefined;
  if (QUALIFIERS.has(words.at(-1)!) || words[0] === 'is' || words[0] === 'has') return undefined;
  const named = (what: string) => `name: column '${column.column}' (${what})`;
  // A person's name: `full_name`, `customer_name`, or a bare `name` in a table of people.
  if (kind === 'text' && words.at(-1) === 'name') {
    const before = words.at(-2);
    const table = tokens(column.table).at(-1) ?? '';
    if (before ? PERSON_PREFIXES.has(before) : PERSON_TABLES.test(table))
      return {
        dataClass: 'PERSON',
        evidence: named(before ? `${before} name` : `name, in table '${column.table}'`),
      };
  }
  for (const rule of NAME_RULES) {
    if (!rule.families.includes(kind)) continue;
    const word = rule.words.find((w) => hasWord(words, w));
    if (!word) continue;
    // `ip_address`, `mac_address`: addresses of machines, not places.
    if (rule.dataClass === 'LOCATION' && (words.includes('ip') || words.includes('mac'))) continue;
    return { dataClass: rule.dataClass, evidence: named(word) };
  }
  return undefined;
};

// --- values ----------------------------------------------------------------------------------

/** Whether a finding is the whole value (surrounding blanks aside). */
const wholeValue = (text: string, findings: readonly Finding[]): DataClass | undefined => {
  if (findings.length !== 1) return undefined;
  const f = findings[0]!;
  const lead = text.length - text.trimStart().length;
  const trail = text.trimEnd().length;
  return f.start <= lead && f.end >= trail ? f.dataClass : undefined;
};

/** Prose: several words, some length (notes, comments), rather than a code or a single value. */
const prose = (text: string) => text.trim().length >= 20 && text.trim().split(/\s+/).length >= 4;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The class the sampled values suggest, with counts. */
export const classFromValues = (
  samples: readonly (string | null | undefined)[],
): { dataClass: DataClass; evidence: string } | undefined => {
  const values = samples
    .filter((v): v is string => typeof v === 'string' && v.trim() !== '')
    .slice(0, MAX_SAMPLES);
  if (values.length === 0) return undefined;
  const whole = new Map<DataClass, number>();
  const inside = new Map<DataClass, number>();
  let withFindings = 0;
  let proseValues = 0;
  for (const value of values) {
    const findings = findAll(value);
    if (prose(value)) proseValues++;
    if (findings.length === 0) continue;
    withFindings++;
    const w = wholeValue(value, findings);
    if (w) whole.set(w, (whole.get(w) ?? 0) + 1);
    for (const c of new Set(findings.map((f) => f.dataClass))) inside.set(c, (inside.get(c) ?? 0) + 1);
  }
  const of = `of ${plural(values.length, 'sampled value')}`;
  const best = [...whole.entries()].sort((a, b) => b[1] - a[1])[0];
  if (best && best[1] >= VALUE_SHARE * values.length)
    return { dataClass: best[0], evidence: `values: ${best[1]} ${of} are ${best[0]}` };
  // Values found inside text rather than as the text: the column carries free text.
  const embedded = withFindings - [...whole.values()].reduce((a, b) => a + b, 0);
  if (
    embedded > 0 &&
    (proseValues >= VALUE_SHARE * values.length || withFindings >= VALUE_SHARE * values.length)
  ) {
    const classes = [...inside.entries()]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([c, n]) => `${c} in ${n}`)
      .join(', ');
    return {
      dataClass: 'FREE_TEXT',
      evidence: `values: ${withFindings} ${of} contain detected values (${classes})`,
    };
  }
  return undefined;
};

// --- both ------------------------------------------------------------------------------------

/** Classes masked whole (every class but FREE_TEXT, which the detectors scrub value by value). */
const masksWhole = (c: DataClass) => c !== 'FREE_TEXT';

/** Name and values together: agreement is `both`; otherwise the stronger evidence wins. */
export const combine = (
  byName: { dataClass: DataClass; evidence: string } | undefined,
  byValues: { dataClass: DataClass; evidence: string } | undefined,
): ColumnProposal | undefined => {
  if (!byName && !byValues) return undefined;
  if (!byValues) return { dataClass: byName!.dataClass, confidence: 'name', evidence: byName!.evidence };
  if (!byName) return { dataClass: byValues.dataClass, confidence: 'values', evidence: byValues.evidence };
  if (byName.dataClass === byValues.dataClass)
    return {
      dataClass: byName.dataClass,
      confidence: 'both',
      evidence: `${byName.evidence}; ${byValues.evidence}`,
    };
  // Values that are whole e-mails, cards… outweigh a name; a name that masks the whole value
  // (LOCATION, SECRET) outweighs values that only hold detected fragments (FREE_TEXT).
  const valuesWin = masksWhole(byValues.dataClass);
  const [winner, other] = valuesWin ? [byValues, byName] : [byName, byValues];
  return {
    dataClass: winner.dataClass,
    confidence: valuesWin ? 'values' : 'name',
    evidence: `${winner.evidence}; ${other.evidence} would suggest ${other.dataClass}`,
  };
};

/**
 * Proposes a class for every column that names or holds sensitive data. `samples` is keyed by
 * `classificationKey`; columns the configuration cannot name are left out.
 */
export const proposeClassification = (
  catalogue: readonly CatalogueColumn[],
  samples: ColumnSamples,
): ClassificationProposal => {
  const proposal: ClassificationProposal = {};
  for (const column of catalogue) {
    const key = classificationKey(column);
    if (!key) continue;
    const values = worthSampling(column.dataType) ? (samples[key] ?? []) : [];
    const proposed = combine(classFromName(column), classFromValues(values));
    if (proposed) proposal[key] = proposed;
  }
  return proposal;
};
