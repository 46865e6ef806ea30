// detectors: each value detector's matches and non-matches, and findAll's choice among overlapping findings.
import {
  awsAccessKeyDetector,
  creditCardDetector,
  DEFAULT_DETECTORS,
  emailDetector,
  findAll,
  ibanDetector,
  ibanValid,
  jwtDetector,
  labelledSecretDetector,
  luhnValid,
  phoneDetector,
  privateKeyDetector,
  secretLabelKind,
  ssnDetector,
} from '../../../../lambdas/core/masking/detectors.js';
import type { Detector } from '../../../../lambdas/core/masking/types.js';

/** The matched substrings. */
const found = (detector: Detector, text: string): string[] =>
  detector.find(text).map((f) => text.slice(f.start, f.end));

/** Things no numeric detector may match. */
const NUMERIC_NEGATIVES = [
  '2024-01-15',
  '15/01/2024',
  '2024-01-15 10:30:00',
  '2024-01-15T10:30:00Z',
  'ORD-2024-000123',
  'order #100234567',
  'v1.2.3',
  'version 10.15.7.1234',
  '123e4567-e89b-12d3-a456-426614174000',
  '4155550199',
  '1234567890123456',
  '4111111111111112',
  '192.168.100.200',
  'total 1,234,567.89',
  'abc4111111111111111',
];

describe('emailDetector', () => {
  it.each([
    ['mail maria.garcia42@example.com now', 'maria.garcia42@example.com'],
    ['<John.Doe+tag@Mail.Example.co.uk>', 'John.Doe+tag@Mail.Example.co.uk'],
    ['mailto:a_b-c%d@sub-domain.example.org.', 'a_b-c%d@sub-domain.example.org'],
    ['"x@example.io",', 'x@example.io'],
    ['name@xn--p1ai.xn--p1ai', 'name@xn--p1ai.xn--p1ai'],
  ])('finds %j', (text, expected) => {
    expect(found(emailDetector, text)).toEqual([expected]);
  });

  it('finds several', () => {
    expect(found(emailDetector, 'a@b.co, c@d.com; e@f.net')).toEqual(['a@b.co', 'c@d.com', 'e@f.net']);
  });

  it.each([
    'user@localhost',
    '@example.com',
    'user@',
    'user@.com',
    'user@example.c',
    'user@example.123',
    'a..b@example.com',
    'not an email @ all',
    `${'a'.repeat(65)}@example.com`,
    '@@@',
  ])('does not match %j', (text) => {
    expect(found(emailDetector, text)).toEqual([]);
  });
});

describe('phoneDetector', () => {
  it.each([
    '+14155550123',
    '+1 415 555 0123',
    '+1-415-555-0123',
    '+1 (415) 555-0123',
    '(415) 555-0199',
    '(415)555-0199',
    '415-555-0199',
    '415.555.0199',
    '415 555 0199',
    '1-415-555-0199',
    '+44 20 7946 0018',
    '+442079460018',
    '020 7946 0018',
    '07700 900123',
    '+33 1 23 45 67 89',
    // Recall beats validity: North American numbers that break the assignment rules.
    '123-456-7890',
    '415-155-0199',
    '555-012-3456',
    '(123) 456-7890',
    // Dotted, national and international forms.
    '555.123.4567',
    '(0)20 7946 0958',
    '020 7946 0958',
    '06 12 34 56 78',
    '030 12345678',
    '+44 20 7946 0958',
    '+44 (0)20 7946 0958',
    '+55 11 91234-5678',
    '0044 20 7946 0958',
    '+49 30 12345678',
    '+91 98765 43210',
  ])('finds %j', (phone) => {
    expect(found(phoneDetector, `call ${phone} today`)).toEqual([phone]);
  });

  it.each([
    ...NUMERIC_NEGATIVES,
    '+1234567', // too short
    '415-555-0199-22', // part of a longer dashed token
    'ID-415-555-0199',
    '12345 67890',
    '2024 01 15 1030',
    '00012345678',
  ])('does not match %j', (text) => {
    expect(found(phoneDetector, text)).toEqual([]);
  });

  it('stops before a trailing space-separated number', () => {
    expect(found(phoneDetector, 'call 415-555-0199 2 times')).toEqual(['415-555-0199']);
  });
});

