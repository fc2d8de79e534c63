import { applyDecorators, UseGuards } from '@nestjs/common';
import { ApiSecurity } from '@nestjs/swagger';
import type { SecuritySchemeObject } from '@nestjs/swagger';
import { ApiErrors } from '../http/api-errors';
import { AdminGuard } from './admin.guard';
import { AuthErrorCode } from './auth-errors';
import { SellerGuard } from './seller.guard';

/**
 * The credentials the REST API reads, as the OpenAPI document names them: AdminGuard reads the
 * admin token; AuthService (sellers, publishers) takes the first of a bearer token (header,
 * else ?access_token=), an API key (header, else ?api_key=) and ?bidder=.
 */
export const API_CREDENTIALS = {
  adminToken: {
    type: 'http', scheme: 'bearer',
    description: "`Authorization: Bearer $ADMIN_TOKEN`, the operator's credential: none answers 401 `CREDENTIALS_REQUIRED`, another bearer token 401 `INVALID_CREDENTIALS`. With ADMIN_TOKEN unset the admin API answers 403 `ADMIN_DISABLED`.",
  },
  bearerToken: {
    type: 'http', scheme: 'bearer', bearerFormat: 'JWT',
    description: "A bidder's signed JWT: `iss`, `aud`, `exp` enforced, `sub` is the bidder handle; a `scope` claim narrows what it may do.",
  },
  accessTokenQuery: { type: 'apiKey', in: 'query', name: 'access_token', description: 'The bidder JWT as a query parameter (for browsers).' },
  apiKey: {
    type: 'apiKey', in: 'header', name: 'X-Api-Key',
    description: 'A partner API key `btk_<prefix>_<secret>` issued by the admin API; it may do what its scopes say. A bearer token sent with it wins.',
  },
  apiKeyQuery: { type: 'apiKey', in: 'query', name: 'api_key', description: 'The partner API key as a query parameter.' },
  devBidder: {
    type: 'apiKey', in: 'query', name: 'bidder',
    description: 'Development identity `?bidder=<handle>`, not a secret: accepted only where the server runs with DEV_BIDDERS_ENABLED (off in shared deployments).',
  },
} satisfies Record<string, SecuritySchemeObject>;

export type ApiCredential = keyof typeof API_CREDENTIALS;

/** Any one of the credentials (OpenAPI security requirements are alternatives). */
function ApiAnyOf(...credentials: ApiCredential[]) {
  return applyDecorators(...credentials.map((credential) => ApiSecurity(credential)));
}

// Each guard below comes with what the document says of it, so the two cannot drift apart.

/** The admin API: `Authorization: Bearer $ADMIN_TOKEN`. */
export function AdminOnly() {
  return applyDecorators(
    UseGuards(AdminGuard),
    ApiAnyOf('adminToken'),
    ApiErrors([AuthErrorCode.CredentialsRequired, 'Admin credential required'], [AuthErrorCode.InvalidCredentials, 'Invalid admin credential'], AuthErrorCode.AdminDisabled),
  );
}

/** Creating auctions: the admin token, or a seller's credential with `auction:write`. */
export function SellerOrAdmin() {
  return applyDecorators(
    UseGuards(SellerGuard),
    ApiAnyOf('adminToken', 'bearerToken', 'accessTokenQuery', 'apiKey', 'apiKeyQuery', 'devBidder'),
    ApiErrors(
      [AuthErrorCode.CredentialsRequired, 'Creating auctions needs a seller credential (auction:write) or the admin token'],
      AuthErrorCode.InvalidCredentials,
      [AuthErrorCode.Forbidden, 'A seller creates auctions only as themselves (sellerHandle must be your own handle)'],
      AuthErrorCode.AuthUnavailable,
    ),
  );
}

/** Publishing: an API key with `feed:publish` (PublishController authenticates it itself). */
export function ApiPublisherKey() {
  return applyDecorators(
    ApiAnyOf('apiKey', 'apiKeyQuery'),
    ApiErrors(
      [AuthErrorCode.CredentialsRequired, 'Publishing needs an API key with feed:publish (X-Api-Key)'],
      AuthErrorCode.InvalidCredentials,
      [AuthErrorCode.Forbidden, 'These credentials do not allow publishing (feed:publish)'],
      AuthErrorCode.AuthUnavailable,
    ),
  );
}
