/**
 * Wallet pop-ups per flow (issue 15 item 5; README "Wallet pop-ups per flow"): every flow of the
 * reference client is played with a counting wallet, and the count must be exactly the README's.
 * A change that makes a flow ask the wallet once more fails here.
 *
 * Also: the unlock authorization signs the session in (no separate sign-in), in cookie and bearer
 * modes, and never before every signature of the request verified; the combined
 * `unlock-and-enable-execution` message.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Client, must, Wallet, type Reply } from './client.js';
import { AUTH_FAILURE_MESSAGE } from './http.js';
import { backends, startHarness, type Harness } from './_harness.js';
import { MEMO_PROGRAM } from './transaction.js';

const POLICY = {
  enabled: true,
  allowedMarkets: ['SOL-PERP'],
  allowedOrderTypes: ['limit', 'market', 'cancel'],
  maxLeverage: '3',
  maxPositionNotional: '5000',
  maxSlippageBps: 50,
  dailyLossLimit: '250',
  killSwitch: false,
  allowedPrograms: [MEMO_PROGRAM],
};

function expectAuthRefused(reply: Reply): void {
  expect(reply.status).toBe(401);
  expect(reply.body).toEqual({ error: { code: 'AUTHORIZATION_REQUIRED', message: AUTH_FAILURE_MESSAGE } });
}
function expectLogged(h: Harness, code: string): void {
  expect(h.logs.some((l) => / (auth-refused|refused) /.test(l) && l.includes(` code=${code} `)), `log has code=${code}:\n${h.logs.slice(-5).join('\n')}`).toBe(true);
}
/** No session was handed out by this reply: no cookie, no token. */
function expectNoSession(reply: Reply): void {
  expect(reply.headers.get('set-cookie')).toBeNull();
  expect(reply.text).not.toMatch(/"token"/);
}
const signedInLines = (h: Harness) => h.logs.filter((l) => / signed-in /.test(l)).length;
/** The signatures a flow asked the wallet for. */
async function count(wallet: Wallet, flow: () => Promise<unknown>): Promise<number> {
  const before = wallet.signatures;
  await flow();
  return wallet.signatures - before;
}

const backend = backends()[0]!; // memory: the routes and the counts are under test, not the stores

