// Vendor tokens, Slack webhooks, private key variants and connection strings with passwords.
import {
  connectionUrlDetector,
  findAll,
  labelledSecretDetector,
  privateKeyDetector,
  slackWebhookDetector,
  vendorTokenDetector,
} from '../../../../lambdas/core/masking/detectors.js';
import type { Detector } from '../../../../lambdas/core/masking/types.js';

const found = (detector: Detector, text: string): string[] =>
  detector.find(text).map((f) => text.slice(f.start, f.end));

describe('vendorTokenDetector', () => {
  it.each([
    'ghp_16C7e42F292c6912E7710c838347Ae178B4a',
    'gho_16C7e42F292c6912E7710c838347Ae178B4a',
    'ghu_16C7e42F292c6912E7710c838347Ae178B4a',
    'ghs_16C7e42F292c6912E7710c838347Ae178B4a',
    'ghr_16C7e42F292c6912E7710c838347Ae178B4a',
    'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGH',
    'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx',
    'xoxp-1234567890-1234567890-abcdef0123456789',
    'xoxa-2-abcdefghijklmnop',
    'xapp-1-A0123456789-1234567890123-abcdef',
    'sk_live_4eC39HqLyjWDarjtT1zdp7dc',
    'rk_live_4eC39HqLyjWDarjtT1zdp7dc',
    'sk_test_4eC39HqLyjWDarjtT1zdp7dc',
    'pk_live_51H8abcdefGHIJKL',
    'whsec_abcdefghijklmnopqrstuvwxyz012345',
    'AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI',
  ])('finds %j', (token) => {
    expect(found(vendorTokenDetector, `use "${token}" here`)).toEqual([token]);
  });

  it.each([
    'ghp_short',
    'xghp_16C7e42F292c6912E7710c838347Ae178B4a',
    'sk_live_',
    'AIzaShort',
    'xoxb-1',
    'github_pat_x',
  ])('leaves %j alone', (text) => {
    expect(found(vendorTokenDetector, text)).toEqual([]);
  });
});

describe('slackWebhookDetector', () => {
  it('finds the webhook URL with its scheme, and without one', () => {
    const url = 'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX';
    expect(found(slackWebhookDetector, `post to ${url}.`)).toEqual([url]);
    expect(found(slackWebhookDetector, 'hooks.slack.com/workflows/T0/A0/123/abc')).toEqual([
      'hooks.slack.com/workflows/T0/A0/123/abc',
    ]);
    expect(found(slackWebhookDetector, 'see hooks.slack.com/')).toEqual([]);
  });
});

describe('privateKeyDetector variants', () => {
  it.each([
    '-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF0+abc=\n=XyZ1\n-----END PGP PRIVATE KEY BLOCK-----',
    '-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHDBOBgkqhkiG9w0BBQ0w\n-----END ENCRYPTED PRIVATE KEY-----',
    '-----BEGIN DSA PRIVATE KEY-----\nMIIBuwIBAAKBgQ\n-----END DSA PRIVATE KEY-----',
    '---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\nP2/56wAAAi4AAAA3aWYtbW9k\n---- END SSH2 ENCRYPTED PRIVATE KEY ----',
    'PuTTY-User-Key-File-2: ssh-rsa\nEncryption: none\nComment: rsa-key-20240101\nPrivate-Lines: 1\nAAAAgQC0\nPrivate-MAC: 9f3a',
  ])('finds %j whole', (key) => {
    expect(found(privateKeyDetector, key)).toEqual([key]);
  });
});

describe('connectionUrlDetector', () => {
  it.each([
    'postgres://app:s3cr3t@db.internal:5432/prod',
    'postgresql://u:p%40ss@h/db?sslmode=require',
    'mysql://root:hunter2@10.0.0.5/shop',
    'mongodb+srv://admin:Pa55w0rd@cluster0.abcde.mongodb.net/test?retryWrites=true',
    'amqp://guest:guest@rabbit:5672/vhost',
    'redis://:R3disPass@cache.local:6379/0',
    'rediss://default:pw@cache:6380',
    'jdbc:mysql://u:pw123@host/db',
    'https://user:pass@example.com/x',
  ])('finds %j whole', (url) => {
    expect(found(connectionUrlDetector, `url ${url}, ok`)).toEqual([url]);
  });

  it.each([
    'postgres://app@db:5432/prod',
    'https://example.com:8443/a?b=c',
    'redis://cache:6379',
    'http://u:@h/x',
    'a://',
  ])('leaves %j (no password) alone', (url) => {
    expect(found(connectionUrlDetector, url)).toEqual([]);
  });

  it('masks the URL as one SECRET, not as an e-mail address', () => {
    const text = 'DATABASE_URL=postgres://app:s3cr3t@db.example.com/prod';
    expect(findAll(text).map((f) => [f.dataClass, text.slice(f.start, f.end)])).toEqual([
      ['SECRET', 'postgres://app:s3cr3t@db.example.com/prod'],
    ]);
  });
});

describe('password parameters of connection strings', () => {
  it.each([
    ['jdbc:postgresql://db/app?user=app&password=Secr3tPw&ssl=true', 'Secr3tPw'],
    ['Server=sql1;Database=crm;User Id=sa;Password=My Pass 123;', 'My Pass 123'],
    ['Data Source=x;Pwd=abc123;', 'abc123'],
  ])('finds the password in %j', (text, value) => {
    expect(found(labelledSecretDetector, text)).toEqual([value]);
  });
});
