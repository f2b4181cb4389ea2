/**
 * The one table of wrong-typed values (test/helpers/wrong-types.ts) fed to every public argument of
 * agentvault/execution: each is refused with an AgentvaultError, never a TypeError or a crash.
 */
import { describe, expect, it } from 'vitest';
import { AgentvaultError } from '../../src/errors.js';
import * as execution from '../../src/execution/index.js';
import { asPolicy } from '../helpers/untyped.js';
import { NOT_BYTES, NOT_INTEGERS, NOT_STRINGS } from '../helpers/wrong-types.js';
import { basePolicy, goodOrder, goodState, newRevocations, NOW, setup, wrapperV1 } from './_fixtures.js';

const VALUES = [...NOT_BYTES, ...NOT_STRINGS, ...NOT_INTEGERS, ['empty object', {}], ['Date', new Date(0)], ['Map', new Map()]] as const;

async function refused(label: string, fn: () => unknown) {
  let err: unknown;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  expect(err, `${label}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`).toBeInstanceOf(AgentvaultError);
}

describe('execution: wrong-typed arguments', () => {
  it('every public function refuses every wrong-typed value with an AgentvaultError', async () => {
    const s = setup(60);
    const w = wrapperV1();
    const useOpts = { wrapper: w, policy: basePolicy(), order: goodOrder, state: goodState, revocations: newRevocations(), now: NOW, expected: { owner: s.owner.address, bot: 'bot-1' } };
    for (const [label, v] of VALUES) {
      const isBytes = ArrayBuffer.isView(v) && v instanceof Uint8Array;
      await refused(`parseGrant ${label}`, () => execution.parseGrant(v));
      await refused(`serializeGrant ${label}`, () => execution.serializeGrant(v as never));
      await refused(`normalizePolicy ${label}`, () => execution.normalizePolicy(asPolicy(v)));
      await refused(`policyHash ${label}`, () => execution.policyHash(asPolicy(v)));
      await refused(`summarizePolicy ${label}`, () => execution.summarizePolicy(asPolicy(v)));
      await refused(`evaluateOrder policy ${label}`, () => execution.evaluateOrder(asPolicy(v), goodOrder, goodState, NOW));
      if (!isBytes) {
        await refused(`decodeTransactionMessage ${label}`, () => execution.decodeTransactionMessage(v as never));
        await refused(`looksLikeTransactionMessage ${label}`, () => execution.looksLikeTransactionMessage(v as never));
        await refused(`wrap key ${label}`, () => w.wrap(v as never, new Uint8Array(1)));
        await refused(`wrap context ${label}`, () => w.wrap(new Uint8Array(32), v as never));
        await refused(`rewrapKey context ${label}`, () => execution.rewrapKey({ wrapper: 'local', version: 'v1', data: 'AA' }, v as never, w));
      }
      await refused(`withExecutionSigner grant ${label}`, () => execution.withExecutionSigner(v as never, useOpts, () => 1));
      await refused(`withExecutionSigner options ${label}`, () => execution.withExecutionSigner({} as never, v as never, () => 1));
      await refused(`withExecutionSigner fn ${label}`, () => execution.withExecutionSigner({} as never, useOpts, v as never));
      for (const k of ['wrapper', 'revocations', 'now', 'expected', 'maxSignatures'] as const)
        await refused(`withExecutionSigner ${k} ${label}`, () => execution.withExecutionSigner({} as never, { ...useOpts, [k]: v }, () => 1));
      await refused(`createExecutionGrant ${label}`, () => execution.createExecutionGrant(v as never));
      for (const k of ['authorization', 'vault', 'agentKeyRecord', 'agentAddress', 'agentKeyFields', 'policy', 'wrapper', 'maxWindowMs', 'now'] as const)
        await refused(`createExecutionGrant ${k} ${label}`, () =>
          execution.createExecutionGrant({
            authorization: undefined as never,
            vault: s.vault,
            agentKeyRecord: s.agent.records.agentKey,
            agentAddress: s.agent.address,
            policy: basePolicy(),
            wrapper: w,
            [k]: v,
          }),
        );
      await refused(`revealMnemonic ${label}`, () => execution.revealMnemonic(v as never));
      for (const k of ['authorization', 'vault', 'mnemonicRecord', 'agentAddress', 'fields', 'limiter', 'now'] as const)
        await refused(`revealMnemonic ${k} ${label}`, () =>
          execution.revealMnemonic({ authorization: undefined as never, vault: s.vault, mnemonicRecord: s.agent.records.mnemonic, agentAddress: s.agent.address, [k]: v }),
        );
      await refused(`LocalKeyWrapper ${label}`, () => new execution.LocalKeyWrapper(v as never));
      await refused(`LocalKeyWrapper keys ${label}`, () => new execution.LocalKeyWrapper({ keys: { v1: v as never } }));
      await refused(`fromEnv env ${label}`, () => execution.LocalKeyWrapper.fromEnv(v as never));
      await refused(`fromEnv name ${label}`, () => execution.LocalKeyWrapper.fromEnv({}, v as never));
      await refused(`unwrap ${label}`, () => w.unwrap(v as never, new Uint8Array(1)));
      await refused(`rewrapGrant ${label}`, () => execution.rewrapGrant(v as never, w));
      await refused(`rewrapKey ${label}`, () => execution.rewrapKey(v as never, new Uint8Array(1), w));
      await refused(`assertWrappedKey ${label}`, () => execution.assertWrappedKey(v));
      await refused(`grantParamsFromResources ${label}`, () => execution.grantParamsFromResources(v as never));
    }
  });
});
