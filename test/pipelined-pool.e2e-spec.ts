import { Client } from 'pg';
import { PipelinedPool } from '../src/database/pipelined-pool';
import { pollUntil } from './support/poll';

/**
 * The bidding hot path's transactions, on a real PostgreSQL: statements issued without waiting
 * for each other commit together, and any failure (awaited or not) rolls back all of them.
 */
describe('PipelinedPool', () => {
  const url = process.env.DATABASE_URL!;
  const table = `pipelined_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const errors: Error[] = [];
  // One connection: every transaction reuses the same one, so a connection left mid-transaction would show.
  const pool = new PipelinedPool(url, 1, (e) => errors.push(e));
  const db = new Client({ connectionString: url });

  const values = async () => (await db.query<{ v: number }>(`SELECT v FROM ${table} ORDER BY v`)).rows.map((r) => r.v);

  beforeAll(async () => {
    await db.connect();
    await db.query(`CREATE TABLE ${table} (v int PRIMARY KEY)`);
  });
  afterAll(async () => {
    await db.query(`DROP TABLE IF EXISTS ${table}`);
    await db.end();
    await pool.end();
  });
  beforeEach(async () => {
    await db.query(`TRUNCATE ${table}`);
  });

  it('commits statements issued without awaiting, behind the result of work', async () => {
    const result = await pool.transaction(async (tx) => {
      void tx.query({ text: `INSERT INTO ${table} VALUES (1)` });
      const [rows] = await Promise.all([tx.query<{ n: number }>({ text: `SELECT count(*)::int AS n FROM ${table}` }), tx.query({ text: `INSERT INTO ${table} VALUES (2)` })]);
      void tx.query({ name: 'pipelined-insert', text: `INSERT INTO ${table} VALUES ($1)`, values: [3] });
      return rows[0].n;
    });
    // Run in order: the count saw the first insert only.
    expect(result).toBe(1);
    expect(await values()).toEqual([1, 2, 3]);
  });

  it('rolls back everything when a statement nobody awaited fails', async () => {
    await db.query(`INSERT INTO ${table} VALUES (7)`);
    const attempt = pool.transaction((tx) => {
      void tx.query({ text: `INSERT INTO ${table} VALUES (5)` });
      void tx.query({ text: `INSERT INTO ${table} VALUES (7)` }); // duplicate key
      return Promise.resolve('planned');
    });
    await expect(attempt).rejects.toMatchObject({ code: '23505' });
    expect(await values()).toEqual([7]);
  });

  it('rolls back when work throws after issuing statements', async () => {
    const attempt = pool.transaction((tx) => {
      void tx.query({ text: `INSERT INTO ${table} VALUES (8)` });
      return Promise.reject(new Error('planning failed'));
    });
    await expect(attempt).rejects.toThrow('planning failed');
    expect(await values()).toEqual([]);
  });

  it('leaves the connection usable after failures, with named statements still prepared', async () => {
    for (const v of [10, 11]) {
      await pool.transaction((tx) => {
        void tx.query({ name: 'pipelined-insert', text: `INSERT INTO ${table} VALUES ($1)`, values: [v] });
        return Promise.resolve(null);
      });
    }
    await expect(pool.transaction(async (tx) => tx.query({ text: 'SELECT 1/0' }))).rejects.toMatchObject({ code: '22012' });
    const inTransaction = await pool.transaction(async (tx) => (await tx.query<{ s: string }>({ text: 'SELECT current_setting($1) AS s', values: ['transaction_isolation'] }))[0].s);
    expect(inTransaction).toBe('read committed');
    expect(await values()).toEqual([10, 11]);
    expect(errors).toEqual([]);
    errors.length = 0;
  });

  it('fails the transaction of a connection lost midway, without an unhandled error, and uses a new one next', async () => {
    const attempt = pool.transaction(async (tx) => {
      const [{ pid }] = await tx.query<{ pid: number }>({ text: 'SELECT pg_backend_pid() AS pid' });
      await db.query('SELECT pg_terminate_backend($1)', [pid]);
      await tx.query({ text: `INSERT INTO ${table} VALUES (20)` });
      return pid;
    });
    await expect(attempt).rejects.toThrow();
    await pool.transaction(async (tx) => tx.query({ text: `INSERT INTO ${table} VALUES (21)` }));
    expect(await values()).toEqual([21]);
  });

  it('ends while a transaction is still running, once that transaction has finished', async () => {
    const other = new PipelinedPool(url, 2, (e) => errors.push(e));
    await other.transaction((tx) => tx.query({ text: 'SELECT 1' })); // one connection kept
    const running = other.transaction(async (tx) => tx.query({ text: 'SELECT pg_sleep(0.2)' }));
    await new Promise((r) => setTimeout(r, 50));
    const ended = other.end();
    await running;
    await expect(Promise.race([ended.then(() => 'ended'), new Promise((r) => setTimeout(() => r('still waiting'), 3000))])).resolves.toBe('ended');
  });

  it('replaces a kept connection that died while idle', async () => {
    const pidOf = () => pool.transaction(async (tx) => (await tx.query<{ pid: number }>({ text: 'SELECT pg_backend_pid() AS pid' }))[0].pid);
    const before = await pidOf();
    expect(await pidOf()).toBe(before); // kept between transactions
    errors.length = 0;
    await db.query('SELECT pg_terminate_backend($1)', [before]);
    await pollUntil('the lost connection reported', () => errors.length > 0, 5000, 10);
    const after = await pidOf();
    expect(after).not.toBe(before);
  });
});
