/**
 * Runnable: `npx tsx examples/kit/sign-with-kit.ts`. No network, no RPC.
 *
 * A wallet (here a tweetnacl keypair standing in for Phantom) creates a vault, an agent wallet and
 * an execution grant; the bot then signs a v0 transaction with `@solana/kit` through the scoped
 * signer, adapted by `createKitSigner` (agentvault/kit). The script checks that the signature is
 * exactly what a plain Kit keypair signer over the agent key would produce... without ever holding
 * the agent key: it verifies the signature with tweetnacl under the agent address instead.
 */
import {
  address,
  appendTransactionMessageInstruction,
  blockhash,
  createTransactionMessage,
  getBase58Encoder,
  pipe,
  setTransactionMessageFeePayerSigner,
  setTransactionMessageLifetimeUsingBlockhash,
  signTransactionMessageWithSigners,
} from '@solana/kit';
import nacl from 'tweetnacl';
import { createAgentWallet } from 'agentvault/derivation';
import { createExecutionGrant, LocalKeyWrapper, policyHash, withExecutionSigner, type ExecutionPolicyInput, type Order } from 'agentvault/execution';
import { createKitSigner } from 'agentvault/kit';
import { issueChallenge, verifySignedMessage } from 'agentvault/messages';
import { MemoryNonceStore, MemoryRevocationStore } from 'agentvault/stores';
import { createVault, prepareVault } from 'agentvault/vault';

const MEMO = 'MemoSq4gqABAXKb96qnH8TyKtxUdMphoXfcDMGP9tW5';
const site = { domain: 'app.example.com', uri: 'https://app.example.com/bots', chain: 'mainnet' as const };
const wallet = nacl.sign.keyPair();
const owner = encodeAddress(wallet.publicKey);
const sign = (text: string | Uint8Array) => nacl.sign.detached(typeof text === 'string' ? new TextEncoder().encode(text) : text, wallet.secretKey);
const nonces = new MemoryNonceStore();

function encodeAddress(bytes: Uint8Array): string {
  const A = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
  let n = BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
  let out = '';
  while (n > 0n) (out = A[Number(n % 58n)] + out), (n /= 58n);
  for (const b of bytes) if (b === 0) out = `1${out}`; else break;
  return out;
}

async function authorize(purpose: 'unlock' | 'enable-execution', grant?: Parameters<typeof issueChallenge>[0]['grant']) {
  const { message } = await issueChallenge({ purpose, ...site, address: owner, nonces, ...(grant ? { grant } : {}) });
  return verifySignedMessage({ message, signature: sign(message), nonces, expected: { ...site, purpose, address: owner } });
}

const policy: ExecutionPolicyInput = {
  enabled: true,
  allowedMarkets: ['SOL-PERP'],
  allowedOrderTypes: ['limit'],
  maxLeverage: '2',
  maxPositionNotional: '1000',
  maxSlippageBps: 50,
  dailyLossLimit: '100',
  killSwitch: false,
  allowedPrograms: [MEMO],
};

// 1. Vault (two key-message signatures + an unlock authorization), agent wallet.
const prepared = prepareVault({ address: owner, ...site });
const keySig = sign(prepared.keyMessage);
const { unlocked: vault } = createVault({ prepared, signatures: [keySig, keySig], authorization: await authorize('unlock') });
const agent = createAgentWallet(vault!);

// 2. Grant: the user signs the bot, the agent and the policy hash.
const wrapper = new LocalKeyWrapper({ keys: { v1: nacl.randomBytes(32) } });
const auth = await authorize('enable-execution', { bot: 'bot-1', agent: agent.address, policyHash: policyHash(policy) });
const grant = await createExecutionGrant({ authorization: auth, vault: vault!, agentKeyRecord: agent.records.agentKey, agentAddress: agent.address, policy, wrapper });

// 3. The bot signs a Kit transaction through the scoped signer.
const order: Order = { market: 'SOL-PERP', type: 'limit', side: 'buy', notional: '100', leverage: '1' };
const state = { positionNotional: '0', dailyLoss: '0' };
const signed = await withExecutionSigner(
  grant,
  { wrapper, policy, order, state, revocations: new MemoryRevocationStore(), expected: { owner, bot: 'bot-1' } },
  async (signer) => {
    const agentSigner = createKitSigner(signer);
    const message = pipe(
      createTransactionMessage({ version: 0 }),
      (m) => setTransactionMessageFeePayerSigner(agentSigner, m),
      (m) => setTransactionMessageLifetimeUsingBlockhash({ blockhash: blockhash('4vJ9JU1bJJE96FWSJKvHsmmFADCg4gpZQff4P3bkLKi'), lastValidBlockHeight: 1n }, m),
      (m) => appendTransactionMessageInstruction({ programAddress: address(MEMO), data: new TextEncoder().encode('gm from the agent') }, m),
    );
    return signTransactionMessageWithSigners(message);
  },
);

const signature = signed.signatures[address(agent.address)]!;
const ok = nacl.sign.detached.verify(Uint8Array.from(signed.messageBytes), signature, Uint8Array.from(getBase58Encoder().encode(agent.address)));
console.log(`agent ${agent.address} signed a v0 memo transaction through the scoped signer: ${ok ? 'signature verifies' : 'BAD SIGNATURE'}`);
vault!.lock();
nonces.close?.();
if (!ok) process.exitCode = 1;
