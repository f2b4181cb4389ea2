/** Profile driver: grant-sign (withExecutionSigner + signTransactionMessage), as bench/run.ts sets it up. */
import { createAgentWallet } from '../../src/derivation/index.js';
import { createExecutionGrant, LocalKeyWrapper, normalizePolicy, policyHash, serializeGrant, withExecutionSigner, type ExecutionPolicyInput } from '../../src/execution/index.js';
import { issueChallenge, verifySignedMessage } from '../../src/messages/index.js';
import { MemoryNonceStore, MemoryRevocationStore } from '../../src/stores/index.js';
import { createVault, prepareVault, type UnlockedVault } from '../../src/vault/index.js';
import * as native from '../native.js';
import { compare, COMPARE, loop, loopAsync, MS } from './common.js';

const enc = new TextEncoder();
const DOMAIN = 'app.example.com';
const URI = 'https://app.example.com/vault';
const DRIFT = 'dRiftyHA39MWEi3m9aunc5MzRF1JYuBsbn6VPcn33UH';
const MEMO = 'MemoSq4gqABAXKb96qnH8TyKtxUdMphoXfcDMGP9tW5';
const seed = new Uint8Array(32).fill(9);
const ownerKey = native.privateKeyObject(seed);
const owner = { address: native.base58Encode(native.publicKeyOf(ownerKey)), sign: (m: string) => native.signEd25519(seed, enc.encode(m)) };
const policy: ExecutionPolicyInput = {
  enabled: true,
  allowedMarkets: ['SOL-PERP', 'BTC-PERP'],
  allowedOrderTypes: ['limit', 'market', 'cancel'],
  maxLeverage: '3',
  maxPositionNotional: '10000',
  maxSlippageBps: 50,
  dailyLossLimit: '500',
  killSwitch: false,
  allowedPrograms: [DRIFT, MEMO],
};
const order = { market: 'SOL-PERP', type: 'limit', side: 'buy', notional: '1000', leverage: '2' } as const;
const state = { positionNotional: '0', dailyLoss: '0' } as const;
const kek = Uint8Array.from({ length: 32 }, (_, i) => 0x11 + i);
const wrapper = new LocalKeyWrapper({ keys: { v1: kek } });
const nonces = new MemoryNonceStore({ sweepIntervalMs: 0 });
const expectedUnlock = { domain: DOMAIN, uri: URI, chain: 'mainnet', purpose: 'unlock' } as const;
const uc = await issueChallenge({ purpose: 'unlock', domain: DOMAIN, uri: URI, chain: 'mainnet', address: owner.address, nonces });
const unlockAuth = await verifySignedMessage({ message: uc.message, signature: owner.sign(uc.message), nonces, expected: expectedUnlock });
const prepared = prepareVault({ address: owner.address, domain: DOMAIN, chain: 'mainnet' });
const kdmSig = native.signEd25519(seed, enc.encode(prepared.keyMessage));
const { unlocked } = createVault({ prepared, signatures: [kdmSig, kdmSig], authorization: unlockAuth }) as { unlocked?: UnlockedVault };
const agent = createAgentWallet(unlocked!);
const c = await issueChallenge({
  purpose: 'enable-execution', domain: DOMAIN, uri: URI, chain: 'mainnet', address: owner.address, nonces,
  grant: { bot: 'bot-1', agent: agent.address, policyHash: policyHash(policy) },
});
const authorization = await verifySignedMessage({ message: c.message, signature: owner.sign(c.message), nonces, expected: { domain: DOMAIN, uri: URI, chain: 'mainnet', purpose: 'enable-execution' } });
const grant = await createExecutionGrant({ authorization, vault: unlocked!, agentKeyRecord: agent.records.agentKey, agentAddress: agent.address, policy, wrapper });
const grantText = serializeGrant(grant);
unlocked!.lock();
const revocations = new MemoryRevocationStore({ sweepIntervalMs: 0 });
const tx = Uint8Array.from([1, 0, 1, 2, ...native.base58To32(agent.address), ...native.base58To32(DRIFT), ...new Uint8Array(32).fill(7), 1, 1, 1, 0, 3, 1, 2, 3]);
const nativePolicy: native.NativePolicy = {
  json: JSON.stringify(policy), hash: native.nonceKey(JSON.stringify(policy)), markets: new Set(policy.allowedMarkets), types: new Set(policy.allowedOrderTypes),
  maxLeverage: 3, maxPositionNotional: 10000, dailyLossLimit: 500, programs: new Set(policy.allowedPrograms),
};
const validated = normalizePolicy(policy); // once, as bench/run.ts (the native column builds its NativePolicy once)
const libSign = () => withExecutionSigner(grantText, { wrapper, policy: validated, order, state, revocations, expected: { owner: owner.address, bot: 'bot-1' } }, (s) => s.signTransactionMessage(tx));
const a = await libSign();
const b = native.grantSign(grantText, nativePolicy, order, state, kek, tx);
if (Buffer.compare(Buffer.from(a), Buffer.from(b)) !== 0) throw new Error('signatures differ');
if (COMPARE) await compare('grant-sign', libSign, () => void native.grantSign(grantText, nativePolicy, order, state, kek, tx), 7, 600);
else await loopAsync('grant agentvault', MS, libSign);
if (!COMPARE) loop('grant native', MS / 3, () => void native.grantSign(grantText, nativePolicy, order, state, kek, tx));
