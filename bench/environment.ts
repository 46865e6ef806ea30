// Where a run happened: date, Node, machine and load, so figures can be compared over time.
import { availableParallelism, cpus, loadavg } from 'node:os';
import { round } from './stats.js';

/** The machine as the report describes it. */
export interface Environment {
  readonly date: string;
  readonly node: string;
  readonly platform: string;
  readonly cpus: number;
  readonly cpuModel: string;
}

/** Describes this process's machine now. */
export const environment = (): Environment => ({
  date: new Date().toISOString(),
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
  cpus: availableParallelism(),
  cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
});

/** os.loadavg() rounded: 1, 5 and 15 minutes. */
export const loadAverage = (): number[] => loadavg().map((l) => round(l, 2));
