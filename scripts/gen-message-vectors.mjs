// Independent generator for vectors/messages.json: naive string templates + tweetnacl + node:crypto.
// Never imports agentvault.
import nacl from 'tweetnacl';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';

const ALPH = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
function b58(bytes) {
  let n = 0n; for (const b of bytes) n = n * 256n + BigInt(b);
  let s = ''; while (n > 0n) { s = ALPH[Number(n % 58n)] + s; n /= 58n; }
  for (const b of bytes) { if (b === 0) s = '1' + s; else break; }
  return s;
}
const hex = (b) => Buffer.from(b).toString('hex');
const seed = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const kp = nacl.sign.keyPair.fromSeed(seed);
const address = b58(kp.publicKey);
const enc = (s) => new Uint8Array(Buffer.from(s, 'utf8'));
const sign = (bytes) => nacl.sign.detached(bytes, kp.secretKey);
const envelope = (text) => new Uint8Array([0xff, ...enc('solana offchain'), 1, 1, ...kp.publicKey, ...enc(text)]);

function siws(f) {
  let t = `${f.domain} wants you to sign in with your Solana account:\n${f.address}\n\n`;
  if (f.statement) t += `${f.statement}\n\n`;
  t += `URI: ${f.uri}\nVersion: ${f.version}\nChain ID: ${f.chainId}\nNonce: ${f.nonce}\nIssued At: ${f.issuedAt}`;
  if (f.expirationTime) t += `\nExpiration Time: ${f.expirationTime}`;
  if (f.notBefore) t += `\nNot Before: ${f.notBefore}`;
  if (f.requestId) t += `\nRequest ID: ${f.requestId}`;
  if (f.resources) { t += '\nResources:'; for (const r of f.resources) t += `\n- ${r}`; }
  return t;
}

const validFields = [
  ['full', { domain: 'app.example.com', address, statement: 'Sign in to the app. No transaction, no fee.', uri: 'https://app.example.com/login', version: '1', chainId: 'mainnet', nonce: 'abcDEF0123456789', issuedAt: '2025-01-31T12:00:00Z', expirationTime: '2025-01-31T12:10:00Z', notBefore: '2025-01-31T12:00:00Z', requestId: 'req-42', resources: ['urn:agentvault:purpose:sign-in', 'https://app.example.com/terms'] }],
  ['minimal', { domain: 'localhost:3000', address, uri: 'http://localhost:3000/', version: '1', chainId: 'devnet', nonce: '12345678', issuedAt: '2025-01-31T12:00:00.123Z' }],
  ['solana-chain-empty-resources', { domain: '127.0.0.1:8080', address, statement: "It's me: @user (ok)", uri: 'myapp:callback', version: '1', chainId: 'solana:testnet', nonce: 'ZZZZzzzz0000', issuedAt: '2024-02-29T23:59:59.999999Z', expirationTime: '2024-03-01T00:09:59Z', resources: [] }],
];
const valid = validFields.map(([name, fields]) => {
  const text = siws(fields);
  const sig = sign(enc(text));
  const env = envelope(text);
  const envSig = sign(env);
  return { name, fields, text, signatureBase58: b58(sig), signatureHex: hex(sig), offchainV1Hex: hex(env), offchainV1SignatureHex: hex(envSig) };
});

