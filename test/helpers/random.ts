/** Test seam helpers: feed fixed bytes to the library's random source, in order. */
import { _setRandomSourceForTests } from '../../src/_random.js';

export function withFixedRandom<T>(chunks: Uint8Array[], fn: () => T): T {
  const queue = chunks.map((c) => Uint8Array.from(c));
  _setRandomSourceForTests((n) => {
    const next = queue.shift();
    if (!next || next.length !== n) throw new Error(`fixed random: expected a ${n}-byte chunk next`);
    return next;
  });
  try {
    return fn();
  } finally {
    _setRandomSourceForTests();
  }
}
