import { Injectable, Logger } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { importSPKI, jwtVerify } from 'jose';
import type { KeyLike } from 'jose';
import { BiddersService } from '../auction/bidders.service';
import { AppConfig } from '../config/app-config';
import { ApiKeysService } from './api-keys.service';
import { AuthErrorCode } from './auth-errors';
import { ALL_SCOPES, DEFAULT_SCOPES } from './principal';
import type { AuthResult, Principal, Scope } from './principal';

const HANDLE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const NONE: ReadonlySet<string> = new Set();

/**
 * Decides who a handshake is: a bearer token (signed JWT: issuer, audience and expiry
 * enforced), a partner API key, a development identity, or anonymous — in that order of
 * precedence. Refusals carry an AuthErrorCode and a reason for the client; credentials that
 * cannot be checked (the database unreachable) are AUTH_UNAVAILABLE, for REST and the handshake alike.
 */
@Injectable()
export class AuthService {
  private readonly log = new Logger(AuthService.name);
  private verificationKey?: Promise<KeyLike | Uint8Array>;

  constructor(
    private readonly config: AppConfig,
    private readonly apiKeys: ApiKeysService,
    private readonly bidders: BiddersService,
  ) {}

  async authenticate(request: IncomingMessage): Promise<AuthResult> {
    try {
      return await this.identify(request);
    } catch (error) {
      this.log.error(`credentials could not be checked: ${(error as Error).message}`);
      return { ok: false, code: AuthErrorCode.AuthUnavailable, reason: 'Credentials could not be checked right now; retry' };
    }
  }

  private async identify(request: IncomingMessage): Promise<AuthResult> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const authorization = request.headers.authorization;
    // Browsers cannot set headers on a WebSocket handshake: the query string is their way.
    const token = authorization?.startsWith('Bearer ') ? authorization.slice(7) : url.searchParams.get('access_token');
    const headerKey = request.headers['x-api-key'];
    const apiKey = (Array.isArray(headerKey) ? headerKey[0] : headerKey) ?? url.searchParams.get('api_key');

    if (token) {
      const verified = await this.verifyToken(token);
      if (!verified.ok) return { ok: false, code: AuthErrorCode.InvalidCredentials, reason: verified.reason };
      const bidder = await this.bidders.ensure(verified.subject);
      return {
        ok: true,
        principal: { kind: 'token', bidder, scopes: verified.scopes, subject: verified.subject, expiresAt: verified.expiresAt, keyId: null, publishSymbols: NONE },
      };
    }
    if (apiKey) {
      const record = await this.apiKeys.verify(apiKey);
      if (!record) return { ok: false, code: AuthErrorCode.InvalidCredentials, reason: 'Invalid or revoked API key' };
      return {
        ok: true,
        principal: {
          kind: 'key', bidder: record.bidder, scopes: new Set(record.scopes), subject: null, expiresAt: null, keyId: record.id,
          publishSymbols: new Set(record.scopes.includes('feed:publish') ? record.publishSymbols : []),
        },
      };
    }
    const handle = url.searchParams.get('bidder');
    if (handle && this.config.env.DEV_BIDDERS_ENABLED) {
      if (!HANDLE.test(handle)) return { ok: false, code: AuthErrorCode.InvalidCredentials, reason: 'Invalid bidder handle' };
      return {
        ok: true,
        principal: { kind: 'dev', bidder: await this.bidders.ensure(handle), scopes: new Set(DEFAULT_SCOPES), subject: handle, expiresAt: null, keyId: null, publishSymbols: NONE },
      };
    }
    if (!this.config.env.AUTH_ANONYMOUS_READ) return { ok: false, code: AuthErrorCode.CredentialsRequired, reason: 'Credentials required: a bearer token or an API key' };
    return { ok: true, principal: anonymous() };
  }

  /** Renews a token-authenticated connection: same subject, later expiry. */
  async refresh(principal: Principal, token: string): Promise<{ ok: true; expiresAt: number | null } | { ok: false; code: AuthErrorCode; reason: string }> {
    const invalid = (reason: string) => ({ ok: false, code: AuthErrorCode.InvalidCredentials, reason }) as const;
    if (principal.kind !== 'token') return invalid('this connection is not token-authenticated');
    const verified = await this.verifyToken(token);
    if (!verified.ok) return invalid(verified.reason);
    if (verified.subject !== principal.subject) return invalid('the new token is for another subject');
    return { ok: true, expiresAt: verified.expiresAt };
  }

  private async verifyToken(
    token: string,
  ): Promise<{ ok: true; subject: string; scopes: Set<Scope>; expiresAt: number | null } | { ok: false; reason: string }> {
    const key = this.key();
    if (!key) return { ok: false, reason: 'Token authentication is not configured on this server' };
    try {
      const { payload } = await jwtVerify(token, await key, {
        issuer: this.config.env.AUTH_JWT_ISSUER,
        audience: this.config.env.AUTH_JWT_AUDIENCE,
        requiredClaims: ['sub', 'exp'],
      });
      const subject = payload.sub!;
      if (!HANDLE.test(subject)) return { ok: false, reason: 'Token subject is not a valid bidder handle' };
      const claimed = typeof payload.scope === 'string' ? payload.scope.split(' ') : [...DEFAULT_SCOPES];
      const scopes = new Set(claimed.filter((s): s is Scope => (ALL_SCOPES as string[]).includes(s)));
      return { ok: true, subject, scopes, expiresAt: payload.exp! * 1000 };
    } catch (error) {
      return { ok: false, reason: `Invalid token: ${(error as Error).message}` };
    }
  }

  private key(): Promise<KeyLike | Uint8Array> | null {
    const { AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY, AUTH_JWT_ALGORITHM } = this.config.env;
    if (AUTH_JWT_PUBLIC_KEY) return (this.verificationKey ??= importSPKI(AUTH_JWT_PUBLIC_KEY, AUTH_JWT_ALGORITHM ?? 'RS256'));
    if (AUTH_JWT_SECRET) return (this.verificationKey ??= Promise.resolve(new TextEncoder().encode(AUTH_JWT_SECRET)));
    return null;
  }
}

export function anonymous(): Principal {
  return { kind: 'anonymous', bidder: null, scopes: new Set<Scope>(['feed:read']), subject: null, expiresAt: null, keyId: null, publishSymbols: NONE };
}
