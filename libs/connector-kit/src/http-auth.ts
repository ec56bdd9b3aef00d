import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';

export const AUTH_TYPES = ['none', 'basic', 'bearer'] as const;
export type AuthType = (typeof AUTH_TYPES)[number];

/** Settings shared by HTTP connectors: how to authenticate (secrets live in credentials). */
export class HttpAuthSettings {
  @IsIn(AUTH_TYPES)
  auth: AuthType = 'none';

  /** User name for basic auth; the password is `credentials.password`. */
  @IsOptional()
  @IsString()
  @MaxLength(256)
  username?: string;
}

/** Credentials each auth type needs. */
export function credentialsFor(auth: AuthType): string[] {
  switch (auth) {
    case 'none':
      return [];
    case 'basic':
      return ['password'];
    case 'bearer':
      return ['token'];
  }
}

export function authHeaders(
  settings: { auth: AuthType; username?: string | undefined },
  credentials: Record<string, string>,
): Record<string, string> {
  switch (settings.auth) {
    case 'none':
      return {};
    case 'basic':
      return {
        authorization: `Basic ${Buffer.from(`${settings.username ?? ''}:${credentials['password'] ?? ''}`).toString('base64')}`,
      };
    case 'bearer':
      return { authorization: `Bearer ${credentials['token'] ?? ''}` };
  }
}
