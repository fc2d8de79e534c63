import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Bidders, auctions and bids. The database enforces what must never happen: one bid per
 * bidder per client bid id, one bid per sequence number in an auction, positive amounts,
 * a known state.
 */
export class CreateAuctions1795388000000 implements MigrationInterface {
  name = 'CreateAuctions1795388000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE bidders (
        id          uuid         NOT NULL DEFAULT gen_random_uuid(),
        handle      varchar(64)  NOT NULL,
        pseudonym   varchar(32)  NOT NULL,
        created_at  timestamptz  NOT NULL DEFAULT now(),
        CONSTRAINT pk_bidders PRIMARY KEY (id),
        CONSTRAINT uq_bidders_handle UNIQUE (handle),
        CONSTRAINT uq_bidders_pseudonym UNIQUE (pseudonym),
        CONSTRAINT ck_bidders_handle_format CHECK (handle ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$')
      )`);
    await queryRunner.query(`
      CREATE TABLE auctions (
        id                       uuid         NOT NULL DEFAULT gen_random_uuid(),
        title                    text         NOT NULL,
        description              text         NOT NULL DEFAULT '',
        seller_id                uuid         NULL,
        currency                 char(3)      NOT NULL,
        price_scale              smallint     NOT NULL,
        starting_price           bigint       NOT NULL,
        reserve_price            bigint       NULL,
        increments               jsonb        NOT NULL,
        start_at                 timestamptz  NOT NULL,
        scheduled_end_at         timestamptz  NOT NULL,
        end_at                   timestamptz  NOT NULL,
        soft_close_window_ms     integer      NOT NULL,
        soft_close_extension_ms  integer      NOT NULL,
        state                    varchar(16)  NOT NULL DEFAULT 'scheduled',
        current_price            bigint       NOT NULL DEFAULT 0,
        leader_id                uuid         NULL,
        leader_max               bigint       NOT NULL DEFAULT 0,
        bid_count                integer      NOT NULL DEFAULT 0,
        last_seq                 bigint       NOT NULL DEFAULT 0,
        winner_id                uuid         NULL,
        reserve_met              boolean      NULL,
        closed_at                timestamptz  NULL,
        created_at               timestamptz  NOT NULL DEFAULT now(),
        updated_at               timestamptz  NOT NULL DEFAULT now(),
        CONSTRAINT pk_auctions PRIMARY KEY (id),
        CONSTRAINT fk_auctions_seller FOREIGN KEY (seller_id) REFERENCES bidders (id),
        CONSTRAINT fk_auctions_leader FOREIGN KEY (leader_id) REFERENCES bidders (id),
        CONSTRAINT fk_auctions_winner FOREIGN KEY (winner_id) REFERENCES bidders (id),
        CONSTRAINT ck_auctions_state CHECK (state IN ('scheduled', 'open', 'closed')),
        CONSTRAINT ck_auctions_price_scale CHECK (price_scale BETWEEN 0 AND 6),
        CONSTRAINT ck_auctions_starting_price_positive CHECK (starting_price > 0),
        CONSTRAINT ck_auctions_reserve_positive CHECK (reserve_price IS NULL OR reserve_price > 0),
        CONSTRAINT ck_auctions_times CHECK (scheduled_end_at > start_at AND end_at >= scheduled_end_at),
        CONSTRAINT ck_auctions_soft_close CHECK (soft_close_window_ms >= 0 AND soft_close_extension_ms >= 0),
        CONSTRAINT ck_auctions_price_within_max CHECK (current_price <= leader_max OR leader_id IS NULL),
        CONSTRAINT ck_auctions_closed_consistent CHECK ((state = 'closed') = (closed_at IS NOT NULL))
      )`);
    await queryRunner.query(`CREATE INDEX ix_auctions_state_end_at ON auctions (state, end_at)`);
    await queryRunner.query(`CREATE INDEX ix_auctions_start_at ON auctions (start_at)`);
    await queryRunner.query(`
      CREATE TABLE bids (
        id             bigint GENERATED ALWAYS AS IDENTITY,
        auction_id     uuid         NOT NULL,
        seq            bigint       NOT NULL,
        bidder_id      uuid         NOT NULL,
        kind           varchar(8)   NOT NULL,
        amount         bigint       NOT NULL,
        max_amount     bigint       NULL,
        client_bid_id  varchar(64)  NULL,
        received_at    timestamptz  NOT NULL,
        price_after    bigint       NOT NULL,
        leads          boolean      NOT NULL,
        next_minimum   bigint       NOT NULL,
        end_at_after   timestamptz  NOT NULL,
        extended       boolean      NOT NULL DEFAULT false,
        CONSTRAINT pk_bids PRIMARY KEY (id),
        CONSTRAINT fk_bids_auction FOREIGN KEY (auction_id) REFERENCES auctions (id),
        CONSTRAINT fk_bids_bidder FOREIGN KEY (bidder_id) REFERENCES bidders (id),
        CONSTRAINT uq_bids_auction_seq UNIQUE (auction_id, seq),
        CONSTRAINT uq_bids_bidder_client_bid_id UNIQUE (bidder_id, client_bid_id),
        CONSTRAINT ck_bids_kind CHECK (kind IN ('bid', 'proxy')),
        CONSTRAINT ck_bids_amount_positive CHECK (amount > 0),
        CONSTRAINT ck_bids_max_not_below_amount CHECK (max_amount IS NULL OR max_amount >= amount),
        CONSTRAINT ck_bids_client_bid_id_for_bids CHECK ((kind = 'bid') = (client_bid_id IS NOT NULL))
      )`);
    // Rejections are kept only to answer a resent client bid id with the original answer.
    await queryRunner.query(`
      CREATE TABLE bid_rejections (
        bidder_id      uuid         NOT NULL,
        client_bid_id  varchar(64)  NOT NULL,
        auction_id     uuid         NOT NULL,
        amount         bigint       NOT NULL,
        reason         varchar(32)  NOT NULL,
        next_minimum   bigint       NOT NULL,
        received_at    timestamptz  NOT NULL,
        CONSTRAINT pk_bid_rejections PRIMARY KEY (bidder_id, client_bid_id),
        CONSTRAINT fk_bid_rejections_bidder FOREIGN KEY (bidder_id) REFERENCES bidders (id)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE bid_rejections`);
    await queryRunner.query(`DROP TABLE bids`);
    await queryRunner.query(`DROP TABLE auctions`);
    await queryRunner.query(`DROP TABLE bidders`);
  }
}
