import { Injectable } from '@nestjs/common';
import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { AppConfig } from '../config/app-config';
import { AuthError, AuthErrorCode } from './auth-errors';

/**
 * The admin API has its own credential: `Authorization: Bearer $ADMIN_TOKEN`. Unset: disabled.
 * No bearer token is CREDENTIALS_REQUIRED; a bearer token that is not the admin token is
 * INVALID_CREDENTIALS, as a wrong token or key is everywhere else.
 */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const expected = this.config.env.ADMIN_TOKEN;
    if (!expected) throw new AuthError(AuthErrorCode.AdminDisabled, 'The admin API is disabled (set ADMIN_TOKEN)');
    const request = context.switchToHttp().getRequest<Request>();
    if (carriesAdminToken(request, expected)) return true;
    if (bearerOf(request)) throw new AuthError(AuthErrorCode.InvalidCredentials, 'Invalid admin credential');
    throw new AuthError(AuthErrorCode.CredentialsRequired, 'Admin credential required');
  }
}

/** Whether the request's `Authorization: Bearer` is the admin token (unset: never). */
export function carriesAdminToken(request: Request, expected: string | undefined): boolean {
  if (!expected) return false;
  // Compare digests so the comparison is constant-time whatever the lengths.
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(bearerOf(request)), digest(expected));
}

/** The token of `Authorization: Bearer <token>`, or '' without one. */
function bearerOf(request: Request): string {
  const header = request.headers.authorization ?? '';
  return header.startsWith('Bearer ') ? header.slice(7) : '';
}
