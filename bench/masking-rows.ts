// Synthetic rows for the masking bench: 8 columns of realistic, digit-heavy strings (order
// numbers, names, e-mail addresses, phones, card numbers, statuses, addresses, notes holding PII
// in about half), the same rows on every run.
import type { ResultSet } from '../lambdas/core/ports.js';

/** mulberry32: a small seeded PRNG, so every run masks the same rows. */
const prng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const FIRST = ['Ethan', 'Priya', 'Yuki', 'Oliver', 'Amara', 'Lucas', 'Fatima', 'Mateo', 'Grace', 'Omar'];
const LAST = ['Garcia', "O'Brien", 'Williams', 'Khan', 'Rossi', 'Okafor', 'Tanaka', 'Müller', 'Novak', 'Lee'];
const STREETS = ['Willow Boulevard', 'Mission Road', 'Cedar Street', 'Hill Court', 'Maple Drive'];
const CITIES = ['Denver, CO 80205', 'Seattle, WA 98103', 'Boston, MA 02134', 'London N1 9GU'];
const STATUSES = ['pending', 'paid', 'shipped', 'refunded', 'cancelled'];
const PLAIN_NOTES = [
  'Gift orders go to a different address each December.',
  'VIP - expedite shipping on all orders.',
  'Order #1042 arrived damaged; replacement sent.',
  'Tax exempt certificate pending.',
];

/** A Luhn-valid 16-digit test card number on a test BIN. */
const cardNumber = (random: () => number): string => {
  const digits = [...(random() < 0.5 ? '411111' : '555555')].map(Number);
  while (digits.length < 15) digits.push(Math.floor(random() * 10));
  const sum = digits
    .slice()
    .reverse()
    .reduce((s, d, i) => s + (i % 2 === 0 ? (d * 2 > 9 ? d * 2 - 9 : d * 2) : d), 0);
  digits.push((10 - (sum % 10)) % 10);
  const text = digits.join('');
  return random() < 0.5 ? text : text.replace(/(\d{4})(?=\d)/g, '$1 ');
};

const phone = (random: () => number): string => {
  const n = String(100 + Math.floor(random() * 100)).slice(1);
  const area = ['303', '206', '617', '212'][Math.floor(random() * 4)]!;
  return [`(${area}) 555-01${n}`, `+1 ${area} 555 01${n}`, `${area}-555-01${n}`, `+44 20 7946 0${n}1`][
    Math.floor(random() * 4)
  ]!;
};

/** Columns of the synthetic result; four of them classified on the lineage path. */
const SYNTHETIC_COLUMNS = [
  'order_ref',
  'full_name',
  'email',
  'phone',
  'card_number',
  'status',
  'address',
  'notes',
];
export const SYNTHETIC_CLASSIFIED: Readonly<Record<string, string>> = {
  'people.full_name': 'PERSON',
  'people.email': 'EMAIL_ADDRESS',
  'people.phone': 'PHONE_NUMBER',
  'people.card_number': 'CREDIT_CARD',
};

/** `rows` × 8 columns of strings: plain text, e-mails, phones, cards, notes with PII in about half. */
export const syntheticResult = (rows: number): ResultSet => {
  const random = prng(20_260_101);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const data = Array.from({ length: rows }, (_, i) => {
    const first = pick(FIRST);
    const last = pick(LAST);
    const email = `${first}.${last.replace(/\W/g, '')}${i % 100}@example.com`.toLowerCase();
    const r = random();
    const notes =
      r < 0.5
        ? pick(PLAIN_NOTES)
        : r < 0.7
          ? `Left voicemail at ${phone(random)}; follow up by email ${first.toLowerCase()}.billing@example.org.`
          : r < 0.85
            ? `Card ${cardNumber(random)} was declined twice; customer updated billing details.`
            : `Identity verified by phone, SSN 123-45-${String(1000 + (i % 9000))} on file.`;
    return [
      `ORD-${String(i).padStart(6, '0')}`,
      `${first} ${last}`,
      email,
      phone(random),
      cardNumber(random),
      pick(STATUSES),
      `${100 + Math.floor(random() * 9000)} ${pick(STREETS)}, ${pick(CITIES)}`,
      notes,
    ];
  });
  return {
    columns: SYNTHETIC_COLUMNS.map((name) => ({ name, type: 'text' })),
    rows: data,
    rowCount: rows,
    truncated: false,
  };
};
