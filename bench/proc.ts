/** Reads of a process's memory and CPU time from /proc (Linux only). */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times; 100 on every Linux that matters. */
const CLK_TCK = 100;

/** Resident set size in bytes (VmRSS), or NaN when it cannot be read. */
export function rssBytes(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

export interface CpuTimes {
  user: number;
  system: number;
}

/** User and system CPU time of a process in seconds (NaN when it cannot be read). */
export function cpuTimes(pid: number): CpuTimes {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces: count fields after its closing ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: Number(fields[11]) / CLK_TCK, system: Number(fields[12]) / CLK_TCK };
  } catch {
    return { user: NaN, system: NaN };
  }
}

/** Whole-machine CPU time from /proc/stat, seconds summed over all cores. */
interface MachineTimes {
  busy: number;
  softirq: number;
  total: number;
}

function machineTimes(): MachineTimes {
  const [user, nice, system, idle, iowait, irq, softirq, steal] = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]
    .trim()
    .split(/\s+/)
    .slice(1)
    .map((v) => Number(v) / CLK_TCK);
  const total = user + nice + system + idle + iowait + irq + softirq + steal;
  return { busy: total - idle - iowait, softirq, total };
}

export interface CpuMark {
  process: CpuTimes;
  machine: MachineTimes;
  at: number;
}

export interface CpuUse {
  /** % of one core. */
  percent: number;
  userPercent: number;
  systemPercent: number;
  /** Whole machine over the same time: busy % summed over cores (200 = both cores busy). */
  machineBusyPercent: number;
  /** Share of that spent in softirq (loopback TCP delivery lands here). */
  machineSoftirqPercent: number;
}

export function markCpu(pid: number): CpuMark {
  return { process: cpuTimes(pid), machine: machineTimes(), at: performance.now() };
}

export function cpuUseSince(pid: number, mark: CpuMark): CpuUse {
  const now = cpuTimes(pid);
  const machine = machineTimes();
  const seconds = (performance.now() - mark.at) / 1000;
  const user = ((now.user - mark.process.user) / seconds) * 100;
  const system = ((now.system - mark.process.system) / seconds) * 100;
  return {
    percent: user + system,
    userPercent: user,
    systemPercent: system,
    machineBusyPercent: ((machine.busy - mark.machine.busy) / seconds) * 100,
    machineSoftirqPercent: ((machine.softirq - mark.machine.softirq) / seconds) * 100,
  };
}

interface ProcessCpu {
  name: string;
  /** Process group: the bench's children each lead their own. */
  group: number;
  kernelThread: boolean;
  seconds: number;
}

/** CPU seconds of every process on the machine, by pid (kernel threads included). */
export interface ProcessTable {
  at: number;
  cpu: Map<number, ProcessCpu>;
}

export function processTable(): ProcessTable {
  const cpu = new Map<number, ProcessCpu>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      // After the name: state ppid pgrp ... utime (12th) stime (13th).
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(fields[1]);
      cpu.set(Number(entry), {
        name,
        group: Number(fields[2]),
        kernelThread: ppid === 2 || Number(entry) === 2,
        seconds: (Number(fields[11]) + Number(fields[12])) / CLK_TCK,
      });
    } catch {
      // exited meanwhile
    }
  }
  return { at: performance.now(), cpu };
}

export interface OtherProcess {
  pid: number;
  name: string;
  percent: number;
}

export interface Background {
  /** CPU of user processes outside the given process groups, % of one core. */
  percent: number;
  /** Busiest processes outside those groups, kernel threads included. */
  top: OtherProcess[];
}

/** What ran besides the process groups in `ours` since `before`. */
export function backgroundSince(before: ProcessTable, ours: number[], count = 4): Background {
  const after = processTable();
  const seconds = (after.at - before.at) / 1000;
  const top: OtherProcess[] = [];
  let percent = 0;
  for (const [pid, now] of after.cpu) {
    if (ours.includes(now.group) || pid === process.pid) continue;
    const used = ((now.seconds - (before.cpu.get(pid)?.seconds ?? 0)) / seconds) * 100;
    if (!now.kernelThread) percent += used;
    if (used >= 1) top.push({ pid, name: now.name, percent: used });
  }
  return { percent, top: top.sort((a, b) => b.percent - a.percent).slice(0, count) };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Median of a few RSS readings `gapMs` apart: one GC in between does not decide it. */
export async function sampleRss(pid: number, samples = 3, gapMs = 250): Promise<number> {
  const values: number[] = [];
  for (let i = 0; i < samples; i++) {
    if (i > 0) await sleep(gapMs);
    values.push(rssBytes(pid));
  }
  values.sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)];
}

/** Pins every thread of `pid` (and what it starts later) to the given CPU list, e.g. "0". */
export function pinToCpus(pid: number, cpus: string): void {
  try {
    execFileSync('taskset', ['--all-tasks', '--pid', '--cpu-list', cpus, String(pid)], { stdio: 'ignore' });
  } catch (error) {
    throw new Error(`taskset could not pin pid ${pid} to CPU ${cpus} (${(error as Error).message}); BENCH_PIN=off runs unpinned`);
  }
}

export interface SendQueue {
  sockets: number;
  /** Bytes in the kernel's send queues of those sockets: not yet sent or not yet acknowledged. */
  bytes: number;
}

/**
 * The kernel's send queues of the established TCP connections on a local port, summed by
 * peer address (`ss`); empty when `ss` cannot be run. What a server has queued in its own
 * memory beyond these is not visible here (its RSS is).
 */
export function sendQueuesByPeer(port: number): Record<string, SendQueue> {
  let output: string;
  try {
    output = execFileSync('ss', ['-tnH', 'state', 'established', `( sport = :${port} )`], { encoding: 'utf8' });
  } catch {
    return {};
  }
  const byPeer: Record<string, SendQueue> = {};
  for (const line of output.split('\n')) {
    // With a state filter the columns are Recv-Q, Send-Q, local address:port, peer address:port.
    const [, sendQueue, , peer] = line.trim().split(/\s+/);
    if (!peer) continue;
    const address = peer.slice(0, peer.lastIndexOf(':'));
    const entry = (byPeer[address] ??= { sockets: 0, bytes: 0 });
    entry.sockets++;
    entry.bytes += Number(sendQueue);
  }
  return byPeer;
}
