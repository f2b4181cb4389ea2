/**
 * No sticky sessions (SPEC 12, issue 17): two instances of the reference server share one storage
 * (PGlite; PostgreSQL + Redis when the test setup started them) and the KEK. Unlock through A, use
 * the vault through B, lock through B and A refuses; restart both, and the session still works
 * until it expires.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Client, must, type Reply } from './client.js';
import { backends, startHarness, type Harness, type TestStorage } from './_harness.js';

const HOUR = 3_600_000;
const expectLocked = (r: Reply) => expect({ status: r.status, code: r.body?.error?.code }).toEqual({ status: 423, code: 'VAULT_LOCKED' });

describe.each(backends().filter((b) => b.name !== 'memory'))('two instances over $name', (backend) => {
  const running: Harness[] = [];
  const storages: TestStorage[] = [];
  afterEach(async () => {
    for (const h of running.splice(0).reverse()) await h.close();
    for (const s of storages.splice(0)) {
      await s.stores.close();
      await s.repo.close();
    }
  });
  afterAll(() => backend.close());

  it.skipIf(backend.skip !== '')('unlock through A, sign through B, lock through B: A refuses; a restart keeps the session until expiry', async () => {
    const storage = await backend.storage();
    storages.push(storage);
    const start = async (origin?: string) => {
      const h = await startHarness(backend, { storage, ...(origin !== undefined ? { origin } : {}) });
      running.push(h);
      return h;
    };
    const a = await start();
    const b = await start(a.config.origin);
    const user = new Client(a.url);
    must(await user.signIn(), 'sign in through A');
    must(await user.createVault(), 'create + unlock through A');
    const onB = new Client(b.url, user.wallet);
    onB.credential = user.credential;

    // The vault unlocked through A signs through B: a new agent wallet sealed under it, a grant.
    const bot = must(await onB.createBot('b-bot'), 'create bot through B').body;
    must(await onB.setPolicy(bot.id, { enabled: true, allowedMarkets: ['SOL-PERP'], allowedOrderTypes: ['limit'], maxLeverage: '2', maxPositionNotional: '100', maxSlippageBps: 10, dailyLossLimit: '10', killSwitch: false, allowedPrograms: [] }), 'policy through B');
    must(await onB.enableExecution(bot.id), 'enable execution through B');
    must(await user.revealMnemonic(bot.id), 'reveal through A (agent wallet made on B)');

    // Lock through B: A refuses at once.
    must(await onB.request('POST', '/vault/lock', {}), 'lock through B');
    expectLocked(await user.createBot('after-lock'));
    expectLocked(await onB.createBot('after-lock'));

    // Unlock again through B; restart both instances (new processes' worth of state: new apps,
    // new peppers object, nothing in memory) on the same storage: the session still works.
    must(await onB.unlock(), 'unlock through B');
    for (const h of running.splice(0)) await h.close();
    const a2 = await start();
    const b2 = await start(a2.config.origin);
    const afterA = new Client(a2.url, user.wallet);
    const afterB = new Client(b2.url, user.wallet);
    afterA.credential = afterB.credential = user.credential;
    must(await afterA.createBot('after-restart-a'), 'vault still unlocked on A after the restart');
    must(await afterB.createBot('after-restart-b'), 'vault still unlocked on B after the restart');

    // Until it expires (the unlock lasts 1 h by default): then every instance refuses.
    a2.advance(HOUR + 1000);
    b2.advance(HOUR + 1000);
    expectLocked(await afterA.createBot('expired'));
    expectLocked(await afterB.createBot('expired'));
  });
});
