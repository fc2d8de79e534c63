import type { EmbeddedDatabase } from '../../src/database/embedded-postgres';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __BIDTAPE_DB__?: EmbeddedDatabase }).__BIDTAPE_DB__?.stop();
}
