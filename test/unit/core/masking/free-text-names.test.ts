// The free-text name and address rules, one mechanism at a time: honorifics, labels and cues, list
// hits, street-address forms, postcodes in context, cities, the words that must stay readable, and
// linear work on adversarial inputs.
import {
  findNamesAndPlaces,
  freeTextWork,
  resetFreeTextWork,
} from '../../../../lambdas/core/masking/free-text/names.js';

/** The texts of the spans found, with their classes: "PERSON Maria Santos". */
const found = (text: string): string[] =>
  findNamesAndPlaces(text).map((f) => `${f.dataClass} ${text.slice(f.start, f.end)}`);

/** A text at the start, in the middle and at the end of a sentence. */
const positions = (value: string): string[] => [
  `${value} asked about the refund.`,
  `We wrote to ${value} about the refund.`,
  `The refund was approved; see ${value}`,
];

describe('honorifics', () => {
  it.each([
    ['Mr', 'Mr Hughes disputes the fee.', 'Hughes'],
    ['Mr.', 'Mr. Benedict Osei called.', 'Benedict Osei'],
    ['Mrs', 'Mrs Eleanor Whitfield wrote in.', 'Eleanor Whitfield'],
    ['Ms.', 'Ms. Ortiz prefers mornings.', 'Ortiz'],
    ['Dr', 'Dr Anil Kapoor needs the export.', 'Anil Kapoor'],
    ['Prof.', 'Requested by Prof. Helmut Brandt today.', 'Helmut Brandt'],
    ['Sir', 'Sir Quentin Blake signed it.', 'Quentin Blake'],
    ['Sra.', 'Sra. Lucía Fernández pidió la factura.', 'Lucía Fernández'],
    ['Herr', 'Herr Günther Weiß bittet um Rückruf.', 'Günther Weiß'],
    ['Frau Dr.', 'Frau Dr. Katrin Schäfer hat reklamiert.', 'Katrin Schäfer'],
    ['Mr. and Mrs.', 'Credit for Mr. and Mrs. Delgado.', 'Delgado'],
    ['Mme', 'Mme Dupuis a appelé.', 'Dupuis'],
  ])('%s: the name after it is a person, the title is not masked', (_title, text, name) => {
    expect(found(text)).toEqual([`PERSON ${name}`]);
  });

  it('a title before a lower-case word is no name', () => {
    expect(found('Dr appointments are on the portal.')).toEqual([]);
  });

  it('"Dr" after a number and a street name is the street type', () => {
    expect(found('Ship to 12 Oak Dr, Boise, ID 83702')).toEqual(['LOCATION 12 Oak Dr, Boise, ID 83702']);
  });
});

describe('labels and cues', () => {
  it.each([
    ['Name:', 'Name: Chloe Dubois, account manager.', 'Chloe Dubois'],
    ['Contact:', 'Contact: Samuel Adeyemi', 'Samuel Adeyemi'],
    ['Attn:', 'Attn: Gabriela Moreno, Accounts', 'Gabriela Moreno'],
    ['Caller:', 'Caller: Fiona McAllister. Issue: reset.', 'Fiona McAllister'],
    ['From:', 'From: Claire Beaumont', 'Claire Beaumont'],
    ['Signed,', 'Signed, Thomas Eriksen', 'Thomas Eriksen'],
    ['Thanks,', 'Thanks, Kate', 'Kate'],
    ['Kind regards,', 'Kind regards, Magdalena Nowak', 'Magdalena Nowak'],
    ['--', 'See you then.\n-- Rob', 'Rob'],
    ['spoke with', 'Spoke with Xiomara about the plan.', 'Xiomara'],
    ['called', 'Called Daniel Okafor back.', 'Daniel Okafor'],
    ['daughter', 'His daughter Lily handles payments.', 'Lily'],
    ['Customer', 'Customer Jennifer Walsh says hi.', 'Jennifer Walsh'],
    ['c/o', 'Hand it over c/o Lukas Meier today.', 'Lukas Meier'],
    ['name as', "Caller gave name as 'Bob' on the phone.", 'Bob'],
  ])('%s: the capitalised run after it is a person', (_cue, text, name) => {
    expect(found(text)).toEqual([`PERSON ${name}`]);
  });

  it('a label without its colon is an ordinary word ("From the start")', () => {
    expect(found('From Monday the shop opens early.')).toEqual([]);
  });

  it('a weak cue ("per", "by") needs a listed name after it', () => {
    expect(found('Per Kevin, it ships.')).toEqual(['PERSON Kevin']);
    expect(found('Approved by Finance after review.')).toEqual([]);
  });

  it('a run followed by a speech verb is a person even when no list has it', () => {
    expect(found('Kwame said the payments bounced.')).toEqual(['PERSON Kwame']);
  });

  it('a lower-case given name after a strong cue is a person', () => {
    expect(found('talked to steve, he said it is blank')).toEqual(['PERSON steve']);
    expect(found('the son, tyler, placed it')).toEqual(['PERSON tyler']);
  });

  it('a lower-case given name and surname together are a person', () => {
    expect(found('new contact is rosa delgado')).toEqual(['PERSON rosa delgado']);
  });

  it('a handle of an initial and a listed surname is a person, an e-mail is not', () => {
    expect(found('Assigned to j.morales today.')).toEqual(['PERSON j.morales']);
    expect(found('Mail j.morales@example.com')).toEqual([]);
  });
});

