// Person names and postal addresses in free text, found by rules and bundled lists: honorifics,
// labels and contact cues, given names and surnames, street-address grammars in several languages,
// postcodes in context, and major cities. Pure, linear in the text (one tokenising pass, then a
// bounded look-around per token), and free of backtracking regular expressions.
import type { Finding } from '../types.js';
import { CITIES } from './cities.js';
import { GIVEN_NAMES } from './given-names.js';
import { SURNAMES } from './surnames.js';
import {
  ABBREVIATIONS,
  ADDRESS_TAIL_WORDS,
  AMBIGUOUS_GIVEN_NAMES,
  BRAND_PAIRS,
  CALENDAR,
  COLON_LABELS,
  COMPANY_WORDS,
  COMPOUND_STREET_ENDINGS,
  DIRECTIONS,
  HONORIFICS,
  LOWER_CASE_PERSON_CUES,
  NAMED_STREET_SUFFIXES,
  NOT_NAME_WORDS,
  PARTICLES,
  PLACE_PREPOSITIONS,
  POSTCODE_LABELS,
  REGIONS,
  SPEECH_VERBS,
  STATE_CODES,
  STREET_PREFIXES,
  STREET_SUFFIXES,
  STRONG_PERSON_CUES,
  STRONG_PLACE_CUES,
  SURNAMES_THAT_ARE_WORDS,
  UNIT_WORDS,
  WEAK_PERSON_CUES,
} from './vocabulary.js';

/** What the free-text rules find: a person's name, or an address or place. */
export type FreeTextEntityClass = 'PERSON' | 'LOCATION';

/** A finding of the free-text rules. */
export interface FreeTextFinding extends Finding {
  readonly dataClass: FreeTextEntityClass;
}

let work = 0;

/** Steps taken since the last reset (characters and tokens examined), for linear-time tests. */
export const freeTextWork = (): number => work;

export const resetFreeTextWork = (): void => {
  work = 0;
};

const GIVEN: ReadonlySet<string> = new Set(GIVEN_NAMES.trim().split(/\s+/));
const SURNAME: ReadonlySet<string> = new Set(SURNAMES.trim().split(/\s+/));
const CITY: ReadonlySet<string> = new Set(
  CITIES.split('|')
    .map((c) => c.trim())
    .filter((c) => c.length > 0),
);
/** The most words a city of the list has ("rio de janeiro", "frankfurt am main"). */
const MAX_CITY_WORDS = 4;
/** The most words of a name run, particles not counted. */
const MAX_NAME_WORDS = 5;
/** The most parts of an address after its street (unit, city, state, postcode …). */
const MAX_TAIL_PARTS = 10;
/** Characters of look-behind for cues: longer than the longest cue. */
const CUE_WIDTH = 28;

const NON_ASCII_LETTER = /[\p{L}\p{M}]/u;
const NON_ASCII_UPPER = /\p{Lu}/u;
const MARKS = /\p{M}/gu;

const isDigitCode = (c: number): boolean => c >= 48 && c <= 57;
const isUpperCode = (c: number): boolean => c >= 65 && c <= 90;
const isLowerCode = (c: number): boolean => c >= 97 && c <= 122;

const letterAt = (text: string, i: number): boolean => {
  const c = text.charCodeAt(i);
  if (c < 128) return isUpperCode(c) || isLowerCode(c);
  return c >= 0xaa && NON_ASCII_LETTER.test(text[i]!);
};
const upperAt = (text: string, i: number): boolean => {
  const c = text.charCodeAt(i);
  if (c < 128) return isUpperCode(c);
  return c >= 0xc0 && NON_ASCII_UPPER.test(text[i]!);
};
const wordCharAt = (text: string, i: number): boolean =>
  i < text.length && (isDigitCode(text.charCodeAt(i)) || letterAt(text, i));

interface Token {
  readonly start: number;
  readonly end: number;
  /** End without a possessive `'s`: "Park's" is masked as "Park". */
  readonly nameEnd: number;
  /** Lower-case text without the possessive. */
  readonly lower: string;
  /** Starts with an upper-case letter. */
  readonly cap: boolean;
  /** Two or more letters, all upper-case ("EMEA", "LS6"). */
  readonly allCaps: boolean;
  /** Starts with a digit. */
  readonly digit: boolean;
}

interface Tokens {
  readonly list: Token[];
  /** Most letters are upper-case: names are then found by the lists alone. */
  readonly shouting: boolean;
}

