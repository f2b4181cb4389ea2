/**
 * SPEC 2 / issue 15 item 4: the grant functions refuse an unknown option key with INVALID_INPUT
 * naming it (`details.field`, `details.reason: 'unknown-option'`), before the authorization is
 * spent or any key is unwrapped.
 */
import { describe, expect, it } from 'vitest';
import { createExecutionGrant, rewrapGrant, withExecutionSigner } from '../../src/execution/grant.js';
import type { AgentvaultError } from '../../src/errors.js';
import { expectCodeAsync } from '../helpers/errors.js';
import { basePolicy, BOT, enableAuthorization, goodOrder, goodState, newRevocations, NOW, setup, wrapperV1, wrapperV1V2 } from './_fixtures.js';

function named(e: AgentvaultError, field: string): void {
  expect(e.details).toMatchObject({ field, reason: 'unknown-option' });
  expect(e.message).toContain(field);
}

describe('grant options refuse unknown keys (issue 15 item 4)', () => {
  const s = setup(21);

  it('createExecutionGrant: refused before the authorization is spent', async () => {
    const authorization = await enableAuthorization(s.owner, { agent: s.agent.address });
    const options = { authorization, vault: s.vault, agentKeyRecord: s.agent.records.agentKey, agentAddress: s.agent.address, policy: basePolicy(), wrapper: wrapperV1(), now: NOW };
    named(await expectCodeAsync(createExecutionGrant({ ...options, maxWindow: 1000 } as never), 'INVALID_INPUT'), 'options.maxWindow');
    // the same authorization still enables: nothing was spent by the refused call
    expect((await createExecutionGrant(options)).bot).toBe(BOT);
  });

  it('rewrapGrant', async () => {
    const grant = await createExecutionGrant({
      authorization: await enableAuthorization(s.owner, { agent: s.agent.address }), vault: s.vault, agentKeyRecord: s.agent.records.agentKey,
      agentAddress: s.agent.address, policy: basePolicy(), wrapper: wrapperV1(), now: NOW,
    });
    named(await expectCodeAsync(rewrapGrant(grant, wrapperV1V2(), { target: wrapperV1V2() } as never), 'INVALID_INPUT'), 'options.target');
    expect((await rewrapGrant(grant, wrapperV1V2(), { to: wrapperV1V2() })).wrappedKey.version).toBe('v2');
  });

  it('withExecutionSigner: refused before anything is unwrapped', async () => {
    const grant = await createExecutionGrant({
      authorization: await enableAuthorization(s.owner, { agent: s.agent.address }), vault: s.vault, agentKeyRecord: s.agent.records.agentKey,
      agentAddress: s.agent.address, policy: basePolicy(), wrapper: wrapperV1(), now: NOW,
    });
    let unwrapped = 0;
    const w = wrapperV1();
    const spy = Object.assign(Object.create(w) as typeof w, { unwrap: (...a: Parameters<typeof w.unwrap>) => (unwrapped++, w.unwrap(...a)) });
    const options = { wrapper: spy, policy: basePolicy(), order: goodOrder, state: goodState, revocations: newRevocations(), now: NOW + 60_000, expected: { owner: grant.owner, bot: BOT } };
    named(await expectCodeAsync(withExecutionSigner(grant, { ...options, maxSignature: 2 } as never, () => 1), 'INVALID_INPUT'), 'options.maxSignature');
    expect(unwrapped).toBe(0);
    expect(await withExecutionSigner(grant, options, () => 1)).toBe(1);
    expect(unwrapped).toBe(1);
  });
});
