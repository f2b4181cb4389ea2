/**
 * Agent wallets: generate + derive + seal. Written once as a suite over the sealer (STYLE: one
 * behavioural suite, many implementations), run against a tiny in-memory fake and the real
 * UnlockedVault.
 */
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import {
  AGENT_CONTEXT_FIELD,
  AGENT_KEY_RECORD,
  AGENT_MNEMONIC_RECORD,
  createAgentWallet,
  deriveSolanaKeypair,
  openAgentKey,
  validateMnemonic,
  type RecordSealer,
} from '../../src/derivation/index.js';
import { SecretBytes } from '../../src/secret.js';
import { createVault, prepareVault } from '../../src/vault/vault.js';
import { fakeAuthorization } from '../helpers/auth.js';
import { expectCode } from '../helpers/errors.js';
import { expectNoSecretIn } from '../helpers/secrets.js';
import { testWallet } from '../helpers/wallet.js';
import { base58, toHexRef } from './_reference.js';

/** In-memory sealer: records are opaque ids; open checks type and fields like the real one. */
class FakeSealer implements RecordSealer {
  readonly address = testWallet(7).address;
  readonly plain = new Map<string, { type: string; fields: string; bytes: Uint8Array }>();
  lastOpened: SecretBytes | undefined;
  private n = 0;
  seal(type: string, plaintext: Uint8Array, fields: Readonly<Record<string, string>> = {}): string {
    const id = `fake:${++this.n}`;
    this.plain.set(id, { type, fields: JSON.stringify(fields), bytes: Uint8Array.from(plaintext) });
    return id;
  }
  open(type: string, record: string, fields: Readonly<Record<string, string>> = {}): SecretBytes {
    const r = this.plain.get(record);
    if (!r || r.type !== type || r.fields !== JSON.stringify(fields)) throw new Error('fake: context mismatch');
    this.lastOpened = SecretBytes.copy(r.bytes);
    return this.lastOpened;
  }
}

function realVault(): RecordSealer & { lock(): void } {
  const w = testWallet(11);
  const prepared = prepareVault({ address: w.address, domain: 'app.example.com', chain: 'mainnet' });
  const sig = w.sign(prepared.keyMessage);
  const created = createVault({ prepared, signatures: [sig, sig], authorization: fakeAuthorization(w.address) });
  return created.unlocked!;
}

const sealers: [string, () => RecordSealer][] = [
  ['fake sealer', () => new FakeSealer()],
  ['real UnlockedVault', realVault],
];

describe.each(sealers)('createAgentWallet / openAgentKey with a %s', (_name, make) => {
  it('returns only public facts and two sealed records; the key opens, matches and signs', async () => {
    const vault = make();
    const agent = createAgentWallet(vault);
    expect(Object.keys(agent).sort()).toEqual(['address', 'path', 'preset', 'publicKey', 'records']);
    expect(Object.keys(agent.records).sort()).toEqual(['agentKey', 'mnemonic']);
    expect(agent.preset).toBe('phantom');
    expect(agent.path).toBe("m/44'/501'/0'/0'");
    expect(agent.address).toBe(base58(agent.publicKey));
    expect(Object.isFrozen(agent)).toBe(true);

    const key = openAgentKey(vault, agent.records, { address: agent.address });
    expect(key.length).toBe(64);
    const tw = nacl.sign.keyPair.fromSeed(key.expose().slice(0, 32));
    expect(toHexRef(tw.secretKey)).toBe(toHexRef(key.expose()));
    expect(toHexRef(tw.publicKey)).toBe(toHexRef(agent.publicKey));
    const msg = new TextEncoder().encode('trade');
    expect(nacl.sign.detached.verify(msg, nacl.sign.detached(msg, key.expose()), agent.publicKey)).toBe(true);

    // The mnemonic record holds a 24-word NFKD mnemonic that re-derives the same address.
    const mnemonic = vault.open(AGENT_MNEMONIC_RECORD, agent.records.mnemonic, { agent: agent.address });
    const text = mnemonic.exposeText();
    expect(text.split(' ')).toHaveLength(24);
    expect(text).toBe(text.normalize('NFKD'));
    expect(validateMnemonic(text)).toBe(text);
    expect(deriveSolanaKeypair(text).address).toBe(agent.address);

    // Nothing secret in what is handed back, in any encoding.
    const util = await import('node:util');
    const out = [JSON.stringify(agent), util.inspect(agent, { depth: 5 })].join('\n');
    expectNoSecretIn(out, [key.expose().slice(0, 32), text], 'agent wallet result');
    key.dispose();
    mnemonic.dispose();
  });

  it('honours words, preset and account, and binds app fields and the agent address into both records', () => {
    const vault = make();
    const fields = { bot: 'b1' };
    const agent = createAgentWallet(vault, { words: 12, preset: 'ledger-live', account: 3, fields });
    expect(agent.path).toBe("m/44'/501'/3'");
    const text = vault.open(AGENT_MNEMONIC_RECORD, agent.records.mnemonic, { ...fields, [AGENT_CONTEXT_FIELD]: agent.address }).exposeText();
    expect(text.split(' ')).toHaveLength(12);
    expect(deriveSolanaKeypair(text, { preset: 'ledger-live', account: 3 }).address).toBe(agent.address);
    expect(openAgentKey(vault, agent.records, { address: agent.address, fields }).length).toBe(64);
    // Without the fields (or with others), or without the agent address, the records do not open.
    expect(() => openAgentKey(vault, agent.records, { address: agent.address })).toThrow();
    expect(() => openAgentKey(vault, agent.records, { address: agent.address, fields: { bot: 'b2' } })).toThrow();
    expect(() => vault.open(AGENT_MNEMONIC_RECORD, agent.records.mnemonic, fields)).toThrow();
    expect(() => vault.open(AGENT_KEY_RECORD, agent.records.agentKey, fields)).toThrow();
  });

  it('the agent address is required to open, and the name `agent` is reserved in fields', () => {
    const vault = make();
    const agent = createAgentWallet(vault);
    expectCode(() => openAgentKey(vault, agent.records, {} as never), 'INVALID_INPUT');
    expectCode(() => openAgentKey(vault, agent.records, undefined as never), 'INVALID_INPUT');
    expectCode(() => openAgentKey(vault, agent.records, { address: agent.address, fields: { agent: agent.address } }), 'INVALID_INPUT');
    expectCode(() => createAgentWallet(vault, { fields: { agent: agent.address } }), 'INVALID_INPUT');
    expectCode(() => createAgentWallet(vault, { fields: { bot: 'b1', agent: 'x' } }), 'INVALID_INPUT');
  });

  it('makes a fresh wallet each time', () => {
    const vault = make();
    expect(createAgentWallet(vault).address).not.toBe(createAgentWallet(vault).address);
  });

  it('refuses a BIP39 passphrase and bad options', () => {
    const vault = make();
    expectCode(() => createAgentWallet(vault, { passphrase: 'x' } as never), 'INVALID_INPUT');
    expectCode(() => createAgentWallet(vault, { words: 18 } as never), 'MNEMONIC_WORD_COUNT');
    expectCode(() => createAgentWallet(vault, { preset: 'solana-cli', account: 1 }), 'INVALID_INPUT');
    expectCode(() => createAgentWallet(vault, { fields: 'bot' } as never), 'INVALID_INPUT');
    expectCode(() => createAgentWallet(vault, null as never), 'INVALID_INPUT');
    // F12: an unknown (misspelt) derivation option is refused, not ignored.
    const e = expectCode(() => createAgentWallet(vault, { acount: 2 } as never), 'INVALID_INPUT');
    expect(e.details?.field).toBe('acount');
  });

  it('openAgentKey refuses another agent: its record and the address must agree', () => {
    const vault = make();
    const a = createAgentWallet(vault);
    const b = createAgentWallet(vault);
    // The address is in the record context: another agent's record does not open (the real vault
    // says CONTEXT_MISMATCH; the fake sealer throws its own error).
    expect(() => openAgentKey(vault, a.records, { address: b.address })).toThrow();
    expect(() => openAgentKey(vault, { agentKey: b.records.agentKey }, { address: a.address })).toThrow();
    expectCode(() => openAgentKey(vault, a.records, { address: 'not-an-address' }), 'INVALID_INPUT');
    openAgentKey(vault, b.records, { address: b.address }).dispose();
  });
});