/** Words: runs of letters and digits, joined across `'`, `’` and `-` between word characters. */
const tokenize = (text: string): Tokens => {
  const list: Token[] = [];
  let upper = 0;
  let lower = 0;
  let i = 0;
  while (i < text.length) {
    work++;
    if (!wordCharAt(text, i)) {
      i++;
      continue;
    }
    const start = i;
    let letters = 0;
    let uppers = 0;
    for (;;) {
      while (wordCharAt(text, i)) {
        work++;
        if (letterAt(text, i)) {
          letters++;
          if (upperAt(text, i)) uppers++;
        }
        i++;
      }
      const c = text[i];
      if ((c === "'" || c === '’' || c === '-') && wordCharAt(text, i + 1)) {
        i++;
        continue;
      }
      break;
    }
    upper += uppers;
    lower += letters - uppers;
    const raw = text.slice(start, i);
    const possessive = raw.length > 2 && /['’][sS]$/.test(raw);
    const nameEnd = possessive ? i - 2 : i;
    list.push({
      start,
      end: i,
      nameEnd,
      lower: (possessive ? raw.slice(0, -2) : raw).toLowerCase(),
      cap: upperAt(text, start),
      allCaps: letters >= 2 && uppers === letters,
      digit: isDigitCode(text.charCodeAt(start)),
    });
  }
  return { list, shouting: upper >= 4 && lower * 4 < upper };
};

const withoutAccents = (word: string): string => word.normalize('NFD').replace(MARKS, '');

/** Looks a word up in a list, also without accents and by its hyphenated parts. */
const listed = (list: ReadonlySet<string>, lower: string): boolean => {
  if (list.has(lower)) return true;
  if (/[^ -~]/.test(lower)) {
    if (list.has(withoutAccents(lower))) return true;
  }
  const hyphen = lower.indexOf('-');
  if (hyphen > 0) return listed(list, lower.slice(0, hyphen)) || listed(list, lower.slice(hyphen + 1));
  const apostrophe = lower.search(/['’]/);
  if (apostrophe === 1 || apostrophe === 2) return list.has(lower.slice(apostrophe + 1)); // D'Angelo, O'Brien
  return false;
};

const isGiven = (lower: string): boolean => listed(GIVEN, lower);
const isSurname = (lower: string): boolean => listed(SURNAME, lower);
/** A given name that is also a word, a brand or a place, or too short to tell. */
const isAmbiguousGiven = (lower: string): boolean =>
  lower.length <= 2 || AMBIGUOUS_GIVEN_NAMES.has(lower) || CALENDAR.has(lower) || CITY.has(lower);
const isAmbiguousCity = (lower: string): boolean =>
  AMBIGUOUS_GIVEN_NAMES.has(lower) || GIVEN.has(lower) || SURNAME.has(lower) || NOT_NAME_WORDS.has(lower);

/** FNV-1a over char codes: identifies a word without making a string of it. */
const FNV_OFFSET = 0x811c9dc5;
const fnvStep = (hash: number, code: number): number => Math.imul(hash ^ code, 0x01000193) >>> 0;
const hashOf = (word: string): number => {
  let h = FNV_OFFSET;
  for (let i = 0; i < word.length; i++) h = fnvStep(h, word.charCodeAt(i));
  return h;
};

/**
 * Words whose presence makes a lower-case text worth the full scan: unambiguous given names and the
 * place cues' verbs. A hash collision only costs a scan that finds nothing.
 */
const LOWER_CASE_TRIGGERS: ReadonlySet<number> = new Set([
  ...[...GIVEN].filter((g) => g.length >= 3 && !isAmbiguousGiven(g)).map(hashOf),
  ...['lives', 'living', 'lived', 'moved', 'moving', 'relocating', 'relocated', 'based', 'near'].map(hashOf),
]);

/**
 * Whether a text can hold anything these rules find: a capital letter or a digit, or else a word
 * that may be a lower-case name or a place cue. One pass, no allocation.
 */
const worthScanning = (text: string): boolean => {
  let hash = FNV_OFFSET;
  let length = 0;
  let trigger = false;
  for (let i = 0; i <= text.length; i++) {
    work++;
    const c = i < text.length ? text.charCodeAt(i) : 32;
    if (isDigitCode(c) || isUpperCode(c)) return true;
    if (c >= 0xc0 && NON_ASCII_UPPER.test(text[i]!)) return true;
    if (isLowerCode(c) || c >= 0xc0) {
      hash = fnvStep(hash, c);
      length++;
      continue;
    }
    if (length > 0 && LOWER_CASE_TRIGGERS.has(hash)) trigger = true;
    hash = FNV_OFFSET;
    length = 0;
  }
  return trigger;
};

interface Span {
  dataClass: FreeTextEntityClass;
  start: number;
  end: number;
}

/** The scanner over one text's tokens. */
class Scan {
  readonly spans: Span[] = [];
  private readonly t: Token[];
  private readonly n: number;

  constructor(
    private readonly text: string,
    private readonly tokens: Tokens,
  ) {
    this.t = tokens.list;
    this.n = tokens.list.length;
  }

  // --- token helpers ------------------------------------------------------------------------

  /** The characters between token i-1 and token i. */
  private gap(i: number): string {
    const from = i > 0 ? this.t[i - 1]!.end : 0;
    return this.text.slice(from, this.t[i]!.start);
  }

  /** Token i follows token i-1 after exactly one space (or a line break). */
  private spaced(i: number): boolean {
    const g = this.gap(i);
    return g === ' ' || g === '\n' || g === ' ';
  }

  /** Token i is a single capital letter written as an initial ("J." in "J. P. Morgan"). */
  private initial(i: number): boolean {
    const tok = this.t[i]!;
    return tok.end - tok.start === 1 && tok.cap && this.text[tok.end] === '.';
  }

  /** A word that can be part of a name: capitalised, no digit, not a known non-name word. */
  private nameLike(i: number): boolean {
    const tok = this.t[i];
    if (!tok?.cap || tok.digit || NOT_NAME_WORDS.has(tok.lower) || HONORIFICS.has(tok.lower)) return false;
    if (this.tokens.shouting) return !CALENDAR.has(tok.lower) && (isGiven(tok.lower) || isSurname(tok.lower));
    if (tok.allCaps || CALENDAR.has(tok.lower)) return false;
    return !/\d/.test(tok.lower);
  }

  private honorific(i: number): boolean {
    const tok = this.t[i];
    if (!tok?.cap || !HONORIFICS.has(tok.lower)) return false;
    // A one-letter title ("M. Dupont") only with its dot.
    return tok.lower.length > 1 || this.text[tok.end] === '.';
  }

  /**
   * The end (exclusive token index) of the name run starting at token k: name-like words and
   * initials one space apart, particles between them. `k` itself when none.
   */
  private nameRun(k: number): number {
    let j = k;
    let words = 0;
    while (j < this.n && words < MAX_NAME_WORDS) {
      work++;
      if (j > k && !this.spaced(j) && !(this.initial(j - 1) && this.gap(j) === '. ')) break;
      if (this.nameLike(j) || (!this.tokens.shouting && this.initial(j))) {
        words++;
        j++;
        if (this.t[j - 1]!.nameEnd < this.t[j - 1]!.end) break; // a possessive ends the name
        continue;
      }
      // Particles, one or several ("de la"), when a name word follows them.
      let p = j;
      while (j > k && p < this.n && p - j < 3 && PARTICLES.has(this.t[p]!.lower) && this.spaced(p + 1)) p++;
      if (p > j && p < this.n && this.nameLike(p)) {
        j = p;
        continue;
      }
      break;
    }
    // A run that is only initials is not a name.
    if (j > k && !this.tokens.shouting) {
      let real = false;
      for (let m = k; m < j; m++) if (!this.initial(m)) real = true;
      if (!real) return k;
    }
    return j;
  }

  /** Lower-case text before token k, without the spaces, colons, commas and brackets just before it. */
  private before(k: number): string {
    const at = this.t[k]!.start;
    const from = Math.max(0, at - CUE_WIDTH);
    work += at - from;
    return this.text
      .slice(from, at)
      .toLowerCase()
      .replace(/[\s:,("'“‘]+$/, '');
  }

  /** Whether `before` ends with one of the cues, as whole words. */
  private static endsWithCue(before: string, cues: Iterable<string>): boolean {
    for (const cue of cues) {
      if (!before.endsWith(cue)) continue;
      const at = before.length - cue.length;
      if (at === 0 || !/[\p{L}\p{N}]/u.test(before[at - 1]!)) return true;
    }
    return false;
  }

  /** The label word just before token k is followed by a colon ("From: …"). */
  private colonLabel(k: number): boolean {
    if (k === 0 || !/^\s*:/.test(this.gap(k))) return false;
    return COLON_LABELS.has(this.t[k - 1]!.lower);
  }

  private push(dataClass: FreeTextEntityClass, start: number, end: number): void {
    if (end > start) this.spans.push({ dataClass, start, end });
  }

  private person(k: number, e: number): void {
    this.push('PERSON', this.t[k]!.start, this.t[e - 1]!.nameEnd);
  }

  // --- persons ------------------------------------------------------------------------------

  /** Whether the run [k, e) holds a given name or surname of the lists. */
  private runListed(k: number, e: number): boolean {
    for (let m = k; m < e; m++) {
      const lower = this.t[m]!.lower;
      if (isGiven(lower) || isSurname(lower)) return true;
    }
    return false;
  }

  private isBrand(k: number, e: number): boolean {
    return e - k >= 2 && BRAND_PAIRS.has(`${this.t[k]!.lower}_${this.t[k + 1]!.lower}`);
  }

  /** Tries the person rules at token k; returns the token index to continue after, or -1. */
  private personAt(k: number): number {
    const tok = this.t[k]!;
    // Titles: "Mr. and Mrs. Delgado", "Frau Dr. Katrin Schäfer".
    if (this.honorific(k)) {
      let m = k + 1;
      if (m < this.n && this.honorific(m)) m++;
      if (m + 1 < this.n && this.t[m]!.lower === 'and' && this.honorific(m + 1)) m += 2;
      const e = m < this.n ? this.nameRun(m) : m;
      if (e > m) {
        this.person(m, e);
        return e;
      }
      return -1;
    }
    if (!tok.cap) return this.lowerCaseNameAt(k);
    if (this.calendarNameAt(k)) {
      const e = this.nameRun(k + 1);
      this.person(k, e);
      return e;
    }
    if (!this.nameLike(k) && !this.initial(k)) return -1;
    const e = this.nameRun(k);
    if (e === k || this.isBrand(k, e) || this.company(k, e)) return -1;
    const before = this.before(k);
    // Cues: labels, sign-offs, contact verbs, kinship and role nouns.
    if (Scan.endsWithCue(before, STRONG_PERSON_CUES) || this.colonLabel(k)) {
      this.person(k, e);
      return e;
    }
    if (Scan.endsWithCue(before, WEAK_PERSON_CUES) && this.runListed(k, e)) {
      this.person(k, e);
      return e;
    }
    // Lists: the run starts at a given name, or holds a surname after another name word.
    const first = tok.lower;
    const second = e - k >= 2 ? this.t[k + 1]!.lower : undefined;
    const secondListed = second !== undefined && (isSurname(second) || isGiven(second));
    if (isGiven(first) && (!isAmbiguousGiven(first) || secondListed)) {
      if (this.tokens.shouting && e - k < 2) return -1;
      this.person(k, e);
      return e;
    }
    if (
      e - k >= 2 &&
      !isAmbiguousGiven(first) &&
      (isSurname(first) ? secondListed : this.surnameAfter(k, e))
    ) {
      this.person(k, e);
      return e;
    }
    // Initials before a listed name: "J. P. Morgan", "D. Rosenberg".
    if (this.initial(k) && this.runListed(k, e)) {
      this.person(k, e);
      return e;
    }
    // A run followed by a speech verb: "Kwame said", "Grace called".
    if (!this.tokens.shouting && e < this.n && this.spaced(e) && SPEECH_VERBS.has(this.t[e]!.lower)) {
      this.person(k, e);
      return e;
    }
    return -1;
  }

  /** A month that is also a given name, before a listed surname: "April Nguyen", "June Park's". */
  private calendarNameAt(k: number): boolean {
    const tok = this.t[k]!;
    if (!tok.cap || !CALENDAR.has(tok.lower) || !GIVEN.has(tok.lower) || this.tokens.shouting) return false;
    const next = this.t[k + 1];
    return next !== undefined && this.spaced(k + 1) && this.nameLike(k + 1) && isSurname(next.lower);
  }

  /** The run [k, e) is part of a company's name: "Marks & Spencer", "Sullivan Plumbing". */
  private company(k: number, e: number): boolean {
    // "&" joins companies ("Marks & Spencer") and couples ("Mia & Noah Fischer"): a couple has a
    // given name on the other side.
    const other = (i: number): boolean =>
      i >= 0 && i < this.n && !(isGiven(this.t[i]!.lower) && !isAmbiguousGiven(this.t[i]!.lower));
    if (k > 0 && /&\s*$/.test(this.gap(k)) && other(k - 1)) return true;
    if (e < this.n && /^\s*&/.test(this.gap(e)) && other(e)) return true;
    return e < this.n && this.spaced(e) && COMPANY_WORDS.has(this.t[e]!.lower);
  }

  /** Some word after the first of the run is a listed surname ("Priya Natarajan"). */
  private surnameAfter(k: number, e: number): boolean {
    for (let m = k + 1; m < e; m++) if (isSurname(this.t[m]!.lower)) return true;
    return false;
  }

  /**
   * Lower-case names: a given name right after a strong cue ("talked to steve", "son, tyler,"),
   * a given name and a surname together ("rosa delgado"), a handle ("j.morales").
   */
  private lowerCaseNameAt(k: number): number {
    const tok = this.t[k]!;
    if (tok.digit) return -1;
    const handle = this.handleAt(k);
    if (handle > 0) return handle;
    if (!isGiven(tok.lower) || isAmbiguousGiven(tok.lower)) return -1;
    const next = this.t[k + 1];
    const surname =
      next !== undefined &&
      this.spaced(k + 1) &&
      !next.cap &&
      next.lower.length >= 3 &&
      isSurname(next.lower) &&
      !SURNAMES_THAT_ARE_WORDS.has(next.lower) &&
      !NOT_NAME_WORDS.has(next.lower);
    if (!surname && !Scan.endsWithCue(this.before(k), LOWER_CASE_PERSON_CUES)) return -1;
    const e = surname ? k + 2 : k + 1;
    this.person(k, e);
    return e;
  }

  /** An initial, a dot and a listed surname, not part of an e-mail or a host: "j.morales". */
  private handleAt(k: number): number {
    const tok = this.t[k]!;
    const next = this.t[k + 1];
    if (tok.end - tok.start !== 1 || next === undefined || this.gap(k + 1) !== '.' || next.cap) return -1;
    const after = this.text.slice(next.end, next.end + 2);
    if (after.startsWith('@') || /^\.[\p{L}\d]/u.test(after) || !isSurname(next.lower)) return -1;
    this.person(k, k + 2);
    return k + 2;
  }

  // --- addresses ----------------------------------------------------------------------------

  /** A house number: up to 5 digits with an optional letter ("221B", "23a"). */
  private houseNumber(i: number): boolean {
    const tok = this.t[i];
    return tok?.digit === true && /^\d{1,5}[a-z]?$/.test(tok.lower);
  }

  private ordinal(i: number): boolean {
    const tok = this.t[i];
    return tok !== undefined && /^\d{1,3}(?:st|nd|rd|th)$/.test(tok.lower);
  }

  /** Index after a street type at i, its abbreviation's dot and a direction ("Ave. NW"). */
  private afterSuffix(i: number): number {
    let e = i + 1;
    if (e < this.n && this.spaced(e) && DIRECTIONS.has(this.t[e]!.lower) && this.t[e]!.cap) e++;
    return e;
  }

  /** Whether lower-case street words are allowed at a number at k ("lives at 19 wellington rd"). */
  private addressContext(k: number): boolean {
    if (k === 0) return true;
    const prev = this.t[k - 1]!.lower;
    return (
      ['at', 'to', 'on', 'from', 'address', 'addr', 'is', 'in', 'lives', 'ship', 'deliver'].includes(prev) ||
      /:\s*$/.test(this.gap(k))
    );
  }

  /** Number-first streets: "12 Oak St", "221B Baker Street", "3/27 Beach Rd", "8 Rue des Lilas". */
  private numberFirst(k: number): number {
    if (!this.houseNumber(k) && !this.ordinal(k)) return -1;
    let j = k + 1;
    // "3/27": unit and number.
    if (j + 1 < this.n && this.gap(j) === '/' && this.houseNumber(j)) j++;
    if (j >= this.n || !this.spaced(j)) return -1;
    if (this.ordinal(k) && STREET_SUFFIXES.has(this.t[j]!.lower)) return this.afterSuffix(j);
    if (this.ordinal(k)) return -1;
    const first = this.t[j]!;
    if (first.cap && STREET_PREFIXES.has(first.lower) && first.lower.length > 2) {
      // French and similar: "15 Rue de Rivoli", "88 Avenue des Champs-Élysées".
      let e = j + 1;
      let words = 0;
      while (e < this.n && words < MAX_NAME_WORDS && this.spaced(e)) {
        work++;
        const tok = this.t[e]!;
        if (tok.cap && !tok.digit) words++;
        else if (!PARTICLES.has(tok.lower) && tok.lower !== 'des') break;
        e++;
      }
      while (e > j + 1 && !this.t[e - 1]!.cap) e--;
      if (words > 0) return e;
    }
    const lowerAllowed = this.addressContext(k);
    for (let m = j, words = 0; m < this.n && words < 5; m++, words++) {
      work++;
      const tok = this.t[m]!;
      if (m > j && !this.spaced(m)) return -1;
      if (m > j && STREET_SUFFIXES.has(tok.lower) && (tok.cap || lowerAllowed)) {
        // "Harbour View Road": the last of several street-type words ends the street.
        let last = m;
        while (last + 1 < this.n && this.spaced(last + 1) && STREET_SUFFIXES.has(this.t[last + 1]!.lower))
          last++;
        return this.afterSuffix(last);
      }
      const word = !tok.digit || this.ordinal(m);
      if (!word || (!tok.cap && !lowerAllowed) || NOT_NAME_WORDS.has(tok.lower) || tok.lower === 'the') {
        if (!(STREET_SUFFIXES.has(tok.lower) && m > j)) return -1;
      }
    }
    return -1;
  }

  /** Prefix streets: "Rua Augusta 1520", "Calle de Alcalá 123", "R. das Flores, 87", "ul. Marszałkowska 84/92". */
  private prefixFirst(k: number): number {
    const tok = this.t[k]!;
    if (!STREET_PREFIXES.has(tok.lower)) return -1;
    const dotted = this.text[tok.end] === '.' || this.text[tok.end] === '/';
    if (tok.lower.length <= 2 && !dotted) return -1;
    if (!tok.cap && !(tok.lower === 'ul' && dotted)) return -1;
    let j = k + 1;
    let words = 0;
    while (j < this.n && words <= MAX_NAME_WORDS) {
      work++;
      const g = this.gap(j);
      const t = this.t[j]!;
      const firstGapOk = j === k + 1 && (g === '. ' || g === '/' || g === '/ ');
      if (t.digit && words > 0 && /^,?\s$/.test(g) && this.houseNumber(j)) {
        let e = j + 1;
        if (e < this.n && this.gap(e) === '/' && this.t[e]!.digit) e++;
        return e;
      }
      if (!(g === ' ' || firstGapOk)) return -1;
      if (t.cap && !t.digit) words++;
      else if (!PARTICLES.has(t.lower) && !['des', 'del', 'dei'].includes(t.lower)) return -1;
      j++;
    }
    return -1;
  }

  /** One-word Germanic, Nordic and Dutch streets with a number: "Hauptstraße 5", "Kaiserstr. 7". */
  private compoundStreet(k: number): number {
    const tok = this.t[k]!;
    if (!tok.cap || tok.digit) return -1;
    const ending = COMPOUND_STREET_ENDINGS.find(
      (e) => tok.lower.endsWith(e) && tok.lower.length >= e.length + 3,
    );
    if (!ending) return -1;
    const j = k + 1;
    if (j >= this.n || !this.houseNumber(j)) return -1;
    const g = this.gap(j);
    if (!(g === ' ' || (ending === 'str' && g === '. '))) return -1;
    return j + 1;
  }

  /** "PO Box 4410", "P.O. Box 12", "Postfach 1234", "Caixa Postal 55", "Apartado 9". */
  private postBox(k: number): number {
    const tok = this.t[k]!;
    const at = (i: number): string | undefined => this.t[i]?.lower;
    if (tok.lower === 'po' && at(k + 1) === 'box' && this.t[k + 2]?.digit) return k + 3;
    if (tok.lower === 'p' && at(k + 1) === 'o' && at(k + 2) === 'box' && this.t[k + 3]?.digit) return k + 4;
    if ((tok.lower === 'postfach' || tok.lower === 'apartado') && this.t[k + 1]?.digit) return k + 2;
    if (tok.lower === 'caixa' && at(k + 1) === 'postal' && this.t[k + 2]?.digit) return k + 3;
    return -1;
  }

  /** A street with no number after a place word: "lives on Maple Drive", "number 12, Acacia Avenue". */
  private namedStreet(k: number): number {
    if (!this.t[k]!.cap || k === 0) return -1;
    const prev = this.t[k - 1]!;
    const cued =
      PLACE_PREPOSITIONS.has(prev.lower) || prev.lower === 'on' || prev.lower === 'off' || prev.digit;
    if (!cued) return -1;
    for (let m = k + 1; m < this.n && m <= k + 3; m++) {
      if (!this.spaced(m) || !this.t[m]!.cap) return -1;
      if (NAMED_STREET_SUFFIXES.has(this.t[m]!.lower)) return this.afterSuffix(m);
    }
    return -1;
  }

  /** The street part of an address starting at token k, as the token index after it, or -1. */
  private streetAt(k: number): number {
    const tok = this.t[k]!;
    if (UNIT_WORDS.has(tok.lower) && k + 2 < this.n && /^[\da-z]{1,5}$/.test(this.t[k + 1]!.lower)) {
      // "Flat 3, 27 Kingsley Avenue": the unit opens the address.
      if (/^,\s?$/.test(this.gap(k + 2))) {
        const e = this.numberFirst(k + 2);
        if (e > 0) return e;
      }
    }
    if (tok.digit) return this.numberFirst(k);
    return Math.max(this.prefixFirst(k), this.compoundStreet(k), this.postBox(k), this.namedStreet(k));
  }

  /** Whether the separator before token j may continue an address. */
  private tailGap(j: number): boolean {
    let g = this.gap(j);
    const prev = this.t[j - 1]!;
    if (g.startsWith('.')) {
      // "St. Customer claims" ends; "Av. Insurgentes", "Esq., Coimbra" go on.
      if (!ABBREVIATIONS.has(prev.lower)) return false;
      g = g.slice(1);
      if (/^\s+$/.test(g) && !this.t[j]!.digit && !ADDRESS_TAIL_WORDS.has(prev.lower) && !/^[,]/.test(g)) {
        if (STREET_SUFFIXES.has(prev.lower)) return false;
      }
    }
    if (g.length === 0 || g.length > 4) return false;
    let commas = 0;
    for (const c of g) {
      if (c === ',') commas++;
      else if (!' \n-–—/#'.includes(c)) return false;
    }
    return commas <= 1;
  }

  /** Both tokens are upper-case, or both lower-case: "LS6 2AB", "m14 6bp", not "Ls6 2ab". */
  private sameCase(a: Token, b: Token): boolean {
    const upper = (tok: Token): boolean => !/[a-z]/.test(this.text.slice(tok.start, tok.end));
    const lower = (tok: Token): boolean => !/[A-Z]/.test(this.text.slice(tok.start, tok.end));
    return (upper(a) && upper(b)) || (lower(a) && lower(b));
  }

  private ukPostcode(i: number): boolean {
    const a = this.t[i];
    const b = this.t[i + 1];
    if (!a || !b || !this.spaced(i + 1) || !this.sameCase(a, b)) return false;
    return /^[a-z]{1,2}\d[a-z\d]?$/.test(a.lower) && /^\d[a-z]{2}$/.test(b.lower);
  }

  private caPostcode(i: number): boolean {
    const a = this.t[i];
    const b = this.t[i + 1];
    if (!a || !b || !this.spaced(i + 1)) return false;
    return /^[a-z]\d[a-z]$/.test(a.lower) && /^\d[a-z]\d$/.test(b.lower) && this.sameCase(a, b);
  }

  private stateCode(i: number): boolean {
    const tok = this.t[i]!;
    return (
      tok.allCaps &&
      !tok.digit &&
      (STATE_CODES.has(tok.lower) || (tok.lower.length <= 4 && !/\d/.test(tok.lower)))
    );
  }

  /** A capitalised place name from token j (several words: "Frankfurt am Main"); index after it, or -1. */
  private placeWords(j: number): number {
    const tok = this.t[j]!;
    if (!tok.cap || tok.digit || NOT_NAME_WORDS.has(tok.lower) || HONORIFICS.has(tok.lower)) return -1;
    if (/^\s*:/.test(this.text.slice(tok.end, tok.end + 2))) return -1; // a label: "Attn:"
    let e = j + 1;
    for (let words = 1; e < this.n && words < MAX_CITY_WORDS && this.spaced(e); ) {
      const t = this.t[e]!;
      if (t.cap && !t.digit && !t.allCaps && !NOT_NAME_WORDS.has(t.lower)) {
        words++;
        e++;
      } else if (
        ['am', 'an', 'de', 'do', 'da', 'del', 'la', 'sur', 'upon', 'on', 'im'].includes(t.lower) &&
        e + 1 < this.n &&
        this.t[e + 1]!.cap &&
        this.spaced(e + 1)
      ) {
        e++;
      } else break;
    }
    return e;
  }

  /** Extends a city from token e over a state code and a postcode ("Leeds LS6 2AB", "Springfield, OR 97477"). */
  private postcodeTail(e: number): number {
    let end = e;
    for (let parts = 0; parts < 3 && end < this.n && this.tailGap(end); parts++) {
      work++;
      if (this.ukPostcode(end) || this.caPostcode(end)) end += 2;
      else if (this.t[end]!.digit && /^\d{4,5}(?:-\d{3,4})?$/.test(this.t[end]!.lower)) end++;
      else if (this.t[end]!.allCaps && STATE_CODES.has(this.t[end]!.lower)) end++;
      else break;
    }
    return end;
  }

  /** Extends an address from token e over unit, floor, city, state and postcode parts. */
  private tail(e: number): number {
    let end = e;
    for (let parts = 0; parts < MAX_TAIL_PARTS && end < this.n && this.tailGap(end); parts++) {
      work++;
      const tok = this.t[end]!;
      if (this.ukPostcode(end) || this.caPostcode(end)) end += 2;
      else if (tok.digit && tok.lower.length <= 10) end++;
      else if (ADDRESS_TAIL_WORDS.has(tok.lower)) end++;
      else if (this.stateCode(end)) end++;
      else if (tok.end - tok.start === 1 && tok.cap && this.t[end - 1]!.digit)
        end++; // door "3º B"
      else if (tok.cap) {
        const after = this.placeWords(end);
        if (after < 0) break;
        end = after;
      } else if (!tok.cap && (this.ukPostcode(end + 1) || this.caPostcode(end + 1))) end++;
      else break;
    }
    return end;
  }

  private addressAt(k: number): number {
    const street = this.streetAt(k);
    if (street < 0) return -1;
    const end = this.tail(street);
    this.push('LOCATION', this.t[k]!.start, this.t[end - 1]!.end);
    return end;
  }

  // --- postcodes and places -----------------------------------------------------------------

  /** Index of the first token of a city (1–3 capitalised words) just before token k, or k. */
  private cityBefore(k: number): number {
    let s = k;
    for (let m = k - 1; m >= 0 && k - m <= 3; m--) {
      const tok = this.t[m]!;
      if (!tok.cap || tok.digit || NOT_NAME_WORDS.has(tok.lower) || !/^,?\s$/.test(this.gap(m + 1))) break;
      s = m;
      if (this.gap(m + 1).startsWith(',')) break;
    }
    return s;
  }

  /** Postcodes standing alone in a context that makes them one; index after, or -1. */
  private postcodeAt(k: number): number {
    const tok = this.t[k]!;
    // UK and Canadian postcodes are distinctive on their own: "Leeds LS6 2AB", "Toronto, ON M5V 2T6".
    if (this.ukPostcode(k) || this.caPostcode(k)) {
      let s = k;
      if (k > 0 && this.stateCode(k - 1) && this.spaced(k)) s = k - 1;
      s = this.cityBefore(s);
      this.push('LOCATION', this.t[s]!.start, this.t[k + 1]!.end);
      return k + 2;
    }
    // A US ZIP after a state code: "Springfield, OR 97477".
    if (tok.allCaps && STATE_CODES.has(tok.lower) && k + 1 < this.n && this.spaced(k + 1)) {
      if (/^\d{5}(?:-\d{4})?$/.test(this.t[k + 1]!.lower)) {
        this.push('LOCATION', this.t[this.cityBefore(k)]!.start, this.t[k + 1]!.end);
        return k + 2;
      }
    }
    // A postcode before a city: "10115 Berlin", "1250-143 Lisboa", "00-514 Warszawa".
    if (tok.digit && /^(?:\d{4,5}|\d{4}-\d{3}|\d{2}-\d{3}|\d{5}-\d{3})$/.test(tok.lower) && k + 1 < this.n) {
      if (this.spaced(k + 1)) {
        const after = this.placeWords(k + 1);
        const city =
          after > 0 ? this.text.slice(this.t[k + 1]!.start, this.t[after - 1]!.end).toLowerCase() : '';
        const context = k === 0 || /^,\s?$|:\s?$/.test(this.gap(k)) || CITY.has(city);
        if (after > 0 && context && (tok.lower.length === 5 || tok.lower.includes('-') || CITY.has(city))) {
          this.push('LOCATION', tok.start, this.t[after - 1]!.end);
          return after;
        }
      }
    }
    // A labelled postcode: "zip 98103", "PLZ: 10115".
    if (POSTCODE_LABELS.has(tok.lower) && k + 1 < this.n && this.t[k + 1]!.digit) {
      this.push('LOCATION', this.t[k + 1]!.start, this.t[k + 1]!.end);
      return k + 2;
    }
    return -1;
  }

  /** A city of the list, its longest form from token k (a region or state may follow). */
  private cityAt(k: number): number {
    const tok = this.t[k]!;
    if (!tok.cap && !this.strongPlaceCue(k)) return -1;
    let best = -1;
    for (let e = k + 1; e <= this.n && e - k <= MAX_CITY_WORDS; e++) {
      work++;
      if (e > k + 1 && !(this.spaced(e - 1) || this.gap(e - 1) === '. ')) break;
      const name = this.text.slice(tok.start, this.t[e - 1]!.nameEnd).toLowerCase();
      if (CITY.has(name) || (e === k + 1 && CITY.has(tok.lower))) best = e;
    }
    if (best < 0) return -1;
    let end = best;
    const next = this.t[end];
    const regionFollows =
      next !== undefined &&
      /^,?\s$/.test(this.gap(end)) &&
      ((next.allCaps && STATE_CODES.has(next.lower)) || (next.cap && REGIONS.has(next.lower)));
    const cued = k > 0 && (PLACE_PREPOSITIONS.has(this.t[k - 1]!.lower) || this.strongPlaceCue(k));
    const name = this.text.slice(tok.start, this.t[best - 1]!.nameEnd).toLowerCase();
    if (best - k === 1 && isAmbiguousCity(name)) {
      if (!cued && !regionFollows) return -1;
      // "from Austin Price": a given name before a surname, not the city.
      if (next !== undefined && this.spaced(end) && next.cap && isSurname(next.lower) && isGiven(name))
        return -1;
    }
    if (regionFollows) end++;
    end = this.postcodeTail(end);
    this.push('LOCATION', tok.start, this.t[end - 1]!.nameEnd);
    return end;
  }

  private strongPlaceCue(k: number): boolean {
    return k > 0 && Scan.endsWithCue(this.before(k), STRONG_PLACE_CUES);
  }

  /** A capitalised run no list knows, after "lives in", "moved to", "near" …: a place. */
  private cuedPlaceAt(k: number): number {
    const tok = this.t[k]!;
    if (!tok.cap || tok.digit || tok.allCaps || NOT_NAME_WORDS.has(tok.lower) || CALENDAR.has(tok.lower))
      return -1;
    if (!this.strongPlaceCue(k)) return -1;
    const e = this.placeWords(k);
    if (e < 0) return -1;
    this.push('LOCATION', tok.start, this.t[e - 1]!.nameEnd);
    return e;
  }

  // --- the pass -----------------------------------------------------------------------------

  run(): void {
    for (let k = 0; k < this.n; ) {
      work++;
      // The first rule that matches at k wins; addresses first, so "Oak Dr" is a street, not a title.
      let next = this.addressAt(k);
      if (next < 0) next = this.postcodeAt(k);
      if (next < 0) next = this.cityAt(k);
      if (next < 0) next = this.cuedPlaceAt(k);
      if (next < 0) next = this.personAt(k);
      k = next > k ? next : k + 1;
    }
  }
}

/**
 * Keeps the longer of two overlapping spans (LOCATION on a tie): an address swallows a name in it.
 * One sweep in start order, so a text with many findings stays linear after the sort.
 */
const resolveOverlaps = (spans: Span[]): FreeTextFinding[] => {
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: Span[] = [];
  for (const s of spans) {
    work++;
    const last = kept[kept.length - 1];
    if (!last || last.end <= s.start) kept.push(s);
    else if (s.end - s.start > last.end - last.start) kept[kept.length - 1] = s;
  }
  return kept;
};

/**
 * Person names (`PERSON`) and street addresses, postcodes and cities (`LOCATION`) in a free-text
 * value, as UTF-16 spans, sorted and not overlapping. Honorifics are left outside a name's span.
 * Text with no capital letter and no digit is not scanned (no allocation). Never throws: should a
 * rule fail, the whole text is reported as PERSON (masked rather than leaked).
 */
export const findNamesAndPlaces = (text: string): FreeTextFinding[] => {
  if (typeof text !== 'string' || text.length === 0 || !worthScanning(text)) return [];
  try {
    const scan = new Scan(text, tokenize(text));
    scan.run();
    return resolveOverlaps(scan.spans);
  } catch {
    return [{ dataClass: 'PERSON', start: 0, end: text.length }];
  }
};
