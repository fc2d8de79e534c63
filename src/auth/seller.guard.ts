import { Injectable } from '@nestjs/common';
import type { CanActivate, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { AppConfig } from '../config/app-config';
import { carriesAdminToken } from './admin.guard';
import { AuthError, AuthErrorCode } from './auth-errors';
import { AuthService } from './auth.service';
import { can } from './principal';

/**
 * Who may create auctions: the admin (`Authorization: Bearer $ADMIN_TOKEN`, for any seller),
 * or a seller — credentials with the `auction:write` scope (an API key, a bearer token, or a
 * development `?bidder=` identity), who may create auctions only as themselves.
 */
@Injectable()
export class SellerGuard implements CanActivate {
  constructor(
    private readonly config: AppConfig,
    private readonly auth: AuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request & { sellerHandle?: string | null }>();
    if (carriesAdminToken(request, this.config.env.ADMIN_TOKEN)) return true;
    const result = await this.auth.authenticate(request);
    if (!result.ok) throw new AuthError(result.code, result.reason);
    const { principal } = result;
    if (principal.kind === 'anonymous') throw new AuthError(AuthErrorCode.CredentialsRequired, 'Creating auctions needs a seller credential (auction:write) or the admin token');
    if (!can(principal, 'auction:write') || !principal.bidder) throw new AuthError(AuthErrorCode.Forbidden, 'These credentials do not allow creating auctions (auction:write)');
    const body = request.body as { sellerHandle?: unknown } | undefined;
    if (body?.sellerHandle !== undefined && body.sellerHandle !== principal.bidder.handle) {
      throw new AuthError(AuthErrorCode.Forbidden, 'A seller creates auctions only as themselves (sellerHandle must be your own handle)');
    }
    if (body) body.sellerHandle = principal.bidder.handle;
    return true;
  }
}

