// The one-pass dispatcher finds exactly what every built-in detector finds on its own: each
// detector's `find` asks it at every position, the dispatcher only at its triggers.
import {
  DEFAULT_DETECTORS,
  findAll,
  isPositional,
  mayHoldFinding,
} from '../../../../lambdas/core/masking/detectors.js';
import type { Detector } from '../../../../lambdas/core/masking/types.js';

/** The same detector without its positional form: findAll has to run its full scan. */
const opaque = (d: Detector): Detector => ({ dataClass: d.dataClass, find: (text) => d.find(text) });
const UNDISPATCHED = DEFAULT_DETECTORS.map(opaque);

const PIECES = [
  ...'0123456789 -+().@:=_/"\'\n\tAaBbCcDdEeGgHhIiKkPpSsUuXxYyJjZz\u00e9\uff20\u3002\ud83d\ude00',
  'maria@example.com',
  'josé@exemplo.com.br',
  '用户@例子.广告',
  '4111 1111 1111 1111',
  '(415) 555-0199',
  '+44 (0)20 7946 0958',
  '06 12 34 56 78',
  '0044 20 7946 0958',
  '123-45-6789',
  'SSN: ',
  '123.456.789-09',
  '11.222.333/0001-81',
  '046-454-286',
  '2345 6789 0123',
  'QQ 12 34 56 C',
  'ABCPE1234F',
  'DE 123456789',
  'ATU12345678',
  'DE89 3704 0044 0532 0130 00',
  'AKIAIOSFODNN7EXAMPLE',
  'AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI',
  'ghp_16C7e42F292c6912E7710c838347Ae178B4a',
  'xoxb-1234567890-abcdef',
  'sk_live_4eC39HqLyjWDarjtT1zdp7dc',
  'hooks.slack.com/services/T0/B0/XYZ12345',
  'https://',
  'postgres://u:pw@h/db',
  'password=',
  'token: ',
  'hunter22',
  'eyJhbGciOiJIUzI1NiJ9.',
  'eyJzdWIiOiJ4In0.',
  '-----BEGIN PRIVATE KEY-----',
  '-----END PRIVATE KEY-----',
  '---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----',
];

describe('dispatch', () => {
  it('every built-in detector is positional (dispatched in one pass)', () => {
    expect(DEFAULT_DETECTORS.filter((d) => !isPositional(d)).map((d) => d.dataClass)).toEqual([]);
  });

  it('finds what the detectors run one by one find, on random texts made of real fragments', () => {
    let seed = 11;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const differing: string[] = [];
    let findings = 0;
    for (let n = 0; n < 3000; n++) {
      let text = '';
      const length = 1 + Math.floor(random() * 30);
      for (let i = 0; i < length; i++) text += PIECES[Math.floor(random() * PIECES.length)];
      const fast = findAll(text);
      const slow = findAll(text, UNDISPATCHED);
      findings += slow.length;
      if (JSON.stringify(fast) !== JSON.stringify(slow))
        differing.push(`${JSON.stringify(text)}: ${JSON.stringify(fast)} vs ${JSON.stringify(slow)}`);
    }
    expect(differing.slice(0, 5)).toEqual([]);
    expect(findings).toBeGreaterThan(3000);
  });

  it('each detector alone, dispatched, finds what its own scan finds', () => {
    const differing: string[] = [];
    for (const piece of PIECES) {
      const text = `x ${piece} ${piece}${piece} y`;
      for (const d of DEFAULT_DETECTORS) {
        const fast = findAll(text, [d]);
        const slow = findAll(text, [opaque(d)]);
        if (JSON.stringify(fast) !== JSON.stringify(slow))
          differing.push(`${d.dataClass} on ${JSON.stringify(text)}`);
      }
    }
    expect(differing).toEqual([]);
  });

  it('sees a trigger in a text exactly when the trigger specification does', () => {
    // The triggers as a regular expression: the specification the character-table loop follows.
    const spec =
      /(?<![0-9])[0-9]|[@\uff20=:]|[+(](?=[0-9])|-(?=----BEGIN |--- BEGIN )|e(?=yJ)|A(?=KIA|SIA|Iza)|g(?=h[pousr]_|ithub_pat_)|x(?=ox[abeoprs]-|app-)|h(?=ooks\.slack\.com\/)|[srp](?=k_(?:live|test)_)|w(?=hsec_)|P(?=uTTY-User-Key-File-)/;
    let seed = 5;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const differing: string[] = [];
    for (let n = 0; n < 5000; n++) {
      let text = '';
      const length = 1 + Math.floor(random() * 4);
      for (let i = 0; i < length; i++) {
        const piece = PIECES[Math.floor(random() * PIECES.length)]!;
        // Fragments of pieces too, so that markers are cut short.
        text += random() < 0.5 ? piece : piece.slice(0, 1 + Math.floor(random() * piece.length));
      }
      if (mayHoldFinding(text) !== spec.test(text)) differing.push(JSON.stringify(text));
    }
    expect(differing.slice(0, 5)).toEqual([]);
  });

  it('returns the same string object for clean text (no allocation on the clean path)', () => {
    expect(findAll('Customer prefers evening deliveries')).toEqual([]);
  });
});
