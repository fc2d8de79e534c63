import type { BidderIdentity } from '../auction/auction.types';
import type { AuthErrorCode } from './auth-errors';

export type Scope = 'feed:read' | 'bid:write' | 'auction:write' | 'feed:publish';
export const ALL_SCOPES: readonly Scope[] = ['feed:read', 'bid:write', 'auction:write', 'feed:publish'];
/** What tokens and development identities may do when they do not say: everything but publishing, which needs an API key. */
export const DEFAULT_SCOPES: readonly Scope[] = ['feed:read', 'bid:write', 'auction:write'];

/** Who is on a connection, decided once at the handshake. */
export interface Principal {
  kind: 'anonymous' | 'dev' | 'token' | 'key';
  /** The bidder this connection bids as, if it may bid. */
  bidder: BidderIdentity | null;
  scopes: ReadonlySet<Scope>;
  /** Bearer token subject; a refresh must name the same one. */
  subject: string | null;
  /** When the credentials stop being valid (ms since the epoch); null: never. */
  expiresAt: number | null;
  /** API key id, for revocation and per-key limits. */
  keyId: string | null;
  /** The symbols this connection may publish (an API key with feed:publish); empty otherwise. */
  publishSymbols: ReadonlySet<string>;
}

export type AuthResult = { ok: true; principal: Principal } | { ok: false; code: AuthErrorCode; reason: string };

export function can(principal: Principal, scope: Scope): boolean {
  return principal.scopes.has(scope);
}
