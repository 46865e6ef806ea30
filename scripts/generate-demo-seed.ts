// Generates db/seed/demo-postgres.sql: deterministic FAKE customers and orders for the demo database.
// Run `npx tsx scripts/generate-demo-seed.ts` after editing; the output is committed.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SEED_CUSTOMERS = 250;
export const SEED_ORDERS = 1000;

/** mulberry32: a tiny seeded PRNG, so the same seed always yields the same file. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Splits a whitespace-separated list. */
const words = (list: string) => list.trim().split(/\s+/);

const FIRST_NAMES = words(`
  Maria James Wei Aisha Olga José Priya Liam Fatima Noah Yuki Emma Mateo Chloé Kwame Sofia Hiroshi
  Amara Lucas Ingrid Omar Zoe Arjun Grace Diego Hannah Mei Samuel Leila Ethan Nadia Oliver Ana Tomás
  Keiko David
`);
const LAST_NAMES = words(`
  Garcia Smith Chen Khan Petrova Hernández Patel O'Brien Okafor Johnson Tanaka Müller Rossi Nguyen
  Williams Kowalski Silva Dubois Mensah Brown Yamamoto Andersson D'Angelo Cohen Martinez Lee Ibrahim
  Taylor Novak Lopez
`);
const DOMAINS = ['example.com', 'example.org', 'example.net'];
const US_PLACES = [
  ['San Francisco', 'CA', '94110', '415'],
  ['New York', 'NY', '10027', '212'],
  ['Chicago', 'IL', '60614', '312'],
  ['Seattle', 'WA', '98103', '206'],
  ['Boston', 'MA', '02134', '617'],
  ['Denver', 'CO', '80205', '303'],
  ['Austin', 'TX', '78704', '512'],
] as const;
const UK_POSTCODES = ['NW1 6XE', 'SE1 7PB', 'E2 8DY', 'WC2B 6AA', 'N1 9GU', 'SW11 4NJ'];
const STREETS = words(`
  Maple Oak Cedar Elm Pine Lake Hill Sunset Mission Park Willow
`);
const US_SUFFIXES = ['Street', 'Avenue', 'Road', 'Boulevard', 'Lane', 'Drive', 'Court'];
const UK_SUFFIXES = ['Road', 'Street', 'Lane', 'Gardens', 'Terrace', 'Mews'];
const PLAIN_NOTES = [
  'Prefers email contact.',
  'VIP - expedite shipping on all orders.',
  'Requested paper invoices.',
  'Interested in the annual plan.',
  'Complained about late delivery in March; offered 10% discount.',
  'Do not call before 10am.',
  'Order #1042 arrived damaged; replacement sent.',
  'Tax exempt certificate pending.',
  'Asked to be removed from the newsletter.',
  'Gift orders go to a different address each December.',
];
const STATUSES = [
  ['paid', 35],
  ['shipped', 35],
  ['pending', 12],
  ['cancelled', 10],
  ['refunded', 8],
] as const;
const YEAR_START = Date.UTC(2025, 0, 1);
const YEAR_END = Date.UTC(2026, 0, 1) - 1000;

