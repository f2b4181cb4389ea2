/**
 * Type-level tests (issue 15 item 2): the public functions take exported types for policy, order,
 * state, grant and authorization, not `unknown`, so a mistake fails `tsc` before it fails at run
 * time. `npx tsc --noEmit -p .` checks this file: each `@ts-expect-error` line must be an error
 * (an unused directive is itself an error), each plain line must compile. Run time: vitest.
 */
import { describe, expectTypeOf, it } from 'vitest';
import {
  createExecutionGrant,
  rewrapGrant,
  withExecutionSigner,
  type CreateExecutionGrantOptions,
  type ExecutionGrant,
  type ExecutionPolicyInput,
  type ExecutionPolicyV2Input,
  type ExecutionSignerOptions,
  type ExecutionState,
  type NormalizedPolicy,
  type Order,
  type OrderInput,
  type OrderV2,
  type PolicyInput,
  type RewrapGrantOptions,
} from '../../src/execution/index.js';
import { useAuthorization, type VerifiedMessage } from '../../src/messages/index.js';
import { createVault, unlockVault, unlockVaultWithRecovery, type CreateVaultOptions, type RecoveryUnlockOptions, type UnlockVaultOptions } from '../../src/vault/index.js';

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
});
