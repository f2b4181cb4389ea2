/** `orderKind` (SPEC 10.4): which instructions may serve an order of each type. Mutation testing, issue 16 item 5. */
import { describe, expect, it } from 'vitest';
import { orderKind } from '../../src/execution/policy/types.js';

describe('orderKind', () => {
  it('swap, transfer and cancel are their own kinds; every other type is perp', () => {
    expect(orderKind('swap')).toBe('swap');
    expect(orderKind('transfer')).toBe('transfer');
    expect(orderKind('cancel')).toBe('cancel');
    for (const t of ['market', 'limit', 'stop-market', 'stop-limit', 'take-profit-market', 'take-profit-limit'] as const) expect(orderKind(t)).toBe('perp');
  });
});