describe('ssnDetector', () => {
  it.each(['123-45-6789', '123 45 6789', '078-05-1121', '899-99-9999'])('finds %j', (ssn) => {
    expect(found(ssnDetector, `SSN: ${ssn}.`)).toEqual([ssn]);
  });

  // Recall beats validity: the dashed 3-2-4 shape is an SSN whatever the SSA rules say.
  it.each(['000-12-3456', '666-12-3456', '123-00-4567', '123-45-0000', '987-65-4321'])(
    'finds the dashed %j without a label',
    (ssn) => {
      expect(found(ssnDetector, `ref ${ssn} ok`)).toEqual([ssn]);
    },
  );

  it.each([
    ['SSN: 000 12 3456', '000 12 3456'],
    ['ssn 123456789', '123456789'],
    ['Social Security No. 666 12 3456', '666 12 3456'],
    ['social security number: 987654321', '987654321'],
    ['SSN#123.45.6789', '123.45.6789'],
    ['ITIN 912-70-1234', '912-70-1234'],
  ])('finds a labelled SSN in %j whatever its validity', (text, ssn) => {
    expect(found(ssnDetector, text)).toEqual([ssn]);
  });

  it.each([
    ...NUMERIC_NEGATIVES,
    '000 12 3456', // spaced and invalid, unlabelled
    '666 12 3456',
    '123 00 4567',
    '123456789',
    'order 123456789',
    '123-45 6789', // mixed separators
    '1-123-45-6789',
    '123-45-6789-1',
    '123-45-67890',
  ])('does not match %j', (text) => {
    expect(found(ssnDetector, text)).toEqual([]);
  });
});

describe('creditCardDetector', () => {
  it.each([
    '4111 1111 1111 1111',
    '4111-1111-1111-1111',
    '4111111111111111',
    '5555 5555 5555 4444',
    '2223003122003222',
    '378282246310005',
    '3782 822463 10005',
    '6011111111111117',
    '3056930009020004',
    '3530111333300000',
    '4222222222222',
    '6200000000000005',
  ])('finds %j', (card) => {
    expect(found(creditCardDetector, `card: ${card}, thanks`)).toEqual([card]);
  });

  it.each([
    ...NUMERIC_NEGATIVES,
    '4111 1111 1111 1112', // Luhn fails
    '1111111111111117', // Luhn ok, no issuer starts with 1
    '9111111111111111',
    '4111 1111-1111 1111', // mixed separators
    '41 11 11 11 11 11 11 11', // groups of two
    '41111111111111111111', // 20 digits
    '3.4111111111111111',
  ])('does not match %j', (text) => {
    expect(found(creditCardDetector, text)).toEqual([]);
  });

  it('luhnValid', () => {
    expect(luhnValid('79927398713')).toBe(true);
    expect(luhnValid('79927398710')).toBe(false);
    expect(luhnValid('')).toBe(false);
    expect(luhnValid('4111-1111')).toBe(false);
  });
});

describe('ibanDetector', () => {
  it.each([
    'DE89 3704 0044 0532 0130 00',
    'DE89370400440532013000',
    'GB82 WEST 1234 5698 7654 32',
    'GB82WEST12345698765432',
    'FR14 2004 1010 0505 0001 3M02 606',
    'NL91ABNA0417164300',
    'CH93 0076 2011 6238 5295 7',
    'NO93 8601 1117 947',
    'gb82west12345698765432',
  ])('finds %j', (iban) => {
    expect(found(ibanDetector, `IBAN: ${iban}; ok`)).toEqual([iban]);
  });

  it.each([
    'DE89 3704 0044 0532 0130 01', // checksum
    'DE88370400440532013000', // check digits
    'GB82WEST1234569876543', // too short for GB
    'GB82WEST123456987654321', // too long
    'XX82WEST12345698765432', // no such country
    'DE89 3704 0044 0532 013000', // bad grouping
    'ABCDE89370400440532013000',
  ])('does not match %j', (text) => {
    expect(found(ibanDetector, text)).toEqual([]);
  });

  it('ibanValid', () => {
    expect(ibanValid('DE89 3704 0044 0532 0130 00')).toBe(true);
    expect(ibanValid('DE89 3704 0044 0532 0130 01')).toBe(false);
    expect(ibanValid('')).toBe(false);
  });
});

