import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { AppError } from '@airis/resilience';

/**
 * A secret as it is stored inside a configuration resource (DESIGN.md §2): AES-256-GCM under
 * the master key, with the id of that key so a rotated key gives a clear error, not garbage.
 */
export interface SealedSecret {
  $sealed: 'aes-256-gcm';
  /** Id of the master key (first 16 hex digits of its SHA-256), never the key itself. */
  kid: string;
  /** base64 of the 12-byte nonce, the 16-byte tag and the ciphertext. */
  iv: string;
  tag: string;
  data: string;
}

export function isSealedSecret(value: unknown): value is SealedSecret {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    v['$sealed'] === 'aes-256-gcm' &&
    typeof v['kid'] === 'string' &&
    typeof v['iv'] === 'string' &&
    typeof v['tag'] === 'string' &&
    typeof v['data'] === 'string'
  );
}

/** Encrypts and decrypts secrets with the master key (`AIRIS_MASTER_KEY`, 32 bytes base64). */
export class SecretBox {
  readonly keyId: string;

  private constructor(private readonly key: Buffer | undefined) {
    this.keyId = key ? createHash('sha256').update(key).digest('hex').slice(0, 16) : 'none';
  }

  static fromBase64(masterKey: string): SecretBox {
    const key = Buffer.from(masterKey, 'base64');
    if (key.length !== 32) throw new Error('the master key must be 32 bytes, base64-encoded');
    return new SecretBox(key);
  }

  /** A box without a key: every seal/open fails with a clear error (services that hold no secrets). */
  static withoutKey(): SecretBox {
    return new SecretBox(undefined);
  }

  /** From `AIRIS_MASTER_KEY` when set, else a box that refuses to work. */
  static fromEnv(env: { AIRIS_MASTER_KEY?: string | undefined }): SecretBox {
    return env.AIRIS_MASTER_KEY ? SecretBox.fromBase64(env.AIRIS_MASTER_KEY) : SecretBox.withoutKey();
  }

  get hasKey(): boolean {
    return this.key !== undefined;
  }

  seal(plain: string): SealedSecret {
    const key = this.requireKey();
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return {
      $sealed: 'aes-256-gcm',
      kid: this.keyId,
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      data: data.toString('base64'),
    };
  }

  open(sealed: SealedSecret): string {
    const key = this.requireKey();
    if (sealed.kid !== this.keyId) {
      throw AppError.permanent(
        'secret_key_mismatch',
        `secret was sealed with master key ${sealed.kid}, this service has ${this.keyId}`,
      );
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
      decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8');
    } catch (error) {
      throw AppError.permanent('secret_corrupt', 'secret failed authentication (corrupt or tampered)', error);
    }
  }

  /** Opens a sealed secret; passes a plain string through (resources written before sealing). */
  reveal(value: unknown): string | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string') return value;
    if (isSealedSecret(value)) return this.open(value);
    throw AppError.permanent('secret_invalid', 'secret is neither a string nor a sealed secret');
  }

  private requireKey(): Buffer {
    if (!this.key) {
      throw AppError.permanent('master_key_missing', 'AIRIS_MASTER_KEY is not set: secrets cannot be sealed or opened');
    }
    return this.key;
  }
}
