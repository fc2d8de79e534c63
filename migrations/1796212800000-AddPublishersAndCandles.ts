import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Real market data: each instrument names its active source (the simulator, or the API key
 * id of a publisher) and what its candles are built from, and can be retired; API keys may
 * carry the feed:publish scope for a list of symbols (and auction:write, which the old
 * constraint wrongly refused); candles are stored per symbol, interval and bucket start.
 */
export class AddPublishersAndCandles1796212800000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE instruments
        ADD COLUMN source        varchar(64)  NOT NULL DEFAULT 'simulator',
        ADD COLUMN candle_source varchar(8)   NOT NULL DEFAULT 'trades',
        ADD COLUMN retired_at    timestamptz  NULL,
        ADD CONSTRAINT ck_instruments_candle_source CHECK (candle_source IN ('trades', 'quotes'))`);
    // Spot FX has no public trades: its candles come from quotes.
    await queryRunner.query(`UPDATE instruments SET candle_source = 'quotes' WHERE symbol IN ('EUR-USD', 'GBP-USD', 'USD-JPY')`);
    await queryRunner.query(`ALTER TABLE api_keys DROP CONSTRAINT ck_api_keys_scopes`);
    await queryRunner.query(`
      ALTER TABLE api_keys
        ADD COLUMN publish_symbols text[] NOT NULL DEFAULT '{}',
        ADD CONSTRAINT ck_api_keys_scopes
          CHECK (scopes <@ ARRAY['feed:read', 'bid:write', 'auction:write', 'feed:publish']::text[] AND cardinality(scopes) > 0),
        ADD CONSTRAINT ck_api_keys_publish_symbols CHECK (cardinality(publish_symbols) = 0 OR 'feed:publish' = ANY (scopes))`);
    await queryRunner.query(`
      CREATE TABLE candles (
        symbol       varchar(32)  NOT NULL,
        interval     varchar(4)   NOT NULL,
        start_at     timestamptz  NOT NULL,
        open         bigint       NOT NULL,
        high         bigint       NOT NULL,
        low          bigint       NOT NULL,
        close        bigint       NOT NULL,
        volume       bigint       NOT NULL,
        count        integer      NOT NULL,
        closed       boolean      NOT NULL,
        CONSTRAINT pk_candles PRIMARY KEY (symbol, interval, start_at),
        CONSTRAINT fk_candles_instrument FOREIGN KEY (symbol) REFERENCES instruments (symbol) ON DELETE CASCADE,
        CONSTRAINT ck_candles_interval CHECK (interval IN ('1s', '1m', '5m', '1h', '1d')),
        CONSTRAINT ck_candles_range CHECK (low <= open AND low <= close AND high >= open AND high >= close AND count > 0)
      )`);
    // Retention deletes by interval and age.
    await queryRunner.query(`CREATE INDEX ix_candles_interval_start ON candles (interval, start_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE candles`);
    await queryRunner.query(`ALTER TABLE api_keys DROP CONSTRAINT ck_api_keys_publish_symbols, DROP CONSTRAINT ck_api_keys_scopes, DROP COLUMN publish_symbols`);
    await queryRunner.query(`DELETE FROM api_keys WHERE NOT (scopes <@ ARRAY['feed:read', 'bid:write']::text[])`);
    await queryRunner.query(`ALTER TABLE api_keys ADD CONSTRAINT ck_api_keys_scopes CHECK (scopes <@ ARRAY['feed:read', 'bid:write']::text[] AND cardinality(scopes) > 0)`);
    await queryRunner.query(`
      ALTER TABLE instruments DROP CONSTRAINT ck_instruments_candle_source,
        DROP COLUMN retired_at, DROP COLUMN candle_source, DROP COLUMN source`);
  }
}
