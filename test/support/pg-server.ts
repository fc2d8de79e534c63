/**
 * A real PostgreSQL in its own process, for tests that stop and restart the database:
 * `node -r ts-node/register/transpile-only test/support/pg-server.ts <dataDir> <port>` prints
 * `ready <url>` once it accepts connections and shuts PostgreSQL down on SIGTERM.
 */
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';

async function main(): Promise<void> {
  const [dataDir, port] = process.argv.slice(2);
  const database = await startEmbeddedPostgres({ dataDir, port: Number(port), persistent: true });
  process.stdout.write(`ready ${database.url}\n`);
  process.once('SIGTERM', () => {
    void database.stop().then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