describe('list hits', () => {
  it.each(['Maria Santos', 'Priya Natarajan', 'Oluwaseun Bakare', 'Nguyen Van Thanh', 'Hiroshi Tanaka'])(
    '%s is a person at the start, in the middle and at the end of a sentence',
    (name) => {
      for (const text of positions(name)) expect(found(text)).toEqual([`PERSON ${name}`]);
    },
  );

  it('a name keeps its particles and initials', () => {
    expect(found('Cliente João Pedro da Silva pediu.')).toEqual(['PERSON João Pedro da Silva']);
    expect(found('Renata Fuentes de la Cruz asked.')).toEqual(['PERSON Renata Fuentes de la Cruz']);
    expect(found('J. P. Morgan asked for a callback.')).toEqual(['PERSON J. P. Morgan']);
  });

  it('a possessive is left outside the name', () => {
    expect(found("June Park's plan lapses.")).toEqual(['PERSON June Park']);
  });

  it('an ambiguous given name needs a listed surname after it', () => {
    expect(found('Will Turner called. Will follow up Friday.')).toEqual(['PERSON Will Turner']);
    expect(found('Mark as resolved once confirmed.')).toEqual([]);
    expect(found('Mercedes Ruiz leases a Mercedes.')).toEqual(['PERSON Mercedes Ruiz']);
    expect(found('April Nguyen renewed in April.')).toEqual(['PERSON April Nguyen']);
  });

  it('upper-case text is read through the lists', () => {
    expect(found('CUSTOMER JOHN SMITH CALLED RE INVOICE')).toEqual(['PERSON JOHN SMITH']);
  });

  it('brands and companies that look like names stay readable', () => {
    expect(found('The Morgan Stanley integration needs a key.')).toEqual([]);
    expect(found('Marks & Spencer gift card not accepted.')).toEqual([]);
    expect(found('Invoice addressed to Sullivan Plumbing Ltd.')).toEqual([]);
    expect(found('Ordered a Stanley cup and a Parker pen.')).toEqual([]);
  });

  it('a couple joined by "&" are people', () => {
    expect(found('Mia & Noah Fischer share it.')).toEqual(['PERSON Mia', 'PERSON Noah Fischer']);
  });
});

