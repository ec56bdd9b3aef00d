import { randomBytes } from 'node:crypto';
import { AppError } from '@airis/resilience';
import { apiKeyId, generateApiKey, hashApiKey, safeEqual } from './api-key';
import { SecretBox, isSealedSecret } from './secret-box';

describe('SecretBox', () => {
  const box = SecretBox.fromBase64(randomBytes(32).toString('base64'));

  it('round-trips a secret and never stores the plain text', () => {
    const sealed = box.seal('s3cr3t-value');
    expect(isSealedSecret(sealed)).toBe(true);
    expect(JSON.stringify(sealed)).not.toContain('s3cr3t-value');
    expect(box.open(sealed)).toBe('s3cr3t-value');
    expect(box.seal('x').iv).not.toBe(box.seal('x').iv);
  });

  it('refuses a tampered ciphertext and a different master key with clear codes', () => {
    const sealed = box.seal('value');
    const data = Buffer.from(sealed.data, 'base64');
    data[0] = (data[0] ?? 0) ^ 1;
    expect(() => box.open({ ...sealed, data: data.toString('base64') })).toThrow(/tampered/);
    const other = SecretBox.fromBase64(randomBytes(32).toString('base64'));
    try {
      other.open(sealed);
      throw new Error('expected a failure');
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('secret_key_mismatch');
    }
  });

  it('without a master key, says which variable is missing', () => {
    expect(() => SecretBox.fromEnv({}).seal('x')).toThrow(/AIRIS_MASTER_KEY/);
    expect(() => SecretBox.fromBase64('c2hvcnQ=')).toThrow(/32 bytes/);
  });

  it('reveal passes plain strings and opens sealed ones', () => {
    expect(box.reveal('plain')).toBe('plain');
    expect(box.reveal(box.seal('hidden'))).toBe('hidden');
    expect(box.reveal(undefined)).toBeUndefined();
    expect(() => box.reveal(42)).toThrow(/neither/);
  });
});

describe('API keys', () => {
  it('generates well-formed keys whose id parses back and whose hash is stable', () => {
    const a = generateApiKey();
    expect(apiKeyId(a.key)).toBe(a.id);
    expect(a.hash).toBe(hashApiKey(a.key));
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(generateApiKey().key).not.toBe(a.key);
    expect(apiKeyId('airis_short_x')).toBeUndefined();
  });

  it('compares in constant time and handles different lengths', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
  });
});
