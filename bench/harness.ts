/**
 * A small median-of-rounds timer. Each implementation of a row gets a `prepare(n)` that does the
 * untimed set-up for n operations (fresh challenges, fresh authorizations, ...) and returns the
 * timed part. Rounds of the implementations of one row are interleaved (A B C, B C A, ...) so that
 * a noisy neighbour on a shared 2-core machine hits them alike; the result is the median ops/s.
 */

export type Timed = () => void | Promise<void>;

export interface Impl {
  /** Shown in the table, e.g. `agentvault`, `node:crypto`, `tweetnacl`. */
  readonly name: string;
  /** Always time this one by the wall clock (rows that wait on a server: its CPU is not ours). */
  readonly wallClock?: boolean;
  /** Untimed set-up for `n` operations; returns the timed part, which runs all `n`. */
  prepare(n: number): Timed | Promise<Timed>;
}

export interface Measured {
  readonly name: string;
  readonly opsPerSec: number;
  readonly samples: readonly number[];
  readonly batch: number;
}

export interface MeasureOptions {
  /** Rounds per implementation (median taken). */
  readonly rounds: number;
  /** Target time of one timed batch, ms. */
  readonly roundMs: number;
  /**
   * `wall` (default): elapsed time. `cpu`: this process's CPU time (user + system), so that on a
   * machine shared with other jobs the time the scheduler gives to others is not counted; rows
   * marked `wallClock` (servers) stay on the wall clock.
   */
  readonly clock?: 'wall' | 'cpu';
}

const wallNow = () => performance.now();
const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
let now = wallNow;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function timeBatch(impl: Impl, n: number): Promise<number> {
  const run = await impl.prepare(n);
  const t0 = now();
  await run();
  return now() - t0;
}

/** Calibrate a batch size per implementation, warm up, then run interleaved rounds. */
export async function measure(impls: readonly Impl[], opts: MeasureOptions): Promise<Measured[]> {
  now = opts.clock === 'cpu' && !impls.some((i) => i.wallClock) ? cpuNow : wallNow;
  const batches: number[] = [];
  for (const impl of impls) {
    // Warm-up and calibration: grow the batch until it takes a noticeable time.
    let n = 4;
    let ms = await timeBatch(impl, n);
    while (ms < opts.roundMs / 8 && n < 1 << 20) {
      n *= 4;
      ms = await timeBatch(impl, n);
    }
    batches.push(Math.max(4, Math.min(1 << 20, Math.round((n * opts.roundMs) / Math.max(ms, 0.01)))));
  }
  const samples: number[][] = impls.map(() => []);
  for (let r = 0; r < opts.rounds; r++) {
    for (let k = 0; k < impls.length; k++) {
      const i = (k + r) % impls.length;
      const n = batches[i]!;
      const ms = await timeBatch(impls[i]!, n);
      samples[i]!.push((n * 1000) / ms);
    }
  }
  return impls.map((impl, i) => ({ name: impl.name, opsPerSec: median(samples[i]!), samples: samples[i]!, batch: batches[i]! }));
}