// issueChallenge vectors: random chunk -> nonce by rejection sampling (byte < 248 -> BASE62[byte % 62]).
const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
function nonceFrom(tag) {
  const chunks = []; let nonce = ''; let i = 0;
  while (nonce.length < 24) {
    const chunk = createHash('sha256').update(`agentvault messages vector ${tag} ${i++}`).digest();
    chunks.push(hex(chunk));
    for (const b of chunk) if (b < 248 && nonce.length < 24) nonce += BASE62[b % 62];
  }
  return { chunks, nonce };
}
const iso = (ms) => new Date(ms).toISOString().slice(0, 19) + 'Z';
// SPEC 7.5: the nonce store key, bound to the address that must sign.
const storeKey = (addr, nonce) => createHash('sha256').update(`agentvault:siws-nonce:v1\n${addr}\n${nonce}`, 'utf8').digest('hex');
const NOW = Date.UTC(2025, 0, 31, 12, 0, 0);
const MIN = 60000;
const common = { domain: 'app.example.com', uri: 'https://app.example.com/login', chain: 'mainnet', address, now: NOW };
const ST = {
  'sign-in': 'Sign in. This request will not trigger a blockchain transaction or cost any fee.',
  unlock: 'Unlock your encrypted keys on this server for this session. This request will not trigger a blockchain transaction or cost any fee.',
  'reveal-mnemonic': 'Reveal the recovery phrase of your agent wallet, once. I understand that anyone who sees it can take every asset in that wallet, and that I must never share it.',
};
const challenges = [];
for (const [purpose, life] of [['sign-in', 10], ['unlock', 10], ['reveal-mnemonic', 2]]) {
  const { chunks, nonce } = nonceFrom(purpose);
  const resources = [`urn:agentvault:purpose:${purpose}`];
  if (purpose === 'reveal-mnemonic') resources.push('urn:agentvault:ack:reveal-mnemonic:v1');
  const text = siws({ domain: common.domain, address, statement: ST[purpose], uri: common.uri, version: '1', chainId: 'mainnet', nonce, issuedAt: iso(NOW), expirationTime: iso(NOW + life * MIN), resources });
  challenges.push({ name: purpose, options: { purpose, ...common }, randomHex: chunks, nonce, storeKeyHex: storeKey(address, nonce), text, expiresAt: NOW + life * MIN, signatureHex: hex(sign(enc(text))) });
}
{
  const purpose = 'enable-execution';
  const { chunks, nonce } = nonceFrom(purpose);
  const policyHash = createHash('sha256').update('{"enabled":true}').digest('hex');
  const nb = iso(NOW + 60 * MIN), ex = iso(NOW + 60 * MIN + 24 * 60 * MIN);
  const statement = `Allow bot grid-bot.1 to trade from your agent wallet from ${nb} until ${ex}, within the risk policy you approved. You can revoke this at any time.`;
  // The agent wallet the grant is for: the public key of seed 0x21..0x40.
  const agent = b58(nacl.sign.keyPair.fromSeed(Uint8Array.from({ length: 32 }, (_, i) => i + 0x21)).publicKey);
  const resources = ['urn:agentvault:purpose:enable-execution', 'urn:agentvault:bot:grid-bot.1', `urn:agentvault:agent:${agent}`, `urn:agentvault:policy:sha256:${policyHash}`, `urn:agentvault:grant-not-before:${nb}`, `urn:agentvault:grant-expires:${ex}`];
  const text = siws({ domain: common.domain, address, statement, uri: common.uri, version: '1', chainId: 'mainnet', nonce, issuedAt: iso(NOW), expirationTime: iso(NOW + 15 * MIN), requestId: 'grant-7', resources });
  challenges.push({ name: purpose, options: { purpose, ...common, requestId: 'grant-7', grant: { bot: 'grid-bot.1', agent, policyHash, notBefore: NOW + 60 * MIN, windowMs: 24 * 60 * MIN } }, randomHex: chunks, nonce, storeKeyHex: storeKey(address, nonce), text, expiresAt: NOW + 15 * MIN, signatureHex: hex(sign(enc(text))) });
}
{
  // SPEC 7.4.1: one message for unlock + enable-execution. Lifetime 10 min (the shorter of the two),
  // the unlock sentence and the enable sentence in one statement, the five grant URNs after the purpose URN.
  const purpose = 'unlock-and-enable-execution';
  const { chunks, nonce } = nonceFrom(purpose);
  const policyHash = createHash('sha256').update('{"enabled":true}').digest('hex');
  const nb = iso(NOW), ex = iso(NOW + 60 * MIN);
  const statement = `Unlock your encrypted keys on this server for this session, and allow bot grid-bot.1 to trade from your agent wallet from ${nb} until ${ex}, within the risk policy you approved. You can revoke this at any time.`;
  const agent = b58(nacl.sign.keyPair.fromSeed(Uint8Array.from({ length: 32 }, (_, i) => i + 0x21)).publicKey);
  const resources = [`urn:agentvault:purpose:${purpose}`, 'urn:agentvault:bot:grid-bot.1', `urn:agentvault:agent:${agent}`, `urn:agentvault:policy:sha256:${policyHash}`, `urn:agentvault:grant-not-before:${nb}`, `urn:agentvault:grant-expires:${ex}`];
  const text = siws({ domain: common.domain, address, statement, uri: common.uri, version: '1', chainId: 'mainnet', nonce, issuedAt: iso(NOW), expirationTime: iso(NOW + 10 * MIN), resources });
  challenges.push({ name: purpose, options: { purpose, ...common, grant: { bot: 'grid-bot.1', agent, policyHash } }, randomHex: chunks, nonce, storeKeyHex: storeKey(address, nonce), text, expiresAt: NOW + 10 * MIN, signatureHex: hex(sign(enc(text))) });
}

