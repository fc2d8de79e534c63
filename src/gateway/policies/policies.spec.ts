import { loadConfig } from '../../config/app-config';
import { CloseCode } from '../close-codes';
import type { Connection } from '../connection';
import { StreamStats } from '../stream-stats';
import { FrameEncoder } from '../wire/outbound';
import type { OutboundMessage } from '../wire/outbound';
import { CredentialsPolicy } from './credentials.policy';
import { HeartbeatPolicy } from './heartbeat.policy';

/** A connection as the policies see it: what they read, and what they did to it. */
function fakeConnection(fields: Partial<Connection> = {}) {
  const did: string[] = [];
  const connection = {
    marketSubscriptionCount: 0,
    auctions: new Set(),
    lastInboundAt: 0,
    alive: true,
    sentSinceSweep: false,
    expiryWarned: false,
    principal: { expiresAt: null, keyId: null },
    // Closes go through Connection.close (it sends the turn's frames first), never ws.close.
    close: (code: number) => did.push(`close ${code}`),
    ws: {
      terminate: () => did.push('terminate'),
      ping: () => did.push('ping'),
    },
    send: (message: OutboundMessage) => did.push(`send ${Object.keys((message as unknown as { message: object }).message)[0]}`),
    ...fields,
  } as unknown as Connection;
  return { connection, did };
}

const encoder = new FrameEncoder({ thresholdBytes: 1024, level: 6, memLevel: 8 }, new StreamStats());

describe(HeartbeatPolicy.name, () => {
  const config = loadConfig({ IDLE_TIMEOUT_MS: '1000' });
  const policy = new HeartbeatPolicy(config, undefined as never, encoder, new StreamStats());

  it.each([
    ['pings a live peer and sends a Heartbeat to one that got nothing else', {}, ['ping', 'send heartbeat']],
    ['only pings a peer that was sent something since the last sweep', { sentSinceSweep: true }, ['ping']],
    ['terminates a peer that did not answer the last ping', { alive: false }, ['terminate']],
    ['closes an idle connection (nothing subscribed, silent) with 4000', { lastInboundAt: -2000 }, [`close ${CloseCode.Idle}`]],
    ['never calls a quiet subscriber idle', { lastInboundAt: -2000, marketSubscriptionCount: 1 }, ['ping', 'send heartbeat']],
  ] as const)('%s', (_case, fields, expected) => {
    const { connection, did } = fakeConnection(fields);
    policy.sweep([connection], 0);
    expect(did).toEqual(expected);
  });
});

describe(CredentialsPolicy.name, () => {
  const config = loadConfig({ AUTH_EXPIRY_WARNING_MS: '30000' });
  const policy = new CredentialsPolicy(config, undefined as never, encoder, undefined as never, undefined as never);
  const principal = (expiresAt: number | null, keyId: string | null = null) => ({ principal: { expiresAt, keyId } }) as unknown as Partial<Connection>;

  // Two sweeps, at 0 and 1 ms; the fake socket never closes, so a due close is asked for each time.
  it.each([
    ['leaves a token far from expiry alone', 100_000, []],
    ['warns once when the token expires within the warning time', 20_000, ['send authExpiring']],
    ['closes with 4001 once the token has expired', 0, [`close ${CloseCode.AuthExpired}`, `close ${CloseCode.AuthExpired}`]],
  ] as const)('%s', (_case, expiresAt, expected) => {
    const { connection, did } = fakeConnection(principal(expiresAt));
    policy.expirySweep([connection], 0);
    policy.expirySweep([connection], 1);
    expect(did).toEqual(expected);
  });

  it('closes every connection of a revoked key with 4003, and only those', () => {
    const revoked = fakeConnection(principal(null, 'k1'));
    const other = fakeConnection(principal(null, 'k2'));
    policy.closeKey([revoked.connection, other.connection], 'k1');
    expect(revoked.did).toEqual([`close ${CloseCode.CredentialsRevoked}`]);
    expect(other.did).toEqual([]);
  });
});