describe('wallet pop-ups per flow (README table)', () => {
  const harnesses: Harness[] = [];
  const start = async () => {
    const h = await startHarness(backend);
    harnesses.push(h);
    return h;
  };
  afterEach(async () => {
    for (const x of harnesses.splice(0).reverse()) await x.close();
  });
  afterAll(() => backend.close());

  it('counts every flow of the example client', async () => {
    const h = await start();
    const user = new Client(h.url);
    const w = user.wallet;
    const counts: Record<string, number> = {};

    // First enrollment: unlock (signs the session in) + key message x2.
    counts['first enrollment'] = await count(w, async () => must(await user.createVault(), 'enroll'));
    // First bot of a new user: enrollment + enable-execution (bot and policy need only the session).
    counts['first bot (new user)'] =
      counts['first enrollment'] +
      (await count(w, async () => {
        const bot = must(await user.createBot('first'), 'bot').body;
        must(await user.setPolicy(bot.id, POLICY), 'policy');
        must(await user.enableExecution(bot.id), 'enable');
      }));
    const bots = must(await user.request('GET', '/bots'), 'bots').body.bots;
    // Next bot, vault unlocked: enable-execution only.
    counts['next bot, vault unlocked'] = await count(w, async () => {
      const bot = must(await user.createBot('second'), 'bot').body;
      must(await user.setPolicy(bot.id, POLICY), 'policy');
      must(await user.enableExecution(bot.id), 'enable');
    });
    // Reveal, vault unlocked.
    counts['reveal, vault unlocked'] = await count(w, async () => must(await user.revealMnemonic(bots[0].id), 'reveal'));

    // Daily sign-in on a new device (no session, vault locked): unlock (signs in) + key message.
    const device = new Client(h.url, w, { session: 'bearer' });
    counts['daily sign-in'] = await count(w, async () => must(await device.unlock(), 'daily'));
    must(await device.request('GET', '/bots'), 'the daily unlock signed the device in');

    // Reveal with the vault locked: unlock + key message, then the reveal.
    must(await device.request('POST', '/vault/lock', {}), 'lock');
    expect((await device.createBot('x')).status).toBe(423);
    counts['reveal, vault locked'] = await count(w, async () => {
      must(await device.unlock(), 'unlock');
      const a = await device.revealMnemonic(bots[0].id);
      // The reveal limit (3 per 24 h per wallet) is not what is counted here.
      expect([200, 429]).toContain(a.status);
    });

    // Returning user, vault locked, enabling a bot: one unlock-and-enable-execution message + the key message.
    must(await device.request('POST', '/vault/lock', {}), 'lock');
    counts['enable a bot, vault locked'] = await count(w, async () => {
      const r = must(await device.unlockAndEnable(bots[0].id), 'unlock and enable');
      expect(r.body.unlockedUntil).toMatch(/Z$/);
    });
    must(await device.createBot('unlocked by the combined message'), 'the vault is unlocked for this session');
    // The same without the combined message: unlock + key message + enable-execution.
    must(await device.request('POST', '/vault/lock', {}), 'lock');
    counts['enable a bot, vault locked, separately'] = await count(w, async () => {
      must(await device.unlock(), 'unlock');
      must(await device.enableExecution(bots[0].id), 'enable');
    });

    // Sign-in only (an app that wants a session and nothing else).
    const plain = new Client(h.url, w);
    counts['sign-in only'] = await count(w, async () => must(await plain.signIn(), 'sign in'));

    expect(counts).toEqual({
      'first enrollment': 3,
      'first bot (new user)': 4,
      'next bot, vault unlocked': 1,
      'reveal, vault unlocked': 1,
      'daily sign-in': 2,
      'reveal, vault locked': 3,
      'enable a bot, vault locked': 2,
      'enable a bot, vault locked, separately': 3,
      'sign-in only': 1,
    });
  });
});

