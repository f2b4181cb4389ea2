/**
 * Log capture: run the whole flow (successes and refusals) against the reference server and check
 * that no response body (other than the one reveal) and no log line contains a secret: the
 * mnemonic, the agent secret key and seed, the UMK, the wallet wrapping key, the key-message
 * signature, the key-wrapper key, the session token or (outside the reply that shows it once) the
 * webhook secret, in hex, base58, base64, base64url, decimal lists or JSON byte objects
 * (test/helpers/secrets.ts).
 *
 * The UMK and wrapping key are recomputed here from the stored vault and the wallet's key-message
 * signature through the public API, exactly as the server does at unlock.
 */
import { base58, base64urlnopad } from '@scure/base';
import { afterAll, describe, expect, it } from 'vitest';
import { deriveSolanaKeypair } from 'agentvault/derivation';
import { openRecord } from 'agentvault/records';
import { deriveWalletKey } from 'agentvault/vault';
import { expectNoSecretIn } from '../../test/helpers/secrets.js';
import { Client, must, Wallet, type Reply } from './client.js';
import { backends, startHarness } from './_harness.js';
import { MEMO_PROGRAM } from './transaction.js';

const POLICY = {
  enabled: true,
  allowedMarkets: ['SOL-PERP'],
  allowedOrderTypes: ['limit', 'market'],
  maxLeverage: '3',
  maxPositionNotional: '5000',
  maxSlippageBps: 50,
  dailyLossLimit: '250',
  killSwitch: false,
  allowedPrograms: [MEMO_PROGRAM],
};

describe.each(backends())('no secret in responses or logs ($name)', (backend) => {
  afterAll(() => backend.close());

  it.skipIf(backend.skip !== '')('whole flow, successes and refusals', async () => {
    const h = await startHarness(backend);
    const replies: { path: string; reply: Reply }[] = [];
    const wallet = Wallet.generate();
    const user = new Client(h.url, wallet, { onReply: (path, reply) => replies.push({ path, reply }) });
    try {
      // sign in, create the vault, lock, unlock (and an unlock replay carrying the key-message signature)
      must(await user.signIn(), 'sign in');
      must(await user.createVault(), 'create vault');
      must(await user.request('POST', '/vault/lock', {}), 'lock');
      const u = await user.signed('unlock');
      const kdmText: string = u.reply.body.keyMessage.text;
      const kdmSignature = wallet.sign(kdmText);
      must(await user.request('POST', '/vault/unlock', { message: u.message, signature: u.signature, keyMessageSignature: kdmSignature }), 'unlock');
      expect((await user.request('POST', '/vault/unlock', { message: u.message, signature: u.signature, keyMessageSignature: kdmSignature })).status).toBe(401);

      // bot, policy, execution, webhooks that pass and fail
      const bot = must(await user.createBot('logs'), 'bot').body;
      must(await user.setPolicy(bot.id, POLICY), 'policy');
      must(await user.enableExecution(bot.id), 'enable');
      const alert = { secret: bot.webhookSecret, market: 'SOL-PERP', side: 'buy', type: 'limit', notional: '100', leverage: '1' };
      must(await user.webhook(bot.id, alert), 'webhook');
      expect((await user.webhook(bot.id, { ...alert, leverage: '9' })).status).toBe(422);
      expect((await user.webhook(bot.id, { ...alert, secret: `${bot.webhookSecret.slice(0, -1)}${bot.webhookSecret.endsWith('A') ? 'B' : 'A'}` })).status).toBe(401);
      // a webhook secret sent to a route that refuses it is not echoed
      expect((await user.request('POST', '/auth/challenge', { purpose: 'sign-in', address: wallet.address, secret: bot.webhookSecret })).status).toBe(400);
      must(await user.revoke(bot.id), 'revoke');
      expect((await user.webhook(bot.id, alert)).status).toBe(403);

      // the one reveal, and the refused second one
      const reveal = must(await user.revealMnemonic(bot.id), 'reveal');
      const mnemonic: string = reveal.body.mnemonic;
      expect((await user.revealMnemonic(bot.id)).status).toBe(429);
      must(await user.request('POST', `/bots/${bot.id}/kill`, {}), 'kill');
      must(await user.request('POST', '/vault/lock', {}), 'lock');
      must(await user.request('POST', '/auth/sign-out', {}), 'sign out');

      // -- the secrets --------------------------------------------------------------------------
      const agent = deriveSolanaKeypair(mnemonic);
      expect(agent.address).toBe(bot.agent);
      const vault = (await h.storage.repo.getVault(wallet.address))!;
      const kdmSig = base58.decode(kdmSignature);
      const wk = deriveWalletKey({ address: vault.wallet, domain: vault.domain, chain: vault.chain, salt: base64urlnopad.decode(vault.kdm.salt), version: vault.kdm.version, signature: kdmSig, signedAs: vault.kdm.signedAs });
      const umk = openRecord(wk, vault.umks[0]!.wallet!, { type: 'umk.wallet', context: { address: vault.owner, domain: vault.domain, chain: vault.chain } }).plaintext;
      const secrets: (Uint8Array | string)[] = [
        mnemonic,
        agent.seed.expose(),
        agent.secretKey.expose(),
        umk.expose(),
        wk.expose(),
        kdmSig,
        h.kek,
        user.credential!,
      ];
      expect(umk.expose()).toHaveLength(32);

      const logText = h.logs.join('\n');
      expect(h.logs.length).toBeGreaterThan(30);
      expectNoSecretIn(logText, [...secrets, bot.webhookSecret], 'server log');
      for (const { path, reply } of replies) {
        if (reply === reveal) continue; // the one reply allowed to carry the mnemonic
        const allowed = path === '/bots' && reply.status === 201 ? [] : [bot.webhookSecret];
        expectNoSecretIn(reply.text, [...secrets, ...allowed], `response of ${path}`);
      }
      // the log still says what happened, with codes
      for (const code of ['NONCE_UNKNOWN', 'POLICY_VIOLATION', 'GRANT_REVOKED', 'RATE_LIMITED']) expect(logText).toContain(`code=${code}`);
      expect(logText).toMatch(/request method=POST path=\/vault\/mnemonic\/reveal status=200 ms=\d+/);
    } finally {
      await h.close();
    }
  });
});
