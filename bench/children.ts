/**
 * Every child process and temp dir the bench creates, and their cleanup: on a normal end,
 * on failure and on Ctrl-C / SIGTERM. Children are started in their own process group
 * (detached), so a group kill also ends what they started themselves (the app's embedded
 * PostgreSQL); a PostgreSQL left behind anyway is stopped by the pid in its data dir.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { sleep } from './proc';

const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();
/** PostgreSQL data dirs inside the temp dirs, checked for a running postmaster. */
const pgDataDirs = new Set<string>();

export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export function trackTempDir(dir: string): void {
  tempDirs.add(dir);
}

export function trackPgDataDir(dir: string): void {
  pgDataDirs.add(dir);
}

const alive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (!child.pid) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

/**
 * Asks `child` to stop with `signal`, waits up to `graceMs`, then kills its whole
 * process group.
 */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<void> {
  if (alive(child)) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
    await Promise.race([exited, sleep(graceMs)]);
    // Still there: kill it and whatever it started in its group.
    if (alive(child)) killGroup(child, 'SIGKILL');
  }
  children.delete(child);
}

function postmasterPid(dataDir: string): number | undefined {
  const file = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  // A stale pid file must not make us signal an unrelated process that reused the pid.
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dataDir) ? pid : undefined;
  } catch {
    return undefined;
  }
}

function stopPostgres(dataDir: string): void {
  const pid = postmasterPid(dataDir);
  if (!pid) return;
  try {
    process.kill(pid, 'SIGQUIT'); // immediate shutdown; the data is throwaway
  } catch {
    // not running
  }
}

let cleaning: Promise<void> | undefined;
let interrupted = false;

/** True once Ctrl-C / SIGTERM arrived: errors from the torn-down phase are expected then. */
export function wasInterrupted(): boolean {
  return interrupted;
}

/** Stops every child (gracefully first), any leftover PostgreSQL, and removes temp dirs. */
export function cleanupAll(): Promise<void> {
  cleaning ??= (async () => {
    await Promise.all([...children].map((c) => stopChild(c, 'SIGTERM', 8000)));
    for (const dir of pgDataDirs) stopPostgres(dir);
    if (pgDataDirs.size > 0) await sleep(300);
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  })();
  return cleaning;
}

/**
 * Runs a bench's `main`: an error ends the run with exit code 1 (quietly when Ctrl-C caused
 * it); children and temp dirs are cleaned up in every case.
 */
export function runBench(main: () => Promise<void>): void {
  main()
    .catch((error: unknown) => {
      if (wasInterrupted()) return;
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    })
    .finally(() => cleanupAll());
}

/** Last resort when the runner exits without awaiting cleanup: synchronous kills only. */
function cleanupSync(): void {
  for (const child of children) killGroup(child, 'SIGKILL');
  for (const dir of pgDataDirs) stopPostgres(dir);
  for (const dir of tempDirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort
    }
  }
}

export function installSignalHandlers(): void {
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted = true;
    console.error(`\n${signal}: stopping servers and clients...`);
    void cleanupAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', cleanupSync);
}
