/**
 * Who used the two cores during a window: the app under test, PostgreSQL, this bench process
 * (the clients) and everything else. % of one core, so 200 is both cores busy.
 */
import { processTable } from '../proc';
import type { ProcessTable } from '../proc';

export interface CpuShare {
  app: number;
  postgres: number;
  client: number;
  other: number;
  /** Busiest other processes, to tell a disturbed window. */
  otherTop: string[];
}

export function cpuMark(): ProcessTable {
  return processTable();
}

/** CPU since `before`; `appGroup` is the process group of the loaded app (it leads its group). */
export function cpuSince(before: ProcessTable, appGroup: number): CpuShare {
  const after = processTable();
  const seconds = (after.at - before.at) / 1000;
  const share: CpuShare = { app: 0, postgres: 0, client: 0, other: 0, otherTop: [] };
  const others: { name: string; percent: number }[] = [];
  for (const [pid, now] of after.cpu) {
    const percent = ((now.seconds - (before.cpu.get(pid)?.seconds ?? 0)) / seconds) * 100;
    if (percent <= 0) continue;
    if (now.group === appGroup) share.app += percent;
    else if (now.name === 'postgres') share.postgres += percent;
    else if (pid === process.pid) share.client += percent;
    else {
      if (!now.kernelThread) share.other += percent;
      if (percent >= 2) others.push({ name: `${now.name}(${pid})`, percent });
    }
  }
  share.otherTop = others.sort((a, b) => b.percent - a.percent).slice(0, 3).map((o) => `${o.name} ${o.percent.toFixed(0)}%`);
  return share;
}
