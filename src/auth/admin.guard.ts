import { Injectable } from '@nestjs/common';
import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { AppConfig } from '../config/app-config';
import { AuthError, AuthErrorCode } from './auth-errors';

/** The admin API has its own credential: `Authorization: Bearer $ADMIN_TOKEN`. Unset: disabled. */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const expected = this.config.env.ADMIN_TOKEN;
    if (!expected) throw new AuthError(AuthErrorCode.AdminDisabled, 'The admin API is disabled (set ADMIN_TOKEN)');
    if (!carriesAdminToken(context.switchToHttp().getRequest<Request>(), expected)) throw new AuthError(AuthErrorCode.CredentialsRequired, 'Admin credential required');
    return true;
  }
}

/** Whether the request's `Authorization: Bearer` is the admin token (unset: never). */
export function carriesAdminToken(request: Request, expected: string | undefined): boolean {
  if (!expected) return false;
  const header = request.headers.authorization ?? '';
  const given = header.startsWith('Bearer ') ? header.slice(7) : '';
  // Compare digests so the comparison is constant-time whatever the lengths.
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
