import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AuctionErrorCode } from '../auction/auction-errors';
import { AuthErrorCode } from '../auth/auth-errors';
import { HandshakeRefusal } from '../gateway/handshake-refusals';
import { bidtape } from '../generated/bidtape';
import { MarketErrorCode } from '../market/market-errors';
import { auctionStatus, authStatus, FEATURE_ERROR_CODES, featureStatus, handshakeStatus, marketStatus, requestStatus } from './http-errors';
import { RequestErrorCode } from './request-errors';

const protocol = readFileSync(join(__dirname, '../../docs/protocol.md'), 'utf8');

/** The rows `| status | code | when |` of the table under `heading`, as `status code` strings. */
function documentedRows(heading: string): string[] {
  const section = protocol.slice(protocol.indexOf(heading));
  const table = section.slice(section.indexOf('\n|')).split('\n\n')[0];
  return table
    .split('\n')
    .map((line) => line.split('|').map((cell) => cell.trim().replace(/`/g, '')))
    .filter((cells) => /^\d{3}$/.test(cells[1] ?? '') && /^[A-Z_]+$/.test(cells[2] ?? ''))
    .map((cells) => `${cells[1]} ${cells[2]}`);
}

describe('the error vocabulary and docs/protocol.md', () => {
  it('lists every REST error code with the status the HTTP mapper gives it, and no other', () => {
    const mapped = [
      ...Object.values(AuctionErrorCode).map((code) => `${auctionStatus(code)} ${code}`),
      ...Object.values(AuthErrorCode).map((code) => `${authStatus(code)} ${code}`),
      ...Object.values(MarketErrorCode).map((code) => `${marketStatus(code)} ${code}`),
      ...Object.values(RequestErrorCode).map((code) => `${requestStatus(code)} ${code}`),
    ];
    expect(documentedRows('### REST errors').sort()).toEqual(mapped.sort());
  });

  it('finds each code its own feature\'s status: the codes of the enums are distinct', () => {
    expect(new Set(FEATURE_ERROR_CODES).size).toBe(FEATURE_ERROR_CODES.length);
    expect(featureStatus(AuthErrorCode.KeyNotFound)).toBe(authStatus(AuthErrorCode.KeyNotFound));
    expect(featureStatus(AuctionErrorCode.InvalidReserve)).toBe(auctionStatus(AuctionErrorCode.InvalidReserve));
    expect(featureStatus(MarketErrorCode.InstrumentExists)).toBe(marketStatus(MarketErrorCode.InstrumentExists));
    expect(featureStatus(RequestErrorCode.BodyTooLarge)).toBe(requestStatus(RequestErrorCode.BodyTooLarge));
  });

  it('lists every handshake refusal with its status, and the credential failures a handshake can meet', () => {
    const mapped = [
      ...Object.values(HandshakeRefusal).map((refusal) => `${handshakeStatus(refusal)} ${refusal}`),
      ...[AuthErrorCode.CredentialsRequired, AuthErrorCode.InvalidCredentials, AuthErrorCode.AuthUnavailable].map((code) => `${authStatus(code)} ${code}`),
    ];
    expect(documentedRows('Every refused handshake gets').sort()).toEqual(mapped.sort());
  });

  it('lists every stream ErrorCode in the Errors table, and no other', () => {
    const section = protocol.slice(protocol.indexOf('### Errors'), protocol.indexOf('### Close codes'));
    const documented = [...section.matchAll(/`(ERROR_CODE_[A-Z_]+)` \((\d+)\)/g)].map((m) => `${m[2]} ${m[1]}`);
    const defined = Object.entries(bidtape.v1.ErrorCode)
      .filter(([name, value]) => typeof value === 'number' && name !== 'ERROR_CODE_UNSPECIFIED' && name.startsWith('ERROR_CODE_'))
      .map(([name, value]) => `${value} ${name}`);
    expect(documented.sort()).toEqual(defined.sort());
  });
});