/** Appends the Luhn check digit to a string of digits. */
function withLuhnDigit(payload: string): string {
  let sum = 0;
  for (let i = 0; i < payload.length; i++) {
    let d = Number(payload[payload.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return payload + String((10 - (sum % 10)) % 10);
}

function sqlString(value: string | null): string {
  return value === null ? 'NULL' : `'${value.replaceAll("'", "''")}'`;
}

function sqlTimestamp(ms: number): string {
  return `'${new Date(ms).toISOString().replace('T', ' ').replace('.000Z', '+00')}'`;
}

function asciiLower(value: string): string {
  return value
    .normalize('NFD')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase();
}

/** Returns the complete seed SQL; the same output on every call. */
export function generateDemoSeed(seed = 20250101): string {
  const random = prng(seed);
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const digits = (n: number) => Array.from({ length: n }, () => int(0, 9)).join('');
  const chance = (p: number) => random() < p;

  const usPhone = (area: string) => {
    const line = `01${digits(2)}`;
    return pick([
      `+1 ${area} 555 ${line}`,
      `(${area}) 555-${line}`,
      `${area}-555-${line}`,
      `+1${area}555${line}`,
    ]);
  };
  const ukPhone = () => pick([`+44 20 7946 0${digits(3)}`, `020 7946 0${digits(3)}`]);
  const card = () => {
    const kind = pick(['visa', 'visa', 'mastercard', 'mastercard', 'amex']);
    const number =
      kind === 'visa'
        ? withLuhnDigit(`411111${digits(9)}`)
        : kind === 'mastercard'
          ? withLuhnDigit(`555555${digits(9)}`)
          : withLuhnDigit(`3782${digits(10)}`);
    const groups =
      kind === 'amex' ? [number.slice(0, 4), number.slice(4, 10), number.slice(10)] : number.match(/.{4}/g)!;
    const style = random();
    return style < 0.5 ? number : groups.join(style < 0.8 ? ' ' : '-');
  };
  const ssn = () =>
    `${int(900, 999)}-${String(int(1, 99)).padStart(2, '0')}-${String(int(1, 9999)).padStart(4, '0')}`;

  const usedEmails = new Set<string>();
  const customerRows: string[] = [];
  const customerCreated: number[] = [];
  for (let id = 1; id <= SEED_CUSTOMERS; id++) {
    const first = pick(FIRST_NAMES);
    const last = pick(LAST_NAMES);
    const [f, l] = [asciiLower(first), asciiLower(last)];
    let email = '';
    while (email === '' || usedEmails.has(email)) {
      const local = pick([`${f}.${l}${int(1, 99)}`, `${f}.${l}`, `${f[0]}${l}`, `${f}_${l}${int(70, 99)}`]);
      email = `${local}@${pick(DOMAINS)}`;
    }
    usedEmails.add(email);

    const uk = chance(0.15);
    const place = pick(US_PLACES);
    const street = `${pick(STREETS)} ${pick(uk ? UK_SUFFIXES : US_SUFFIXES)}`;
    const address = uk
      ? `${chance(0.4) ? `Flat ${int(1, 12)}, ` : ''}${int(1, 240)} ${street}, London ${pick(UK_POSTCODES)}`
      : `${int(10, 9899)} ${street}${chance(0.25) ? `, Apt ${int(1, 30)}${pick(['A', 'B', 'C'])}` : ''}, ${place[0]}, ${place[1]} ${place[2]}`;
    const phone = chance(0.05) ? null : uk ? ukPhone() : usPhone(place[3]);
    const cardNumber = chance(0.08) ? null : card();

    let notes: string | null = null;
    const kind = random();
    if (kind < 0.35) notes = null;
    else if (kind < 0.65) notes = pick(PLAIN_NOTES);
    else {
      const otherEmail = `${f}.${l}.billing@${pick(DOMAINS)}`;
      notes = pick([
        `Asked us to send invoices to ${otherEmail} instead.`,
        `Call back on ${uk ? ukPhone() : usPhone(place[3])} after 5pm.`,
        `Card ${card()} was declined twice; customer updated billing details.`,
        `Identity verified by phone, SSN ${ssn()} on file.`,
        `Left voicemail at ${uk ? ukPhone() : usPhone(place[3])}; follow up by email ${otherEmail}.`,
        `Paid order #${int(1000, 9999)} over the phone with card ${card()}.`,
      ]);
    }

    const created = int(YEAR_START, YEAR_END - 86_400_000 * 7);
    customerCreated.push(created);
    const values = [
      String(id),
      sqlString(`${first} ${last}`),
      sqlString(email),
      sqlString(phone),
      sqlString(ssn()),
      sqlString(cardNumber),
      sqlString(address),
      sqlString(notes),
      sqlTimestamp(Math.floor(created / 1000) * 1000),
    ];
    customerRows.push(`  (${values.join(', ')})`);
  }

  const statusTotal = STATUSES.reduce((sum, [, weight]) => sum + weight, 0);
  const weightedStatus = () => {
    let roll = random() * statusTotal;
    for (const [status, weight] of STATUSES) {
      roll -= weight;
      if (roll < 0) return status;
    }
    return 'paid';
  };
  const orders = Array.from({ length: SEED_ORDERS }, () => {
    const customerId = int(1, SEED_CUSTOMERS);
    const created = int(customerCreated[customerId - 1]!, YEAR_END);
    const amount = (Math.round(Math.exp(Math.log(5) + random() * Math.log(2500 / 5)) * 100) / 100).toFixed(2);
    return { customerId, created: Math.floor(created / 1000) * 1000, amount, status: weightedStatus() };
  }).sort((a, b) => a.created - b.created);
  const orderRows = orders.map(
    (o, i) =>
      `  (${i + 1}, ${o.customerId}, ${o.amount}, ${sqlString(o.status)}, ${sqlTimestamp(o.created)})`,
  );

  const inserts = (table: string, columns: string, rows: string[]) => {
    const out: string[] = [];
    for (let i = 0; i < rows.length; i += 50) {
      out.push(
        `INSERT INTO ${table} (${columns}) VALUES\n${rows.slice(i, i + 50).join(',\n')}\nON CONFLICT (id) DO NOTHING;`,
      );
    }
    return out.join('\n\n');
  };

  return `-- Demo database "demo-postgres": ${SEED_CUSTOMERS} customers and ${SEED_ORDERS} orders of FAKE data.
-- GENERATED by scripts/generate-demo-seed.ts (seeded PRNG); do not edit by hand.
-- Every value is fictitious: e-mail domains are example.com/.org/.net, US phones use 555-01xx,
-- UK phones use the Ofcom drama range 020 7946 0xxx, SSNs use the never-issued areas 900-999,
-- card numbers are Luhn-valid test numbers (BINs 411111, 555555, 3782).
-- Plain SQL for PostgreSQL 15+ and PGlite; safe to re-run (IF NOT EXISTS / ON CONFLICT DO NOTHING).

BEGIN;

CREATE TABLE IF NOT EXISTS customers (
  id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  full_name text NOT NULL,
  email text NOT NULL,
  phone text,
  ssn text,
  card_number text,
  address text,
  notes text,
  created_at timestamptz NOT NULL
);

CREATE TABLE IF NOT EXISTS orders (
  id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  customer_id integer NOT NULL REFERENCES customers (id),
  amount numeric(10, 2) NOT NULL CHECK (amount >= 0),
  status text NOT NULL CHECK (status IN ('pending', 'paid', 'shipped', 'refunded', 'cancelled')),
  created_at timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS orders_customer_id_idx ON orders (customer_id);

${inserts('customers', 'id, full_name, email, phone, ssn, card_number, address, notes, created_at', customerRows)}

${inserts('orders', 'id, customer_id, amount, status, created_at', orderRows)}

SELECT setval(pg_get_serial_sequence('customers', 'id'), (SELECT max(id) FROM customers));
SELECT setval(pg_get_serial_sequence('orders', 'id'), (SELECT max(id) FROM orders));

ANALYZE customers;
ANALYZE orders;

COMMIT;
`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const target = fileURLToPath(new URL('../db/seed/demo-postgres.sql', import.meta.url));
  writeFileSync(target, generateDemoSeed());
  console.log(`wrote ${target}`);
}
