/**
 * Type-level tests (issue 15 item 2): the public functions take exported types for policy, order,
 * state, grant, authorization, vault data, record context and program decoders, not `unknown`, so a mistake fails `tsc` before it fails at run
 * time. `npx tsc --noEmit -p .` checks this file: each `@ts-expect-error` line must be an error
 * (an unused directive is itself an error), each plain line must compile. Run time: vitest.
 */
import { describe, expectTypeOf, it } from 'vitest';
import {
  canonicalPolicyJson,
  createExecutionGrant,
  driftV2Preset,
  evaluateOrder,
  explainTransaction,
  jupiterV6Preset,
  normalizePolicy,
  policyHash,
  rewrapGrant,
  summarizePolicy,
  withExecutionSigner,
  type CreateExecutionGrantOptions,
  type DriftV2PresetOptions,
  type ExecutionGrant,
  type ExecutionPolicyInput,
  type ExecutionPolicyV2Input,
  type ExecutionSignerOptions,
  type ExecutionState,
  type ExplainTransactionOptions,
  type JupiterV6PresetOptions,
  type NormalizedPolicy,
  type Order,
  type OrderInput,
  type OrderV2,
  type PolicyInput,
  type PolicyV1,
  type PolicyV2,
  type ProgramDecoder,
  type RewrapGrantOptions,
} from '../../src/execution/index.js';
import { useAuthorization, type VerifiedMessage } from '../../src/messages/index.js';
import { encodeContext, type RecordContext } from '../../src/records/index.js';
import { openSession, type OpenSessionOptions } from '../../src/sessions/index.js';
import {
  createVault,
  migrateRecords,
  unlockVault,
  unlockVaultWithRecovery,
  vaultKeyMessage,
  type CreateVaultOptions,
  type MigrateOptions,
  type RecoveryUnlockOptions,
  type UnlockedVault,
  type UnlockVaultOptions,
  type VaultData,
} from '../../src/vault/index.js';

type Param<F extends (...a: never[]) => unknown, I extends number> = Parameters<F>[I];