describe('openAgentKey checks what the record holds', () => {
  it('INTEGRITY when the public half does not match, or the length is wrong; the opened key is disposed', () => {
    const vault = new FakeSealer();
    const agent = createAgentWallet(vault);
    const stored = vault.plain.get(agent.records.agentKey)!;
    const good = stored.bytes;
    stored.bytes = Uint8Array.from(good);
    stored.bytes[40] = stored.bytes[40]! ^ 1;
    expectCode(() => openAgentKey(vault, agent.records, { address: agent.address }), 'INTEGRITY');
    expect(vault.lastOpened!.disposed).toBe(true);
    stored.bytes = good.slice(0, 32);
    expectCode(() => openAgentKey(vault, agent.records, { address: agent.address }), 'INTEGRITY');
    expect(vault.lastOpened!.disposed).toBe(true);
    // A sealer that does not enforce contexts: the key check alone still refuses another agent's key.
    const other = createAgentWallet(vault);
    stored.bytes = Uint8Array.from(vault.plain.get(other.records.agentKey)!.bytes);
    expectCode(() => openAgentKey(vault, agent.records, { address: agent.address }), 'ADDRESS_MISMATCH');
    expect(vault.lastOpened!.disposed).toBe(true);
  });

  it('uses the vault record types mnemonic and agent-key', () => {
    const vault = new FakeSealer();
    const agent = createAgentWallet(vault);
    expect(vault.plain.get(agent.records.mnemonic)!.type).toBe(AGENT_MNEMONIC_RECORD);
    expect(vault.plain.get(agent.records.agentKey)!.type).toBe(AGENT_KEY_RECORD);
    expect([AGENT_MNEMONIC_RECORD, AGENT_KEY_RECORD]).toEqual(['mnemonic', 'agent-key']);
    // Both contexts carry the agent address under the reserved name.
    expect(AGENT_CONTEXT_FIELD).toBe('agent');
    for (const r of [agent.records.mnemonic, agent.records.agentKey]) expect(JSON.parse(vault.plain.get(r)!.fields)).toEqual({ agent: agent.address });
  });

  it.each([null, {}, { seal: () => '' }, 'vault'])('refuses vault = %j', (v) => {
    expectCode(() => createAgentWallet(v as never), 'INVALID_INPUT');
    expectCode(() => openAgentKey(v as never, { agentKey: 'x' }, { address: testWallet(7).address }), 'INVALID_INPUT');
  });

  it('refuses records without agentKey text', () => {
    const vault = new FakeSealer();
    expectCode(() => openAgentKey(vault, {} as never, { address: vault.address }), 'INVALID_INPUT');
    expectCode(() => openAgentKey(vault, null as never, { address: vault.address }), 'INVALID_INPUT');
  });
});
