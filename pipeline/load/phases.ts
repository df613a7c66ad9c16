// Where a load's time goes, for the load benchmark: with BULLETIN_LOAD_PHASES=1 in its environment, `bulletin load`
// ends with one line on stderr, `phases: sha256 0.41 s, check 0.90 s, parse 6.12 s, …` (seconds per phase, summed
// over the files, in the order first met). Nothing is measured or printed otherwise.
import { performance } from 'node:perf_hooks';

export class PhaseClock {
  private last = performance.now();
  private readonly seconds = new Map<string, number>();

  /** The time since the previous mark (or since the clock started) goes to `phase`. */
  mark(phase: string): void {
    const now = performance.now();
    this.seconds.set(phase, (this.seconds.get(phase) ?? 0) + (now - this.last) / 1000);
    this.last = now;
  }

  /** Starts a new stretch without counting the time since the last mark. */
  skip(): void {
    this.last = performance.now();
  }

  line(): string {
    return `phases: ${[...this.seconds].map(([phase, s]) => `${phase} ${s.toFixed(2)} s`).join(', ')}`;
  }
}

/** Marks nothing: what load.ts and store.ts use when no one asked. */
export const NO_PHASES = { mark: (_phase: string) => undefined, skip: () => undefined } as Pick<PhaseClock, 'mark' | 'skip'>;

export type Phases = Pick<PhaseClock, 'mark' | 'skip'>;
