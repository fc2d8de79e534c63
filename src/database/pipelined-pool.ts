import { Pool } from 'pg';
import type { PoolClient, QueryResultRow } from 'pg';

/** A statement; the hot ones carry a name so each connection parses and plans them once. */
export interface Statement {
  name?: string;
  text: string;
  values?: unknown[];
}

/**
 * One transaction on a pipelining connection: a statement is written the moment it is issued,
 * without waiting for the answers to the ones before, so statements that do not depend on each
 * other share one round trip. PostgreSQL still runs them in order.
 */
export class PipelinedTransaction {
  private readonly issued: Promise<unknown>[] = [];

  constructor(private readonly client: PoolClient) {}

  /** Issues a statement now. Leaving it unawaited is fine: its failure fails the transaction. */
  query<R extends QueryResultRow>(statement: Statement): Promise<R[]> {
    const rows = this.client.query<R>(statement).then((result) => result.rows);
    rows.catch(() => undefined);
    this.issued.push(rows);
    return rows;
  }

  /** Waits until every issued statement answered; throws the first failure. */
  async settled(): Promise<void> {
    const outcomes = await Promise.allSettled(this.issued);
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) throw failed.reason;
  }
}

/**
 * Connections for the bidding hot path, apart from TypeORM's pool: node-postgres in pipeline
 * mode, so a bid batch costs two round trips (BEGIN + lock + lookups, then write + COMMIT)
 * instead of one per statement, and no ORM layer sits between the batch and the driver.
 *
 * The connections stay checked out of the pg pool between transactions: the pool hands out
 * even an idle one only on the next tick, after every microtask already queued (on the bid
 * path, the previous batch's answers), while a kept one lets a batch write its first
 * statements at once.
 */
export class PipelinedPool {
  private readonly pool: Pool;
  private readonly ready: PoolClient[] = [];
  private readonly lost = new WeakSet<PoolClient>();
  private ending = false;

  constructor(
    connectionString: string,
    size: number,
    private readonly onError: (error: Error) => void,
  ) {
    this.pool = new Pool({ connectionString, max: size, pipeline: true, application_name: 'bidtape-bids' });
    this.pool.on('error', onError);
  }

  /**
   * Runs `work` in one transaction. BEGIN goes out with `work`'s first statements and COMMIT
   * right behind its last ones, awaited or not; the result is returned once all of them succeeded.
   */
  async transaction<T>(work: (tx: PipelinedTransaction) => Promise<T>): Promise<T> {
    const client = this.ready.pop() ?? (await this.connect());
    let broken = false;
    try {
      const tx = new PipelinedTransaction(client);
      void tx.query({ text: 'BEGIN' });
      const result = await work(tx);
      void tx.query({ text: 'COMMIT' });
      await tx.settled();
      return result;
    } catch (error) {
      // After a failed statement PostgreSQL answers COMMIT with a rollback; this covers a `work`
      // that threw on its own. A connection that cannot even roll back is not reused.
      await client.query('ROLLBACK').catch(() => (broken = true));
      throw error;
    } finally {
      // A transaction that ends after end() began gives its connection back, or end() waits forever.
      if (broken || this.lost.has(client)) client.release(true);
      else if (this.ending) client.release();
      else this.ready.push(client);
    }
  }

  async end(): Promise<void> {
    this.ending = true;
    for (const client of this.ready.splice(0)) client.release();
    await this.pool.end();
  }

  private async connect(): Promise<PoolClient> {
    const client = await this.pool.connect();
    // A kept connection that dies is dropped at once if idle, or when its transaction ends
    // (whose statements fail); without a listener the error would crash the process.
    client.on('error', (error: Error) => {
      this.lost.add(client);
      const idle = this.ready.indexOf(client);
      if (idle >= 0) {
        this.ready.splice(idle, 1);
        client.release(true);
      }
      this.onError(error);
    });
    return client;
  }
}