const full = valid[0].text;
const invalid = [
  ['crlf', full.replaceAll('\n', '\r\n'), 'MESSAGE_MALFORMED'],
  ['trailing-newline', full + '\n', 'MESSAGE_MALFORMED'],
  ['uuid-nonce', full.replace('Nonce: abcDEF0123456789', 'Nonce: 123e4567-e89b-12d3-a456-426614174000'), 'MESSAGE_MALFORMED'],
  ['statement-smuggling', full.replace('No transaction, no fee.', 'No fee.\n\nURI: https://evil.example/'), 'MESSAGE_MALFORMED'],
  ['duplicate-field', full.replace('Version: 1', 'Version: 1\nVersion: 1'), 'MESSAGE_MALFORMED'],
  ['reordered-fields', full.replace('Version: 1\nChain ID: mainnet', 'Chain ID: mainnet\nVersion: 1'), 'MESSAGE_MALFORMED'],
  ['lowercase-tag', full.replace('Nonce: ', 'nonce: '), 'MESSAGE_MALFORMED'],
  ['unknown-field', full.replace('Version: 1', 'Version: 1\nFoo: bar'), 'MESSAGE_MALFORMED'],
  ['domain-with-scheme', full.replace('app.example.com wants', 'https://app.example.com wants'), 'MESSAGE_MALFORMED'],
  ['chain-mainnet-beta', full.replace('Chain ID: mainnet', 'Chain ID: mainnet-beta'), 'MESSAGE_MALFORMED'],
  ['time-with-offset', full.replace('Issued At: 2025-01-31T12:00:00Z', 'Issued At: 2025-01-31T12:00:00+00:00'), 'MESSAGE_MALFORMED'],
  ['version-2', full.replace('Version: 1', 'Version: 2'), 'MESSAGE_MALFORMED'],
  ['u2028-in-statement', full.replace('No transaction', 'No\u2028transaction'), 'MESSAGE_MALFORMED'],
  ['too-long', full + '\n- https://a.example/' + 'a'.repeat(1200), 'MESSAGE_TOO_LONG'],
].map(([name, text, code]) => ({ name, text, code }));

// Signatures that lenient verifiers (zip215) accept but the strict rules refuse.
const ZERO = new Uint8Array(32);
const IDENT = Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 1 : 0));
const invalidSignatures = [
  { name: 'all-zero key, all-zero signature', publicKeyHex: hex(ZERO), address: b58(ZERO), text: full, signatureHex: hex(new Uint8Array(64)), code: 'INVALID_SIGNATURE' },
  { name: 'identity key, R = identity, S = 0', publicKeyHex: hex(IDENT), address: b58(IDENT), text: full, signatureHex: hex(new Uint8Array([...IDENT, ...new Uint8Array(32)])), code: 'INVALID_SIGNATURE' },
  { name: 'message names the test key, signed by another key', publicKeyHex: hex(kp.publicKey), address, text: full, signatureHex: hex(nacl.sign.detached(enc(full), nacl.sign.keyPair.fromSeed(new Uint8Array(32).fill(0x42)).secretKey)), code: 'INVALID_SIGNATURE' },
];

const out = {
  description: 'agentvault signed messages (SPEC 7): SIWS text from fixed fields, Ed25519 signatures by a fixed test key over the raw text and over its Solana off-chain message v1 envelope, issueChallenge outputs for fixed clock and randomness (with the nonce store key, SPEC 7.5), and refusals.',
  source: 'agentvault (self-generated by an independent script: string templates, tweetnacl and node:crypto only; the tests re-check every signature with tweetnacl)',
  key: { seedHex: hex(seed), publicKeyHex: hex(kp.publicKey), address, note: 'seed = bytes 0x01..0x20; keypair from tweetnacl sign.keyPair.fromSeed' },
  valid,
  challenges,
  invalid,
  invalidSignatures,
};
writeFileSync(new URL('../vectors/messages.json', import.meta.url), JSON.stringify(out, null, 2) + '\n');
console.log('ok', valid.length, challenges.length, invalid.length);
