/**
 * The reference page's script (bundled for the browser by static.ts). A scripted wallet-standard
 * wallet (tweetnacl keys in the page; seed from `#seed=<64 hex>` or random) registers itself with
 * the wallet-standard events; the page finds it and drives the client kit. Each step is exposed on
 * `window.flow` (the Chromium test calls them) and logged into the page.
 */
import { base58 } from '@scure/base';
import { createSignInMessageText } from '@solana/wallet-standard-util';
import nacl from 'tweetnacl';
import { createAgentvaultClient, isAgentvaultError, ServerRefusal, type WalletLike } from 'agentvault/client';

// -- the scripted wallet: keys in the page, the wallet-standard shape and registration events --
const seedHex = /(?:^#|&)seed=([0-9a-f]{64})/.exec(location.hash)?.[1];
const keys = seedHex ? nacl.sign.keyPair.fromSeed(Uint8Array.from(seedHex.match(/../g)!.map((h) => parseInt(h, 16)))) : nacl.sign.keyPair();
const account = Object.freeze({
  address: base58.encode(keys.publicKey),
  publicKey: keys.publicKey,
  chains: ['solana:mainnet', 'solana:devnet'],
  features: ['solana:signIn', 'solana:signMessage'],
});
let walletCalls = 0;
const wallet = {
  version: '1.0.0',
  name: 'Scripted test wallet',
  icon: 'data:image/svg+xml;base64,PHN2Zy8+',
  chains: account.chains,
  accounts: [account],
  features: {
    'standard:connect': { version: '1.0.0', connect: async () => ({ accounts: [account] }) },
    'solana:signMessage': {
      version: '1.1.0',
      signMessage: async (...inputs: { message: Uint8Array }[]) => {
        walletCalls++;
        return inputs.map((i) => ({ signedMessage: i.message, signature: nacl.sign.detached(i.message, keys.secretKey) }));
      },
    },
    'solana:signIn': {
      version: '1.0.0',
      signIn: async (...inputs: Parameters<typeof createSignInMessageText>[0][]) => {
        walletCalls++;
        // As real wallets do: build the SIWS text from the fields (@solana/wallet-standard-util).
        return inputs.map((input) => {
          const signedMessage = new TextEncoder().encode(createSignInMessageText({ ...input, address: account.address }));
          return { account, signedMessage, signature: nacl.sign.detached(signedMessage, keys.secretKey), signatureType: 'ed25519' };
        });
      },
    },
  },
};

const found: WalletLike[] = [];
const api = { register: (...ws: WalletLike[]) => (found.push(...ws), () => {}) };
window.addEventListener('wallet-standard:register-wallet', (e) => (e as CustomEvent<(a: typeof api) => void>).detail(api));
window.dispatchEvent(new CustomEvent('wallet-standard:app-ready', { detail: api }));
window.dispatchEvent(new CustomEvent('wallet-standard:register-wallet', { detail: (a: typeof api) => a.register(wallet) }));

// -- the app --------------------------------------------------------------------------------------
const chosen = found.find((w) => 'solana:signMessage' in w.features)!;
const chain = document.querySelector('meta[name="agentvault-chain"]')?.getAttribute('content') ?? 'devnet';
const log = (text: string) => {
  const li = document.createElement('li');
  li.textContent = text;
  document.getElementById('log')!.append(li);
};
document.getElementById('wallet')!.textContent = account.address;

// Remember the last sign-in body the page posted, so that the test can replay it.
let lastSignIn: string | undefined;
const pageFetch: typeof fetch = async (input, init) => {
  if (String(input).endsWith('/auth/sign-in') && typeof init?.body === 'string') lastSignIn = init.body;
  return fetch(input, init);
};
let kit = createAgentvaultClient({ wallet: chosen, account, chain, fetch: pageFetch });

type Step = { ok: true; body: unknown } | { ok: false; code: string; status?: number };
async function step(name: string, run: () => Promise<unknown>): Promise<Step> {
  try {
    const body = await run();
    log(`ok ${name}`);
    return { ok: true, body };
  } catch (e) {
    if (e instanceof ServerRefusal) {
      log(`refused by the server ${name}: ${e.status} ${e.code}`);
      return { ok: false, code: e.code, status: e.status };
    }
    if (isAgentvaultError(e)) {
      log(`refused before signing ${name}: ${e.code}`);
      return { ok: false, code: e.code };
    }
    log(`failed ${name}: ${String(e)}`);
    return { ok: false, code: 'UNEXPECTED' };
  }
}
const confirm = (statement: string) => {
  document.getElementById('statement')!.textContent = statement;
  return true;
};

(window as unknown as { flow: unknown }).flow = {
  address: account.address,
  walletCalls: () => walletCalls,
  setChain: (c: string) => void (kit = createAgentvaultClient({ wallet: chosen, account, chain: c, fetch: pageFetch })),
  signIn: () => step('sign in', () => kit.signIn()),
  enroll: () => step('enroll', () => kit.enroll()),
  unlock: () => step('unlock', () => kit.unlock()),
  createBot: (name: string) => step('create bot', () => kit.request('POST', '/bots', { name })),
  setPolicy: (id: string, policy: unknown) => step('set policy', () => kit.request('PUT', `/bots/${id}/policy`, policy)),
  enable: (id: string) => step('enable execution', () => kit.enableExecution(id, { confirm })),
  reveal: (id: string) => step('reveal', () => kit.revealMnemonic(id, { confirm })),
  lock: () => step('lock', () => kit.lock()),
  signOut: () => step('sign out', () => kit.signOut()),
  replaySignIn: async (): Promise<Step> => {
    const res = await fetch('/auth/sign-in', { method: 'POST', headers: { 'content-type': 'application/json' }, body: lastSignIn ?? '{}' });
    const body = await res.json();
    log(`replayed sign-in: ${res.status} ${body?.error?.code ?? ''}`);
    return res.ok ? { ok: true, body } : { ok: false, code: body?.error?.code, status: res.status };
  },
};
log('ready');