describe('street addresses', () => {
  it.each([
    ['number, words, suffix', '221B Baker Street, London NW1 6XE'],
    ['abbreviated suffix and state', '1600 Pennsylvania Ave NW, Washington, DC 20500'],
    ['unit first', 'Flat 3, 27 Kingsley Avenue, Leeds LS6 2AB'],
    ['unit after', '455 Maple Ave, Apt 12, Toronto, ON M5V 2T6'],
    ['slash unit', '3/27 Beach Rd, Bondi NSW 2026'],
    ['several street-type words', '5 Harbour View Road, Auckland 1010'],
    ['French', '8 Rue des Lilas, 69003 Lyon'],
    ['Spanish', 'Calle de Alcalá 123, 3º B, 28009 Madrid'],
    ['Portuguese', 'Rua Augusta 1520, apto 42, São Paulo - SP, 01304-001'],
    ['Italian', 'Via Garibaldi 45, 10122 Torino'],
    ['German', 'Hauptstraße 5, 10115 Berlin'],
    ['German abbreviated', 'Kaiserstr. 7, 60311 Frankfurt am Main'],
    ['Swedish', 'Storgatan 12, Stockholm'],
    ['Polish', 'ul. Marszałkowska 84/92, 00-514 Warszawa'],
    ['PO box', 'PO Box 4471, Anchorage, AK 99509'],
  ])('%s: the whole address is one location, wherever it stands', (_form, address) => {
    for (const text of [`${address}`, `Please ship to ${address} today.`, `New address: ${address}`]) {
      expect(found(text)).toEqual([`LOCATION ${address}`]);
    }
  });

  it('a street with no number after a place word is a location', () => {
    expect(found('Lives on Maple Drive near the school.')).toEqual(['LOCATION Maple Drive']);
  });

  it('an ordinal street is a location', () => {
    expect(found('the office on 3rd street is closed')).toEqual(['LOCATION 3rd street']);
  });

  it('an address stops at a sentence end after its street type', () => {
    expect(found('Returned from 10 Downing St. Customer claims a prank.')).toEqual([
      'LOCATION 10 Downing St',
    ]);
  });

  it('numbers before ordinary words are no address', () => {
    expect(found('Order #1042 arrived damaged; replacement sent.')).toEqual([]);
    expect(found('We shipped 3 boxes on the way out.')).toEqual([]);
  });
});

describe('postcodes in context', () => {
  it.each([
    ['a US ZIP after a state code', 'Lives in Springfield, OR 97477 now.', 'Springfield, OR 97477'],
    ['a UK postcode', 'Moved near Leeds LS6 2AB last year.', 'Leeds LS6 2AB'],
    ['a Canadian postcode', 'Mail goes to Toronto, ON M5V 2T6 now.', 'Toronto, ON M5V 2T6'],
    ['a German postcode before a city', 'Wohnt jetzt in 10115 Berlin.', '10115 Berlin'],
    ['a labelled ZIP', 'billing zip 98103 does not match', '98103'],
  ])('%s is a location', (_form, text, span) => {
    expect(found(text)).toContain(`LOCATION ${span}`);
  });

  it('five digits before an ordinary capitalised word are no postcode', () => {
    expect(found('Ticket 12345 Resolved by the bot.')).toEqual([]);
  });
});

describe('cities', () => {
  it('a city of the list is a location', () => {
    expect(found('Originally from Lagos, now living in Houston.')).toEqual([
      'LOCATION Lagos',
      'LOCATION Houston',
    ]);
    expect(found('Package stuck in the Memphis hub.')).toEqual(['LOCATION Memphis']);
  });

  it('a city that is also a name or a word needs a place word before it', () => {
    expect(found('Wants the Madison chair.')).toEqual([]);
    expect(found('Nice work on the fix.')).toEqual([]);
    expect(found('Customer lives in Madison.')).toEqual(['LOCATION Madison']);
  });

  it('a city takes the state or region after it', () => {
    expect(found('Customer lives in Paris, Texas.')).toEqual(['LOCATION Paris, Texas']);
  });

  it('a place no list knows is a location after "lives near"', () => {
    expect(found('Lives near Lake Tahoe, signal is weak.')).toEqual(['LOCATION Lake Tahoe']);
  });
});