describe('secret detectors', () => {
  it('AWS access key ids', () => {
    expect(found(awsAccessKeyDetector, 'key AKIAIOSFODNN7EXAMPLE and ASIAY34FZKBOKMUTVV7A.')).toEqual([
      'AKIAIOSFODNN7EXAMPLE',
      'ASIAY34FZKBOKMUTVV7A',
    ]);
    for (const text of [
      'AKIAIOSFODNN7EXAMPL',
      'AKIAIOSFODNN7EXAMPLEX',
      'XAKIAIOSFODNN7EXAMPLE',
      'AKIAiosfodnn7example',
    ]) {
      expect(found(awsAccessKeyDetector, text)).toEqual([]);
    }
  });

  const jwt =
    'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';

  it('JWTs', () => {
    expect(found(jwtDetector, `Authorization: Bearer ${jwt}\n`)).toEqual([jwt]);
    expect(found(jwtDetector, `"${jwt}"`)).toEqual([jwt]);
    const unsigned = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.';
    expect(found(jwtDetector, unsigned)).toEqual([unsigned]);
    for (const text of [
      'eyJhbGciOiJIUzI1NiJ9',
      'eyJhbGciOiJIUzI1NiJ9.abc.def',
      'xeyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIx.abc',
      'eyJ.eyJ.x',
    ]) {
      expect(found(jwtDetector, text)).toEqual([]);
    }
  });

  const pem =
    '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi\nZ1BjP5CE/Wm/Rr500P\n-----END RSA PRIVATE KEY-----';

  it('PEM private keys', () => {
    expect(found(privateKeyDetector, `key:\n${pem}\nnext`)).toEqual([pem]);
    const pkcs8 = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg==\n-----END PRIVATE KEY-----';
    const openssh =
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----';
    expect(found(privateKeyDetector, `${pkcs8} and ${openssh}`)).toEqual([pkcs8, openssh]);
    // Truncated: header and key material, fail closed.
    expect(found(privateKeyDetector, '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBk\nAbc+/=\n')).toEqual([
      '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBk\nAbc+/=',
    ]);
    // Public keys and certificates are not secrets.
    expect(found(privateKeyDetector, '-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----')).toEqual(
      [],
    );
    expect(found(privateKeyDetector, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----')).toEqual(
      [],
    );
  });

  it.each([
    [
      'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    ],
    [
      'AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"',
      'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    ],
    ['password=hunter22', 'hunter22'],
    ['DB_PASSWORD: "correct horse battery"', 'correct horse battery'],
    ['{"password": "s3cr3t!"}', 's3cr3t!'],
    ['"api_key": "sk_live_4eC39HqLyjWDarjtT1zdp7dc"', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc'],
    ['x-api-key: 9f86d081884c7d659a2feaa0c55ad015', '9f86d081884c7d659a2feaa0c55ad015'],
    ['GITHUB_TOKEN=ghp_16C7e42F292c6912E7710c838347Ae178B4a', 'ghp_16C7e42F292c6912E7710c838347Ae178B4a'],
    ['client_secret => "Zm9vYmFyYmF6cXV4cXV1eDEyMzQ1Njc4"', 'Zm9vYmFyYmF6cXV4cXV1eDEyMzQ1Njc4'],
    ['Authorization: Bearer abcDEF123ghiJKL456mnoPQR789', 'abcDEF123ghiJKL456mnoPQR789'],
    ['https://x.test/cb?access_token=Qm9iIHNheXMgaGkgdG8gQWxpY2U&x=1', 'Qm9iIHNheXMgaGkgdG8gQWxpY2U'],
  ])('labelled secret in %j', (text, value) => {
    expect(found(labelledSecretDetector, text)).toEqual([value]);
  });

  it.each([
    'token=abc',
    'token=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    'next_page_token=2024011500000000',
    'max_tokens=4096',
    'password=null',
    'password: ********',
    `password=${'$'}{DB_PASSWORD}`,
    'password',
    'the secret is out',
    'tokenizer=bert-base-uncased-whole-word',
  ])('no labelled secret in %j', (text) => {
    expect(found(labelledSecretDetector, text)).toEqual([]);
  });

  it('secretLabelKind', () => {
    expect(secretLabelKind('DB_PASSWORD')).toBe('password');
    expect(secretLabelKind('apiKey')).toBe('token');
    expect(secretLabelKind('aws_secret_access_key')).toBe('token');
    expect(secretLabelKind('password_changed_at')).toBeUndefined();
    expect(secretLabelKind('name')).toBeUndefined();
  });
});

describe('findAll', () => {
  it('finds every class in the demo notes, in order', () => {
    const text =
      'Call me at (415) 555-0199 or mail maria.garcia42@example.com; card 4111 1111 1111 1111, SSN 123-45-6789';
    expect(findAll(text).map((f) => [f.dataClass, text.slice(f.start, f.end)])).toEqual([
      ['PHONE_NUMBER', '(415) 555-0199'],
      ['EMAIL_ADDRESS', 'maria.garcia42@example.com'],
      ['CREDIT_CARD', '4111 1111 1111 1111'],
      ['US_SSN', '123-45-6789'],
    ]);
  });

  it('returns non-overlapping findings, the longest winning', () => {
    const text = 'password=maria@example.com token: AKIAIOSFODNN7EXAMPLE1234567890abcdefXYZ';
    const findings = findAll(text);
    for (let i = 1; i < findings.length; i++)
      expect(findings[i]!.start).toBeGreaterThanOrEqual(findings[i - 1]!.end);
    expect(findings.map((f) => [f.dataClass, text.slice(f.start, f.end)])).toEqual([
      ['SECRET', 'maria@example.com'],
      ['SECRET', 'AKIAIOSFODNN7EXAMPLE1234567890abcdefXYZ'],
    ]);
  });

  it('resolves ties by detector order, deterministically', () => {
    const a: Detector = { dataClass: 'A', find: () => [{ dataClass: 'A', start: 0, end: 4 }] };
    const b: Detector = {
      dataClass: 'B',
      find: () => [
        { dataClass: 'B', start: 0, end: 4 },
        { dataClass: 'B', start: 2, end: 8 },
      ],
    };
    expect(findAll('0123456789', [a, b])).toEqual([{ dataClass: 'B', start: 2, end: 8 }]);
    const c: Detector = { dataClass: 'C', find: () => [{ dataClass: 'C', start: 5, end: 9 }] };
    expect(findAll('0123456789', [a, c])).toEqual([
      { dataClass: 'A', start: 0, end: 4 },
      { dataClass: 'C', start: 5, end: 9 },
    ]);
    expect(findAll('0123456789', [c, a])).toEqual(findAll('0123456789', [a, c]));
  });

  it('clamps findings to the text and handles empty input', () => {
    const wild: Detector = { dataClass: 'W', find: () => [{ dataClass: 'W', start: -5, end: 99 }] };
    expect(findAll('abc', [wild])).toEqual([{ dataClass: 'W', start: 0, end: 3 }]);
    expect(findAll('')).toEqual([]);
    expect(findAll(undefined as unknown as string)).toEqual([]);
  });

  it('finds nothing in ordinary text and identifiers', () => {
    const text = `${NUMERIC_NEGATIVES.join(' | ')} the quick brown fox, SELECT * FROM orders WHERE id = 42`;
    expect(findAll(text)).toEqual([]);
  });

  it('answers in-bounds, non-empty findings on arbitrary input, and findAll non-overlapping ones', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    // Single characters, and fragments of real findings so that findings (and overlaps, and
    // findings cut short by the next piece) occur: random characters alone almost never make one.
    const pieces = [
      ...'0123456789 -+().@:=_/"\'\nAaEeIiKkSsYyJZ\u00e9\ud83d\ude00',
      'maria@example.com',
      '4111 1111 1111 1111',
      '(415) 555-0199',
      '123-45-6789',
      'DE89 3704 0044 0532 0130 00',
      'AKIAIOSFODNN7EXAMPLE',
      'password=',
      'hunter22',
      'eyJhbGciOiJIUzI1NiJ9.',
      '-----BEGIN PRIVATE KEY-----',
      '-----END PRIVATE KEY-----',
    ];
    const misplaced: string[] = [];
    let seen = 0;
    for (let n = 0; n < 300; n++) {
      let text = '';
      const length = Math.floor(random() * 40);
      for (let i = 0; i < length; i++) text += pieces[Math.floor(random() * pieces.length)];
      for (const d of DEFAULT_DETECTORS) {
        for (const f of d.find(text)) {
          seen++;
          if (f.start < 0 || f.end <= f.start || f.end > text.length)
            misplaced.push(`${d.dataClass} ${f.start}-${f.end} of ${text.length}`);
        }
      }
      const all = findAll(text);
      all.forEach((f, i) => {
        const previousEnd = i === 0 ? 0 : all[i - 1]!.end;
        if (f.start < previousEnd || f.end <= f.start || f.end > text.length)
          misplaced.push(`findAll ${f.dataClass} ${f.start}-${f.end} after ${previousEnd} of ${text.length}`);
      });
    }
    expect(misplaced).toEqual([]);
    // The bounds above were checked on real findings, not on none.
    expect(seen).toBeGreaterThan(100);
  });
});
