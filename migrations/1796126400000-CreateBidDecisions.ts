import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One stored decision per (bidder, client bid id), accepted or rejected, whatever auction it
 * named: the primary key makes concurrent duplicates conflict on any node (two batches lock
 * different auction rows, but not different keys here), so exactly one is ever decided. The
 * request's fields are kept so a resend with other fields can be refused instead of answered
 * with another bid's outcome. Replaces bid_rejections, whose key did not cover accepted bids.
 */
export class CreateBidDecisions1796126400000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE bid_decisions (
        bidder_id      uuid         NOT NULL,
        client_bid_id  varchar(64)  NOT NULL,
        auction_id     uuid         NOT NULL,
        amount         bigint       NOT NULL,
        max_amount     bigint       NULL,
        accepted       boolean      NOT NULL,
        seq            bigint       NULL,
        reason         varchar(32)  NULL,
        next_minimum   bigint       NOT NULL,
        received_at    timestamptz  NOT NULL,
        CONSTRAINT pk_bid_decisions PRIMARY KEY (bidder_id, client_bid_id),
        CONSTRAINT fk_bid_decisions_bidder FOREIGN KEY (bidder_id) REFERENCES bidders (id),
        CONSTRAINT ck_bid_decisions_outcome CHECK (accepted = (seq IS NOT NULL) AND accepted = (reason IS NULL))
      )`);
    // Accepted bids first: where the old tables disagree (the bug this table fixes), the bid stands.
    await queryRunner.query(`
      INSERT INTO bid_decisions (bidder_id, client_bid_id, auction_id, amount, max_amount, accepted, seq, reason, next_minimum, received_at)
      SELECT bidder_id, client_bid_id, auction_id, amount, max_amount, true, seq, NULL, next_minimum, received_at
        FROM bids WHERE client_bid_id IS NOT NULL`);
    await queryRunner.query(`
      INSERT INTO bid_decisions (bidder_id, client_bid_id, auction_id, amount, max_amount, accepted, seq, reason, next_minimum, received_at)
      SELECT bidder_id, client_bid_id, auction_id, amount, NULL, false, NULL, reason, next_minimum, received_at
        FROM bid_rejections
      ON CONFLICT ON CONSTRAINT pk_bid_decisions DO NOTHING`);
    await queryRunner.query(`DROP TABLE bid_rejections`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
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
    await queryRunner.query(`
      INSERT INTO bid_rejections (bidder_id, client_bid_id, auction_id, amount, reason, next_minimum, received_at)
      SELECT bidder_id, client_bid_id, auction_id, amount, reason, next_minimum, received_at FROM bid_decisions WHERE NOT accepted`);
    await queryRunner.query(`DROP TABLE bid_decisions`);
  }
}
