import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Partner API keys: only a SHA-256 of the secret is stored; revocation is a timestamp. */
export class CreateApiKeys1795390241169 implements MigrationInterface {
  name = 'CreateApiKeys1795390241169';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE api_keys (
        id           uuid         NOT NULL DEFAULT gen_random_uuid(),
        name         varchar(100) NOT NULL,
        prefix       varchar(16)  NOT NULL,
        secret_hash  bytea        NOT NULL,
        scopes       text[]       NOT NULL,
        bidder_id    uuid         NULL,
        created_at   timestamptz  NOT NULL DEFAULT now(),
        revoked_at   timestamptz  NULL,
        CONSTRAINT pk_api_keys PRIMARY KEY (id),
        CONSTRAINT uq_api_keys_prefix UNIQUE (prefix),
        CONSTRAINT fk_api_keys_bidder FOREIGN KEY (bidder_id) REFERENCES bidders (id),
        CONSTRAINT ck_api_keys_scopes CHECK (scopes <@ ARRAY['feed:read', 'bid:write']::text[] AND cardinality(scopes) > 0),
        CONSTRAINT ck_api_keys_hash_length CHECK (octet_length(secret_hash) = 32)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE api_keys`);
  }
}