describe('words that stay readable', () => {
  it.each([
    'Gift orders go out on Tuesdays from the warehouse.',
    'Order #1042 arrived damaged; replacement sent.',
    'Tax exempt certificate is on file until 2026.',
    'Premium Support renewal is due in March.',
    'Great Service, Fast Delivery, Will Order Again',
    'Checked with Legal; the clause stays.',
    'Hope to close this by Thursday.',
    'May we close this ticket? No response since August.',
    'VIP account. SLA is 4 hours. Do not auto-close.',
    'Apple Pay declined twice, Google Pay worked.',
    'Windows 11 update broke the VPN client.',
  ])('%s', (text) => {
    expect(found(text)).toEqual([]);
  });
});

describe('fast exit and failure', () => {
  it('a text with no capital, no digit and no name-like word is not scanned', () => {
    resetFreeTextWork();
    expect(findNamesAndPlaces('no answer, left voicemail')).toEqual([]);
    expect(freeTextWork()).toBe('no answer, left voicemail'.length + 1);
  });

  it('the empty string and non-strings find nothing', () => {
    expect(findNamesAndPlaces('')).toEqual([]);
    expect(findNamesAndPlaces(42 as unknown as string)).toEqual([]);
  });

  it('findings are sorted and do not overlap', () => {
    const spans = findNamesAndPlaces(
      'Spoke with Maria Santos at 42 Rua Augusta 1520, Lisboa; cc Dr. Kapoor.',
    );
    for (let i = 1; i < spans.length; i++) expect(spans[i]!.start).toBeGreaterThanOrEqual(spans[i - 1]!.end);
  });
});

const N = 100_000;
/** Steps per input character the rules may take, at most. */
const STEPS_PER_CHAR = 60;

/** Adversarial inputs, built for a given size. */
const ADVERSARIAL: Record<string, (n: number) => string> = {
  'capitalised words': (n) => 'Maria '.repeat(n / 6),
  'one long capitalised word': (n) => `M${'a'.repeat(n - 1)}`,
  'honorifics without names': (n) => 'Mr. '.repeat(n / 4),
  'honorific chains': (n) => 'Mr. and Mrs. '.repeat(n / 13),
  'labels without values': (n) => 'Name: '.repeat(n / 6),
  'cues and particles': (n) => 'spoke with de la '.repeat(n / 17),
  initials: (n) => 'J. '.repeat(n / 3),
  'house numbers': (n) => '12 '.repeat(n / 3),
  'numbers and words without a suffix': (n) => '12 Oak '.repeat(n / 7),
  'street types only': (n) => 'Street Road '.repeat(n / 12),
  'addresses back to back': (n) => '12 Oak St, '.repeat(n / 11),
  'street prefixes without numbers': (n) => 'Rua Calle Via '.repeat(n / 14),
  'compound streets without numbers': (n) => 'Hauptstraße '.repeat(n / 12),
  'postcode halves': (n) => 'LS6 '.repeat(n / 4),
  'state codes and digits': (n) => 'OR 9747 '.repeat(n / 8),
  'city words': (n) => 'New York '.repeat(n / 9),
  'apostrophes and hyphens': (n) => "O'-".repeat(n / 3),
  'hyphenated word': (n) => 'a-'.repeat(n / 2),
  'lower-case given names': (n) => 'steve '.repeat(n / 6),
  'dots and commas': (n) => '.,'.repeat(n / 2),
  'upper-case names': (n) => 'JOHN SMITH '.repeat(n / 11),
  ampersands: (n) => 'Marks & '.repeat(n / 8),
};

describe('linear time on adversarial inputs', () => {
  it.each(Object.keys(ADVERSARIAL))('%s', (name) => {
    const build = ADVERSARIAL[name]!;
    const workOf = (text: string): number => {
      resetFreeTextWork();
      findNamesAndPlaces(text);
      return freeTextWork();
    };
    const small = build(N / 4);
    const large = build(N);
    const smallWork = workOf(small);
    const largeWork = workOf(large);
    expect(smallWork).toBeGreaterThanOrEqual(small.length);
    expect(largeWork).toBeLessThanOrEqual(STEPS_PER_CHAR * large.length);
    // 4× the input, about 4× the work (not 16×).
    expect(largeWork).toBeLessThanOrEqual(4.5 * smallWork + 1000);
  });
});