describe('typed inputs (issue 15 item 2)', () => {
  it('grant functions: policy, order, state and grant have exported types', () => {
    expectTypeOf<PolicyInput>().toEqualTypeOf<ExecutionPolicyInput | ExecutionPolicyV2Input | NormalizedPolicy>();
    expectTypeOf<OrderInput>().toEqualTypeOf<Order | OrderV2>();
    expectTypeOf<CreateExecutionGrantOptions['policy']>().toEqualTypeOf<PolicyInput>();
    expectTypeOf<ExecutionSignerOptions['policy']>().toEqualTypeOf<PolicyInput>();
    expectTypeOf<ExecutionSignerOptions['order']>().toEqualTypeOf<OrderInput>();
    expectTypeOf<ExecutionSignerOptions['state']>().toEqualTypeOf<ExecutionState | undefined>();
    expectTypeOf<Param<typeof withExecutionSigner, 0>>().toEqualTypeOf<ExecutionGrant | string>();
    expectTypeOf<Param<typeof rewrapGrant, 0>>().toEqualTypeOf<ExecutionGrant | string>();
    expectTypeOf<Param<typeof rewrapGrant, 2>>().toEqualTypeOf<RewrapGrantOptions | undefined>();
    expectTypeOf(createExecutionGrant).parameter(0).toEqualTypeOf<CreateExecutionGrantOptions>();
  });

  it('authorization is a VerifiedMessage everywhere it is spent', () => {
    expectTypeOf<CreateExecutionGrantOptions['authorization']>().toEqualTypeOf<VerifiedMessage>();
    expectTypeOf<CreateVaultOptions['authorization']>().toEqualTypeOf<VerifiedMessage>();
    expectTypeOf<UnlockVaultOptions['authorization']>().toEqualTypeOf<VerifiedMessage>();
    expectTypeOf<RecoveryUnlockOptions['authorization']>().toEqualTypeOf<VerifiedMessage>();
    expectTypeOf(useAuthorization).parameter(0).toEqualTypeOf<VerifiedMessage>();
    expectTypeOf(createVault).parameter(0).toEqualTypeOf<CreateVaultOptions>();
    expectTypeOf(unlockVault).parameter(1).toEqualTypeOf<UnlockVaultOptions>();
    expectTypeOf(unlockVaultWithRecovery).parameter(1).toEqualTypeOf<RecoveryUnlockOptions>();
  });

  it('mistakes are compile errors (checked by tsc, never run)', () => {
    const never = (): void => {
      const options = {} as ExecutionSignerOptions;
      // @ts-expect-error an order type the policy language does not have
      const badOrder: OrderInput = { market: 'SOL-PERP', type: 'twap', side: 'buy', notional: '1', leverage: '1' };
      // @ts-expect-error amounts are decimal strings, never numbers
      const badPolicy: ExecutionPolicyInput = { ...({} as ExecutionPolicyInput), maxLeverage: 3 };
      // @ts-expect-error state fields are decimal strings
      const badState: ExecutionState = { positionNotional: 0, dailyLoss: '0' };
      // @ts-expect-error a grant is an ExecutionGrant or its JSON text, not any object
      void withExecutionSigner({ id: 'x' }, options, () => 1);
      // @ts-expect-error an authorization must come from verifySignedMessage
      void useAuthorization({ purpose: 'unlock' }, { purpose: 'unlock', address: 'a', domain: 'd', chain: 'mainnet', now: 0 });
      // @ts-expect-error rewrapGrant options are { to? }
      void rewrapGrant('{}', options.wrapper, { target: options.wrapper });
      void [badOrder, badPolicy, badState];
    };
    expectTypeOf(never).toBeFunction();
  });

  it('policy functions and evaluateOrder take PolicyInput, OrderInput and ExecutionState', () => {
    expectTypeOf(evaluateOrder).parameter(0).toEqualTypeOf<PolicyInput>();
    expectTypeOf(evaluateOrder).parameter(1).toEqualTypeOf<OrderInput>();
    expectTypeOf(evaluateOrder).parameter(2).toEqualTypeOf<ExecutionState | undefined>();
    expectTypeOf(policyHash).parameter(0).toEqualTypeOf<PolicyInput>();
    expectTypeOf(canonicalPolicyJson).parameter(0).toEqualTypeOf<PolicyInput>();
    expectTypeOf(summarizePolicy).parameter(0).toEqualTypeOf<PolicyInput>();
    expectTypeOf<ExplainTransactionOptions['policy']>().toEqualTypeOf<PolicyInput>();
    expectTypeOf<ExplainTransactionOptions['order']>().toEqualTypeOf<OrderInput | undefined>();
    expectTypeOf<ExplainTransactionOptions['state']>().toEqualTypeOf<ExecutionState | undefined>();
    expectTypeOf<ExecutionState['markPrice']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<JupiterV6PresetOptions['decoder']>().toEqualTypeOf<ProgramDecoder | undefined>();
    expectTypeOf<DriftV2PresetOptions['decoder']>().toEqualTypeOf<ProgramDecoder | undefined>();
  });

  it('normalizePolicy: the version when it is known statically, NormalizedPolicy otherwise (JSON.parse)', () => {
    const v1: ExecutionPolicyInput = {} as ExecutionPolicyInput;
    const v2: ExecutionPolicyV2Input = {} as ExecutionPolicyV2Input;
    const never = (): void => {
      expectTypeOf(normalizePolicy(v1)).toEqualTypeOf<PolicyV1>();
      expectTypeOf(normalizePolicy(v2)).toEqualTypeOf<PolicyV2>();
      expectTypeOf(normalizePolicy({ v: 2, enabled: true, killSwitch: false, programs: [] })).toEqualTypeOf<PolicyV2>();
      expectTypeOf(normalizePolicy({} as PolicyInput)).toEqualTypeOf<NormalizedPolicy>();
      // The any of JSON.parse must not be typed as v1: the version is only known at run time.
      expectTypeOf(normalizePolicy(JSON.parse('{}'))).toEqualTypeOf<NormalizedPolicy>();
    };
    expectTypeOf(never).toBeFunction();
  });

  it('vault functions take VaultData, the JSON shape of the stored vault', () => {
    expectTypeOf(unlockVault).parameter(0).toEqualTypeOf<VaultData>();
    expectTypeOf(unlockVaultWithRecovery).parameter(0).toEqualTypeOf<VaultData>();
    expectTypeOf(vaultKeyMessage).parameter(0).toEqualTypeOf<VaultData>();
    expectTypeOf<MigrateOptions['stored']>().toEqualTypeOf<VaultData>();
    expectTypeOf<ReturnType<OpenSessionOptions['vault']>>().toEqualTypeOf<VaultData | null | undefined | Promise<VaultData | null | undefined>>();
    expectTypeOf(encodeContext).parameter(0).toEqualTypeOf<RecordContext>();
  });

  it('mistakes in the newly typed parameters are compile errors (checked by tsc, never run)', () => {
    const never = (): void => {
      const policy = {} as PolicyInput;
      const order = {} as OrderInput;
      const state: ExecutionState = { positionNotional: '0', dailyLoss: '0', markPrice: '150' };
      const message = new Uint8Array(0);
      const agent = 'So11111111111111111111111111111111111111112';
      // Correct values compile.
      void evaluateOrder(policy, order, state, 0);
      void evaluateOrder(policy, { type: 'swap', inputMint: agent, outputMint: agent, inputAmount: '1', slippageBps: 50 }, undefined, 0);
      void explainTransaction({ policy, agent, message, order, state });
      // @ts-expect-error evaluateOrder: leverage is a decimal string in the policy
      void evaluateOrder({ ...({} as ExecutionPolicyInput), maxLeverage: 3 }, order, state, 0);
      // @ts-expect-error evaluateOrder: an order type the policy language does not have
      void evaluateOrder(policy, { type: 'twap', market: 'SOL-PERP' }, state, 0);
      // @ts-expect-error evaluateOrder: state amounts are decimal strings
      void evaluateOrder(policy, order, { positionNotional: 0, dailyLoss: '0' }, 0);
      // @ts-expect-error evaluateOrder: markPrice is a decimal string too
      void evaluateOrder(policy, order, { positionNotional: '0', dailyLoss: '0', markPrice: 150 }, 0);
      // @ts-expect-error explainTransaction: policy v is 1 or 2
      void explainTransaction({ policy: { ...({} as ExecutionPolicyV2Input), v: 3 }, agent, message });
      // @ts-expect-error explainTransaction: a v2 swap amount is a u64 string
      void explainTransaction({ policy, agent, message, order: { type: 'swap', inputMint: agent, outputMint: agent, inputAmount: 1, slippageBps: 50 } });
      // @ts-expect-error explainTransaction: state amounts are decimal strings
      void explainTransaction({ policy, agent, message, order, state: { positionNotional: '0', dailyLoss: 0 } });
      // @ts-expect-error normalizePolicy: killSwitch is a boolean
      void normalizePolicy({ ...({} as ExecutionPolicyV2Input), killSwitch: 'no' });
      // @ts-expect-error policyHash: not a policy
      void policyHash('{}');
      // @ts-expect-error canonicalPolicyJson: programs is a list of rules
      void canonicalPolicyJson({ ...({} as ExecutionPolicyV2Input), programs: 'all' });
      // @ts-expect-error summarizePolicy: spot.maxSlippageBps is a number
      void summarizePolicy({ ...({} as ExecutionPolicyV2Input), spot: { pairs: [], maxInput: {}, maxSlippageBps: '50' } });
      // @ts-expect-error presets: a decoder comes from createProgramDecoder
      void jupiterV6Preset({ maxPlatformFeeBps: 0, decoder: { program: 'x' } });
      // @ts-expect-error presets: a decoder comes from createProgramDecoder
      void driftV2Preset({ markets: { 'SOL-PERP': 0 }, maxBaseAssetAmount: '1', decoder: 'drift' });
      // @ts-expect-error encodeContext: context values are strings
      void encodeContext({ address: agent, record: 1 });
    };
    expectTypeOf(never).toBeFunction();
  });

  it('vault mistakes are compile errors; a parsed vault declared as VaultData compiles (checked by tsc, never run)', () => {
    const never = async (): Promise<void> => {
      const options = {} as UnlockVaultOptions;
      const unlocked = {} as UnlockedVault;
      // What an app does with a vault read back from its database: declare, pass, validated inside.
      const vault: VaultData = JSON.parse('{}');
      void unlockVault(vault, options);
      void vaultKeyMessage(vault);
      void unlockVaultWithRecovery(vault, { authorization: options.authorization, recoveryCode: 'x' });
      void migrateRecords(unlocked, { stored: vault, records: [], save: () => {} });
      void openSession('token', { ...({} as OpenSessionOptions), vault: async () => vault });
      void openSession('token', { ...({} as OpenSessionOptions), vault: () => null });
      // @ts-expect-error unlockVault: the stored vault, not its JSON text
      void unlockVault('{"format":"agentvault/vault"}', options);
      // @ts-expect-error unlockVault: the revision is a number
      void unlockVault({ ...vault, revision: '2' }, options);
      // @ts-expect-error vaultKeyMessage: chain is one of VAULT_CHAINS
      void vaultKeyMessage({ ...vault, chain: 'solana' });
      // @ts-expect-error unlockVaultWithRecovery: recovery.kind is 'code' or 'passphrase'
      void unlockVaultWithRecovery({ ...vault, recovery: { kind: 'pin', salt: '', peppered: false } }, { authorization: options.authorization });
      // @ts-expect-error migrateRecords: stored is the vault data, not a handle
      void migrateRecords(unlocked, { stored: unlocked, records: [], save: () => {} });
      // @ts-expect-error openSession: the callback returns the stored vault (or null), not its text
      void openSession('token', { ...({} as OpenSessionOptions), vault: () => 'vault' });
    };
    expectTypeOf(never).toBeFunction();
  });
});
