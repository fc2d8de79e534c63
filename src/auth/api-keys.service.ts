import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { BiddersService } from '../auction/bidders.service';
import type { BidderIdentity } from '../auction/auction.types';
import type { Scope } from './principal';

export interface ApiKeyRecord {
  id: string;
  name: string;
  prefix: string;
  scopes: Scope[];
  /** With feed:publish: the symbols the key may publish. */
  publishSymbols: string[];
  bidder: BidderIdentity | null;
  createdAt: string;
  revokedAt: string | null;
}

const KEY_FORMAT = /^btk_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

/**
 * Partner API keys: `btk_<prefix>_<secret>`. The prefix finds the row; only a SHA-256 of the
 * 256-bit random secret is stored (a slow hash adds nothing for secrets of that size) and
 * compared in constant time. A key with `bid:write` bids as its own bidder identity.
 */
@Injectable()
export class ApiKeysService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly bidders: BiddersService,
  ) {}

  async create(name: string, scopes: Scope[], publishSymbols: string[] = []): Promise<{ key: string; record: ApiKeyRecord }> {
    const prefix = randomBytes(9).toString('base64url').replace(/[-_]/g, 'x').slice(0, 12);
    const secret = randomBytes(32).toString('base64url');
    const bidder = scopes.includes('bid:write') ? await this.bidders.ensure(`key-${prefix}`) : null;
    const rows = await this.dataSource.query<{ id: string }[]>(
      `INSERT INTO api_keys (name, prefix, secret_hash, scopes, bidder_id, publish_symbols) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [name, prefix, sha256(secret), scopes, bidder?.id ?? null, publishSymbols],
    );
    return { key: `btk_${prefix}_${secret}`, record: (await this.get(rows[0].id))! };
  }

  async list(): Promise<ApiKeyRecord[]> {
    return (await this.dataSource.query<KeyRow[]>(`${SELECT} ORDER BY k.created_at`)).map(toRecord);
  }

  async get(id: string): Promise<ApiKeyRecord | null> {
    const rows = await this.dataSource.query<KeyRow[]>(`${SELECT} WHERE k.id = $1`, [id]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async revoke(id: string): Promise<boolean> {
    const result = await this.dataSource.query<[unknown, number]>(
      `UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`, [id]);
    return result[1] > 0;
  }

  /** The live key matching `key`, or null (unknown, malformed or revoked). */
  async verify(key: string): Promise<ApiKeyRecord | null> {
    const match = KEY_FORMAT.exec(key);
    if (!match) return null;
    const rows = await this.dataSource.query<(KeyRow & { secret_hash: Buffer })[]>(
      `${SELECT.replace('SELECT', 'SELECT k.secret_hash,')} WHERE k.prefix = $1 AND k.revoked_at IS NULL`, [match[1]]);
    const row = rows[0];
    if (!row || !timingSafeEqual(row.secret_hash, sha256(match[2]))) return null;
    return toRecord(row);
  }

  /** Which of these key ids have been revoked (or deleted). */
  async revokedAmong(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const live = await this.dataSource.query<{ id: string }[]>(
      `SELECT id FROM api_keys WHERE id = ANY($1::uuid[]) AND revoked_at IS NULL`, [ids]);
    const liveIds = new Set(live.map((r) => r.id));
    return new Set(ids.filter((id) => !liveIds.has(id)));
  }
}

const SELECT = `SELECT k.id, k.name, k.prefix, k.scopes, k.publish_symbols, k.created_at, k.revoked_at, b.id AS bidder_id, b.handle, b.pseudonym
  FROM api_keys k LEFT JOIN bidders b ON b.id = k.bidder_id`;

interface KeyRow {
  id: string;
  name: string;
  prefix: string;
  scopes: Scope[];
  publish_symbols: string[];
  created_at: Date;
  revoked_at: Date | null;
  bidder_id: string | null;
  handle: string | null;
  pseudonym: string | null;
}

function toRecord(r: KeyRow): ApiKeyRecord {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    scopes: r.scopes,
    publishSymbols: r.publish_symbols,
    bidder: r.bidder_id ? { id: r.bidder_id, handle: r.handle!, pseudonym: r.pseudonym! } : null,
    createdAt: r.created_at.toISOString(),
    revokedAt: r.revoked_at ? r.revoked_at.toISOString() : null,
  };
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
