/** Shared set-up for the profiling drivers (bench/profile/*.ts): run `fn` for `ms` and print ops/s. */
export function loop(name: string, ms: number, fn: () => void): void {
  if (ONLY_AV && !name.includes('agentvault')) return;
  for (let i = 0; i < 200; i++) fn(); // warm-up
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < ms) {
    for (let i = 0; i < 50; i++) fn();
    n += 50;
  }
  console.log(`${name}: ${Math.round((n * 1000) / (performance.now() - t0))} ops/s`);
}
export async function loopAsync(name: string, ms: number, fn: () => Promise<unknown>): Promise<void> {
  if (ONLY_AV && !name.includes('agentvault')) return;
  for (let i = 0; i < 50; i++) await fn();
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < ms) {
    for (let i = 0; i < 10; i++) await fn();
    n += 10;
  }
  console.log(`${name}: ${Math.round((n * 1000) / (performance.now() - t0))} ops/s`);
}
export const MS = Number(process.env.PROFILE_MS ?? 3000);
/** PROFILE_ONLY_AV=1: run only the agentvault loops (for a profile of the library alone). */
const ONLY_AV = process.env.PROFILE_ONLY_AV === '1';

/** Interleaved rounds (A B A B ...), median ops/s of each and the ratio A/B: steadier on a loaded machine. */
export async function compare(name: string, a: () => unknown, b: () => unknown, rounds = 7, roundMs = 300): Promise<void> {
  const run = async (fn: () => unknown): Promise<number> => {
    const t0 = now();
    let n = 0;
    while (now() - t0 < roundMs) {
      for (let i = 0; i < 10; i++) await fn();
      n += 10;
    }
    return (n * 1000) / (now() - t0);
  };
  await run(a);
  await run(b);
  const ra: number[] = [];
  const rb: number[] = [];
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      ra.push(await run(a));
      rb.push(await run(b));
    } else {
      rb.push(await run(b));
      ra.push(await run(a));
    }
  }
  const med = (x: number[]) => x.sort((p, q) => p - q)[x.length >> 1]!;
  console.log(`${name}: agentvault ${Math.round(med(ra))} ops/s, native ${Math.round(med(rb))} ops/s, ratio ${(med(ra) / med(rb)).toFixed(2)}`);
}
export const COMPARE = process.env.PROFILE_COMPARE === '1';
/** PROFILE_CLOCK=cpu: `compare` counts this process's CPU time (ms), not wall time (a shared machine). */
const CPU_CLOCK = process.env.PROFILE_CLOCK === 'cpu';
function now(): number {
  if (!CPU_CLOCK) return performance.now();
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
