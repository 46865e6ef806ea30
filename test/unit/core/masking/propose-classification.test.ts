import {
  type CatalogueColumn,
  classFromName,
  classificationKey,
  combine,
  proposeClassification,
} from '../../../../lambdas/core/masking/propose-classification.js';

const col = (column: string, dataType = 'text', table = 'customers', schema = 'public'): CatalogueColumn => ({
  schema,
  table,
  column,
  dataType,
});

const emails = Array.from({ length: 20 }, (_, i) => `person${i}@example.com`);
const cards = ['4111111111111111', '5555 5555 5555 4444', '4111-1111-1111-1111', '378282246310005'];
const notes = [
  'Call back on (303) 555-0129 after 5pm please.',
  'Asked us to send invoices to billing.dept@example.org instead.',
  'Gift orders go to a different address each December.',
  'VIP customer, expedite shipping on every single order.',
];

describe('proposeClassification', () => {
  it('proposes classes from column names alone', () => {
    const proposal = proposeClassification(
      [
        col('email'),
        col('e_mail'),
        col('mobile'),
        col('ssn'),
        col('cc_number'),
        col('iban'),
        col('full_name'),
        col('last_name'),
        col('name'),
        col('street'),
        col('postcode'),
        col('comment'),
        col('api_key'),
        col('password'),
      ],
      {},
    );
    expect(Object.fromEntries(Object.entries(proposal).map(([k, p]) => [k, p.dataClass]))).toEqual({
      'customers.email': 'EMAIL_ADDRESS',
      'customers.e_mail': 'EMAIL_ADDRESS',
      'customers.mobile': 'PHONE_NUMBER',
      'customers.ssn': 'US_SSN',
      'customers.cc_number': 'CREDIT_CARD',
      'customers.iban': 'IBAN_CODE',
      'customers.full_name': 'PERSON',
      'customers.last_name': 'PERSON',
      'customers.name': 'PERSON',
      'customers.street': 'LOCATION',
      'customers.postcode': 'LOCATION',
      'customers.comment': 'FREE_TEXT',
      'customers.api_key': 'SECRET',
      'customers.password': 'SECRET',
    });
    for (const p of Object.values(proposal)) {
      expect(p.confidence).toBe('name');
      expect(p.evidence).toMatch(/^name: column '/);
    }
  });

  it('does not read qualifiers, booleans, timestamps or product names as data', () => {
    expect(
      proposeClassification(
        [
          col('customer_id', 'integer'),
          col('email_verified', 'boolean'),
          col('card_type'),
          col('token_count', 'integer'),
          col('mail_sent_at', 'timestamp with time zone'),
          col('ip_address'),
          col('name', 'text', 'products'),
          col('sku'),
        ],
        {},
      ),
    ).toEqual({});
  });

  it('keys columns outside public with their schema, and leaves out names it cannot key', () => {
    const proposal = proposeClassification([col('email', 'text', 'users', 'crm'), col('Email')], {});
    expect(Object.keys(proposal)).toEqual(['crm.users.email']);
    expect(classificationKey(col('Email'))).toBeUndefined();
  });

  it('proposes classes from values where the name says nothing', () => {
    const proposal = proposeClassification([col('contact'), col('c1', 'character varying'), col('remark2')], {
      'customers.contact': [...emails, 'n/a', 'unknown'],
      'customers.c1': cards,
      'customers.remark2': notes,
    });
    expect(proposal['customers.contact']).toEqual({
      dataClass: 'EMAIL_ADDRESS',
      confidence: 'values',
      evidence: 'values: 20 of 22 sampled values are EMAIL_ADDRESS',
    });
    expect(proposal['customers.c1']).toMatchObject({ dataClass: 'CREDIT_CARD', confidence: 'values' });
    expect(proposal['customers.remark2']).toMatchObject({ dataClass: 'FREE_TEXT', confidence: 'values' });
    expect(proposal['customers.remark2']!.evidence).toContain(
      '2 of 4 sampled values contain detected values',
    );
  });

  it('needs at least half of the non-null samples to propose a class from values', () => {
    const proposal = proposeClassification([col('contact')], {
      'customers.contact': ['a@example.com', null, 'x', 'y', 'z', null],
    });
    expect(proposal).toEqual({});
  });

  it('says both when name and values agree', () => {
    const proposal = proposeClassification([col('email'), col('notes'), col('card_number')], {
      'customers.email': emails,
      'customers.notes': notes,
      'customers.card_number': cards,
    });
    expect(proposal['customers.email']).toMatchObject({ dataClass: 'EMAIL_ADDRESS', confidence: 'both' });
    expect(proposal['customers.notes']).toMatchObject({ dataClass: 'FREE_TEXT', confidence: 'both' });
    expect(proposal['customers.card_number']).toMatchObject({ dataClass: 'CREDIT_CARD', confidence: 'both' });
  });

  it('lets whole values outweigh a name, and a whole-value name outweigh fragments', () => {
    expect(proposeClassification([col('phone')], { 'customers.phone': emails })['customers.phone']).toEqual({
      dataClass: 'EMAIL_ADDRESS',
      confidence: 'values',
      evidence:
        "values: 20 of 20 sampled values are EMAIL_ADDRESS; name: column 'phone' (phone) would suggest PHONE_NUMBER",
    });
    expect(
      combine(
        { dataClass: 'SECRET', evidence: "name: column 'secret' (secret)" },
        { dataClass: 'FREE_TEXT', evidence: 'values: 1 of 2 sampled values contain detected values' },
      ),
    ).toMatchObject({ dataClass: 'SECRET', confidence: 'name' });
  });

  it('proposes nothing for plain columns with plain values', () => {
    expect(
      proposeClassification([col('status'), col('amount', 'numeric'), col('created_at', 'timestamp')], {
        'customers.status': ['paid', 'shipped', 'pending'],
        'customers.amount': ['12.50', '300.00'],
        'customers.created_at': ['2025-04-03 12:49:20+00'],
      }),
    ).toEqual({});
    expect(classFromName(col('status'))).toBeUndefined();
  });

  it('never puts a sampled value into the evidence', () => {
    const samples = {
      'customers.email': emails,
      'customers.contact': emails,
      'customers.notes': notes,
      'customers.card_number': cards,
      'customers.phone': emails,
    };
    const proposal = proposeClassification(
      [col('email'), col('contact'), col('notes'), col('card_number'), col('phone')],
      samples,
    );
    const text = JSON.stringify(proposal);
    for (const value of Object.values(samples).flat()) {
      expect(text).not.toContain(value);
      for (const fragment of value.match(/[\w.@+-]{6,}/g) ?? []) {
        if (!/^[a-z]+$/i.test(fragment)) expect(text).not.toContain(fragment);
      }
    }
    expect(text).not.toMatch(/@example|555|4111/);
  });
});