describe('the unlock authorization signs the session in', () => {
  const harnesses: Harness[] = [];
  const start = async () => {
    const h = await startHarness(backend);
    harnesses.push(h);
    return h;
  };
  afterEach(async () => {
    for (const x of harnesses.splice(0).reverse()) await x.close();
  });

  for (const mode of ['cookie', 'bearer'] as const) {
    it(`${mode}: enrollment and a later unlock each start a session, with no sign-in message`, async () => {
      const h = await start();
      const user = new Client(h.url, Wallet.generate(), { session: mode });
      expectAuthRefused(await user.request('GET', '/bots'));
      const created = must(await user.createVault(), 'enroll');
      expect(created.body.session.address).toBe(user.wallet.address);
      if (mode === 'cookie') {
        const cookie = created.headers.get('set-cookie')!;
        expect(cookie).toMatch(/^av_session=[A-Za-z0-9_-]{43};/);
        expect(cookie).toContain('HttpOnly');
        expect(cookie).toContain('SameSite=Strict');
        expect(created.body.session.token).toBeUndefined();
      } else {
        expect(created.headers.get('set-cookie')).toBeNull();
        expect(created.body.session.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      }
      // The session works, and the vault it opened is this session's.
      must(await user.request('GET', '/bots'), 'session');
      must(await user.createBot('b'), 'the new session holds the unlocked vault');
      expect(h.logs.filter((l) => / signed-in /.test(l) && l.includes('via=vault-create'))).toHaveLength(1);

      // Another device: the daily unlock signs it in.
      const other = new Client(h.url, user.wallet, { session: mode });
      const unlocked = must(await other.unlock(), 'unlock');
      expect(unlocked.body.session.address).toBe(user.wallet.address);
      must(await other.createBot('c'), 'the unlock session holds the vault');
      expect(other.credential).not.toBe(user.credential);
      // /auth/sign-in still works for apps that only want a session.
      must(await new Client(h.url, user.wallet, { session: mode }).signIn(), 'sign-in');
    });
  }

  it('an unlock challenge without a session needs an address; with a session, only its own', async () => {
    const h = await start();
    const user = new Client(h.url);
    const r = await user.challenge('unlock');
    expect({ status: r.status, code: r.body.error.code, field: r.body.error.details?.field }).toEqual({ status: 400, code: 'INVALID_INPUT', field: 'address' });
    must(await user.createVault(), 'enroll');
    const other = Wallet.generate();
    expect((await user.challenge('unlock', { address: other.address })).status).toBe(400);
    must(await user.challenge('unlock', { address: user.wallet.address }), 'own address is fine');
    // Other purposes still need a session.
    expectAuthRefused(await new Client(h.url).challenge('enable-execution', { botId: 'bot-0000000000000000' }));
  });

  it('wrong wallet: nothing verifies, no session', async () => {
    const h = await start();
    const alice = new Client(h.url);
    const mallory = new Client(h.url);
    const before = signedInLines(h);

    // 1. Alice's unlock challenge signed by Mallory: the message address is the verifying key.
    const c = must(await mallory.challenge('unlock', { address: alice.wallet.address }), 'challenge').body;
    const kdm = c.keyMessage.text;
    let r = await mallory.request('POST', '/vault', {
      address: alice.wallet.address,
      message: c.message,
      signature: mallory.wallet.sign(c.message),
      keyMessageSignatures: [mallory.wallet.sign(kdm), mallory.wallet.sign(kdm)],
    });
    expectAuthRefused(r);
    expectNoSession(r);
    expectLogged(h, 'INVALID_SIGNATURE');

    // 2. Mallory's own unlock message posted for Alice: refused before the nonce is spent.
    const m = must(await mallory.challenge('unlock', { address: mallory.wallet.address }), 'challenge').body;
    r = await mallory.request('POST', '/vault', {
      address: alice.wallet.address,
      message: m.message,
      signature: mallory.wallet.sign(m.message),
      keyMessageSignatures: [mallory.wallet.sign(kdm), mallory.wallet.sign(kdm)],
    });
    expectAuthRefused(r);
    expectNoSession(r);
    expectLogged(h, 'ADDRESS_MISMATCH');

    // 3. Alice enrolls; later Mallory has a valid unlock signed by Alice (say, a phished
    //    authorization) but cannot produce Alice's key-message signature: no unlock, no session.
    must(await alice.createVault(), 'alice enrolls');
    const aliceAgain = new Client(h.url, alice.wallet);
    const u = must(await aliceAgain.challenge('unlock', { address: alice.wallet.address }), 'challenge').body;
    r = await mallory.request('POST', '/vault/unlock', {
      address: alice.wallet.address,
      message: u.message,
      signature: alice.wallet.sign(u.message),
      keyMessageSignature: mallory.wallet.sign(u.keyMessage.text),
    });
    expectAuthRefused(r);
    expectNoSession(r);
    expect(h.logs.filter((l) => / auth-refused /.test(l)).at(-1)).toMatch(/path=\/vault\/unlock .*code=INVALID_SIGNATURE /);
    // 4. And a key-message signature without a valid unlock message: refused as well.
    const u2 = must(await aliceAgain.challenge('unlock', { address: alice.wallet.address }), 'challenge').body;
    r = await mallory.request('POST', '/vault/unlock', {
      address: alice.wallet.address,
      message: u2.message,
      signature: mallory.wallet.sign(u2.message),
      keyMessageSignature: alice.wallet.sign(u2.keyMessage.text),
    });
    expectAuthRefused(r);
    expectNoSession(r);
    // Only Alice's enrollment signed anyone in.
    expect(signedInLines(h) - before).toBe(1);
    expectAuthRefused(await mallory.request('GET', '/bots'));
  });

  it('no session before every signature verified: a bad key-message signature after a good unlock message', async () => {
    const h = await start();
    const user = new Client(h.url);
    const c = must(await user.challenge('unlock', { address: user.wallet.address }), 'challenge').body;
    const other = Wallet.generate();
    const r = await user.request('POST', '/vault', {
      address: user.wallet.address,
      message: c.message,
      signature: user.wallet.sign(c.message),
      keyMessageSignatures: [other.sign(c.keyMessage.text), other.sign(c.keyMessage.text)],
    });
    expect(r.status).toBeGreaterThanOrEqual(400);
    expectNoSession(r);
    expect(signedInLines(h)).toBe(0);
    expectAuthRefused(await user.request('GET', '/bots'));
    // The unlock message was spent; a new challenge and honest signatures enroll.
    must(await user.createVault(), 'enroll');
    expect(signedInLines(h)).toBe(1);
  });

  it('replay: the same unlock body posted twice signs in once', async () => {
    const h = await start();
    const user = new Client(h.url, Wallet.generate(), { session: 'bearer' });
    must(await user.createVault(), 'enroll');
    const c = must(await new Client(h.url, user.wallet).challenge('unlock', { address: user.wallet.address }), 'challenge').body;
    const post = { address: user.wallet.address, message: c.message, signature: user.wallet.sign(c.message), keyMessageSignature: user.wallet.sign(c.keyMessage.text), session: 'bearer' };
    const anonymous = new Client(h.url, user.wallet, { session: 'bearer' });
    must(await anonymous.request('POST', '/vault/unlock', post), 'first');
    const again = await anonymous.request('POST', '/vault/unlock', post);
    expectAuthRefused(again);
    expectNoSession(again);
    expectLogged(h, 'NONCE_UNKNOWN');
    expect(h.logs.filter((l) => / signed-in /.test(l) && l.includes('via=vault-unlock'))).toHaveLength(1);
    // With a session, a `session` mode in the body is refused (nothing to start).
    const bad = await user.request('POST', '/vault/unlock', { ...post, session: 'cookie' });
    expect(bad.status).toBe(400);
  });
});

describe('unlock-and-enable-execution over HTTP (SPEC 7.4.1)', () => {
  const harnesses: Harness[] = [];
  afterEach(async () => {
    for (const x of harnesses.splice(0).reverse()) await x.close();
  });
  /** Enrolled, two bots with a policy, vault locked. */
  async function locked() {
    const h = await startHarness(backend);
    harnesses.push(h);
    const user = new Client(h.url);
    must(await user.createVault(), 'enroll');
    const a = must(await user.createBot('a'), 'bot').body;
    const b = must(await user.createBot('b'), 'bot').body;
    must(await user.setPolicy(a.id, POLICY), 'policy');
    must(await user.setPolicy(b.id, POLICY), 'policy');
    must(await user.request('POST', '/vault/lock', {}), 'lock');
    return { h, user, a, b };
  }
  const expectLocked = async (user: Client) => expect((await user.createBot('probe')).status).toBe(423);

  it('one message unlocks and enables; its webhook signs; the key message comes with the challenge', async () => {
    const { h, user, a } = await locked();
    const c = must(await user.challenge('unlock-and-enable-execution', { botId: a.id }), 'challenge').body;
    expect(c.message).toContain('Unlock your encrypted keys on this server for this session, and allow bot');
    expect(c.message).toContain('- urn:agentvault:purpose:unlock-and-enable-execution\n- urn:agentvault:bot:');
    expect(c.keyMessage).toMatchObject({ signedAs: 'raw', create: false });
    const r = must(
      await user.request('POST', `/bots/${a.id}/execution`, { message: c.message, signature: user.wallet.sign(c.message), keyMessageSignature: user.wallet.sign(c.keyMessage.text) }),
      'enable',
    );
    expect(r.body.agent).toBe(a.agent);
    const fired = must(await user.webhook(a.id, { secret: a.webhookSecret, market: 'SOL-PERP', side: 'buy', type: 'limit', notional: '100', leverage: '2' }), 'webhook');
    expect(fired.body.grantId).toBe(r.body.grantId);
    must(await user.createBot('c'), 'vault unlocked for the session');
    expect(h.logs.some((l) => / vault-unlocked /.test(l) && l.includes('via=unlock-and-enable-execution'))).toBe(true);
  });

  it('purpose confusion both ways, another bot, replay: refused, and the vault stays locked', async () => {
    const { h, user, a, b } = await locked();
    const combined = () => user.challenge('unlock-and-enable-execution', { botId: a.id }).then((r) => must(r, 'challenge').body);
    const c = await combined();
    const signature = user.wallet.sign(c.message);
    const keyMessageSignature = user.wallet.sign(c.keyMessage.text);
    // Used as a plain enable-execution (no key message): with the vault locked that path stops at
    // 423; with it unlocked, the purpose is wrong. Then as an unlock and as a sign-in: wrong purpose.
    expect((await user.request('POST', `/bots/${a.id}/execution`, { message: c.message, signature })).status).toBe(423);
    must(await user.unlock(), 'unlock');
    expectAuthRefused(await user.request('POST', `/bots/${a.id}/execution`, { message: c.message, signature }));
    expectLogged(h, 'PURPOSE_MISMATCH');
    must(await user.request('POST', '/vault/lock', {}), 'lock');
    expectAuthRefused(await user.request('POST', '/vault/unlock', { message: c.message, signature, keyMessageSignature }));
    expectLogged(h, 'PURPOSE_MISMATCH');
    expectAuthRefused(await user.request('POST', '/auth/sign-in', { message: c.message, signature }));
    // Posted for another bot.
    expectAuthRefused(await user.request('POST', `/bots/${b.id}/execution`, { message: c.message, signature, keyMessageSignature }));
    await expectLocked(user);
    // A plain enable-execution message with a key-message signature is not the combined purpose.
    must(await user.unlock(), 'unlock');
    const plain = must(await user.challenge('enable-execution', { botId: a.id }), 'challenge').body;
    must(await user.request('POST', '/vault/lock', {}), 'lock');
    expectAuthRefused(await user.request('POST', `/bots/${a.id}/execution`, { message: plain.message, signature: user.wallet.sign(plain.message), keyMessageSignature }));
    await expectLocked(user);
    // Replay: the first use succeeds once, the second is refused (one nonce, consumed once).
    const fresh = await combined();
    const post = { message: fresh.message, signature: user.wallet.sign(fresh.message), keyMessageSignature };
    must(await user.request('POST', `/bots/${a.id}/execution`, post), 'first');
    must(await user.request('POST', '/vault/lock', {}), 'lock');
    expectAuthRefused(await user.request('POST', `/bots/${a.id}/execution`, post));
    expectLogged(h, 'NONCE_UNKNOWN');
    await expectLocked(user);
  });

  it('all or nothing: a refused grant leaves the vault locked; a wrong key message unlocks nothing', async () => {
    const { user, a } = await locked();
    const c = must(await user.challenge('unlock-and-enable-execution', { botId: a.id }), 'challenge').body;
    // The policy changes after the challenge: the signed hash is no longer the bot's policy.
    must(await user.setPolicy(a.id, { ...POLICY, maxLeverage: '4' }), 'policy');
    const r = await user.request('POST', `/bots/${a.id}/execution`, { message: c.message, signature: user.wallet.sign(c.message), keyMessageSignature: user.wallet.sign(c.keyMessage.text) });
    expect({ status: r.status, code: r.body.error.code }).toEqual({ status: 409, code: 'POLICY_MISMATCH' });
    await expectLocked(user);
    const d = must(await user.challenge('unlock-and-enable-execution', { botId: a.id }), 'challenge').body;
    const w = await user.request('POST', `/bots/${a.id}/execution`, { message: d.message, signature: user.wallet.sign(d.message), keyMessageSignature: Wallet.generate().sign(d.keyMessage.text) });
    expectAuthRefused(w);
    await expectLocked(user);
    expect((await user.request('GET', '/bots')).body.bots.find((x: { id: string }) => x.id === a.id).execution).toBeNull();
  });
});
