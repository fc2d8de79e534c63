import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The instrument catalogue, seeded with the default simulated set. */
export class CreateInstruments1795386468840 implements MigrationInterface {
  name = 'CreateInstruments1795386468840';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE instruments (
        symbol          varchar(32)  NOT NULL,
        display_name    text         NOT NULL,
        price_scale     smallint     NOT NULL,
        tick_size       bigint       NOT NULL,
        size_scale      smallint     NOT NULL,
        lot_size        bigint       NOT NULL,
        quote_currency  varchar(12)  NOT NULL,
        active          boolean      NOT NULL DEFAULT true,
        created_at      timestamptz  NOT NULL DEFAULT now(),
        CONSTRAINT pk_instruments PRIMARY KEY (symbol),
        CONSTRAINT ck_instruments_symbol_format CHECK (symbol ~ '^[A-Z0-9][A-Z0-9._-]{0,31}$'),
        CONSTRAINT ck_instruments_price_scale CHECK (price_scale BETWEEN 0 AND 12),
        CONSTRAINT ck_instruments_size_scale CHECK (size_scale BETWEEN 0 AND 12),
        CONSTRAINT ck_instruments_tick_size_positive CHECK (tick_size > 0),
        CONSTRAINT ck_instruments_lot_size_positive CHECK (lot_size > 0)
      )`);
    await queryRunner.query(`CREATE INDEX ix_instruments_active ON instruments (active) WHERE active`);
    // price_scale 2 with tick 1 means a 0.01 tick; EUR-USD scale 5 tick 1 is 0.00001.
    await queryRunner.query(`
      INSERT INTO instruments (symbol, display_name, price_scale, tick_size, size_scale, lot_size, quote_currency) VALUES
        ('BTC-USD', 'Bitcoin / US Dollar',        2, 1,  8, 1000,   'USD'),
        ('ETH-USD', 'Ether / US Dollar',          2, 1,  8, 100000, 'USD'),
        ('SOL-USD', 'Solana / US Dollar',         2, 1,  6, 1000,   'USD'),
        ('AAPL',    'Apple Inc.',                 2, 1,  0, 1,      'USD'),
        ('MSFT',    'Microsoft Corporation',      2, 1,  0, 1,      'USD'),
        ('NVDA',    'NVIDIA Corporation',         2, 1,  0, 1,      'USD'),
        ('TSLA',    'Tesla, Inc.',                2, 1,  0, 1,      'USD'),
        ('AMZN',    'Amazon.com, Inc.',           2, 1,  0, 1,      'USD'),
        ('EUR-USD', 'Euro / US Dollar',           5, 1,  0, 1000,   'USD'),
        ('GBP-USD', 'British Pound / US Dollar',  5, 1,  0, 1000,   'USD'),
        ('USD-JPY', 'US Dollar / Japanese Yen',   3, 1,  0, 1000,   'JPY'),
        ('XAU-USD', 'Gold / US Dollar',           2, 1,  2, 1,      'USD')`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE instruments`);
  }
}
