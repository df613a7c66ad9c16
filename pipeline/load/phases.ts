// Where a load's time goes, for the load benchmark: with BULLETIN_LOAD_PHASES=1 in its environment, `bulletin load`
// ends with one line on stderr, `phases: sha256 0.41 s (0.40 cpu), parse 6.12 s (11.02 cpu), …` (wall seconds and
// the process's CPU seconds, all threads, per phase, summed over the files, in the order first met). Nothing is
// measured or printed otherwise.
import { performance } from 'node:perf_hooks';

export class PhaseClock {
  private last = performance.now();
  private lastCpu = cpuSeconds();
  private readonly seconds = new Map<string, { wall: number; cpu: number }>();

  /** The time since the previous mark (or since the clock started) goes to `phase`. */
  mark(phase: string): void {
    const now = performance.now();
    const cpu = cpuSeconds();
    const sum = this.seconds.get(phase) ?? { wall: 0, cpu: 0 };
    this.seconds.set(phase, { wall: sum.wall + (now - this.last) / 1000, cpu: sum.cpu + cpu - this.lastCpu });
    this.last = now;
    this.lastCpu = cpu;
  }

  /** Starts a new stretch without counting the time since the last mark. */
  skip(): void {
    this.last = performance.now();
    this.lastCpu = cpuSeconds();
  }

  line(): string {
    return `phases: ${[...this.seconds].map(([phase, s]) => `${phase} ${s.wall.toFixed(2)} s (${s.cpu.toFixed(2)} cpu)`).join(', ')}`;
  }
}

/** User + system CPU seconds of the whole process (DuckDB's threads and the hashing worker included). */
function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** Marks nothing: what load.ts and store.ts use when no one asked. */
export const NO_PHASES = { mark: (_phase: string) => undefined, skip: () => undefined } as Pick<PhaseClock, 'mark' | 'skip'>;

export type Phases = Pick<PhaseClock, 'mark' | 'skip'>;
