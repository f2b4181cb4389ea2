/**
 * Mutation-test follow-ups for src/messages/purposes.ts (issue 16 item 5, SPEC 7.4): exact
 * statements and URNs, every limit at its boundary (lifetimes, grant windows, the 90-day ceiling,
 * bot ids, app purpose names, policy summaries), the field each refusal names, and what
 * `readSignedPurpose` reads back from a signed text, branch by branch.
 */
import { describe, expect, it } from 'vitest';
import {
  BUILTIN_PURPOSES,
  DEFAULT_GRANT_WINDOW_MS,
  DEFAULT_MAX_GRANT_WINDOW_MS,
  GRANT_WINDOW_CEILING_MS,
  MAX_APP_MESSAGE_LIFETIME_MS,
  MAX_POLICY_SUMMARY_LENGTH,
  STATEMENT_REVEAL_MNEMONIC,
  STATEMENT_SIGN_IN,
  STATEMENT_UNLOCK,
  URN_ACK_REVEAL_MNEMONIC,
  checkLifetime,
  definePurpose,
  isBuiltinPurpose,
  isPolicySummaryText,
  readSignedPurpose,
  resolvePurpose,
  statementEnableExecution,
  statementUnlockAndEnableExecution,
  type GrantRequest,
} from '../../src/messages/purposes.js';
import { expectCode } from '../helpers/errors.js';
import { AGENT, NOW, POLICY_HASH } from './_fixtures.js';

const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const iso = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;
const grant = (over: Partial<GrantRequest> = {}): GrantRequest => ({ bot: 'bot-1', agent: AGENT, policyHash: POLICY_HASH, ...over });
const ee = (g: unknown, extra: { maxGrantWindowMs?: number } = {}) =>
  resolvePurpose('enable-execution', { issuedAtMs: NOW, grant: g as GrantRequest, ...extra });

describe('constants (SPEC 7.4)', () => {
  it('limits and statements', () => {
    expect(BUILTIN_PURPOSES).toEqual(['sign-in', 'unlock', 'enable-execution', 'reveal-mnemonic', 'unlock-and-enable-execution']);
    expect(MAX_APP_MESSAGE_LIFETIME_MS).toBe(HOUR);
    expect(DEFAULT_GRANT_WINDOW_MS).toBe(HOUR);
    expect(DEFAULT_MAX_GRANT_WINDOW_MS).toBe(7 * DAY);
    expect(GRANT_WINDOW_CEILING_MS).toBe(90 * DAY);
    expect(MAX_POLICY_SUMMARY_LENGTH).toBe(400);
    expect(STATEMENT_SIGN_IN).toBe('Sign in. This request will not trigger a blockchain transaction or cost any fee.');
    expect(STATEMENT_UNLOCK).toBe(
      'Unlock your encrypted keys on this server for this session. This request will not trigger a blockchain transaction or cost any fee.',
    );
    expect(URN_ACK_REVEAL_MNEMONIC).toBe('urn:agentvault:ack:reveal-mnemonic:v1');
  });
  it('enable-execution statements, with and without a policy summary', () => {
    expect(statementEnableExecution('b', 'N', 'E')).toBe(
      'Allow bot b to trade from your agent wallet from N until E, within the risk policy you approved. You can revoke this at any time.',
    );
    expect(statementEnableExecution('b', 'N', 'E', 'Max 5 SOL.')).toBe(
      'Allow bot b to trade from your agent wallet from N until E. You can revoke this at any time. Limits: Max 5 SOL.',
    );
  });
});

describe('isBuiltinPurpose / isPolicySummaryText', () => {
  it('built-in names only, as strings', () => {
    for (const p of BUILTIN_PURPOSES) expect(isBuiltinPurpose(p)).toBe(true);
    for (const p of ['app:x', 'Sign-in', '', 'sign-in ', null, 1, ['sign-in']]) expect(isBuiltinPurpose(p)).toBe(false);
  });
  it('summary text: at most 400 characters, ends with ".", single inner spaces, statement charset', () => {
    const at = (n: number) => `${'a'.repeat(n - 1)}.`;
    expect(isPolicySummaryText(at(400))).toBe(true);
    expect(isPolicySummaryText(at(401))).toBe(false);
    expect(isPolicySummaryText('Max 5 SOL per day.')).toBe(true);
    expect(isPolicySummaryText('.')).toBe(true);
    for (const s of ['Max 5 SOL', 'Max  5.', ' Max.', 'Max .x', 'Max "5".', 'Max 5 SOL. ', '', 'Max\n5.', 5, null]) {
      expect(isPolicySummaryText(s), JSON.stringify(s)).toBe(false);
    }
  });
});

describe('resolvePurpose: built-ins', () => {
  it('sign-in, unlock, reveal-mnemonic: statement, resources, params, lifetimes', () => {
    expect(resolvePurpose('sign-in', { issuedAtMs: NOW })).toEqual({
      purpose: 'sign-in',
      statement: STATEMENT_SIGN_IN,
      resources: ['urn:agentvault:purpose:sign-in'],
      params: {},
      lifetimeMs: 10 * MIN,
      maxLifetimeMs: 10 * MIN,
    });
    expect(resolvePurpose('unlock', { issuedAtMs: NOW })).toMatchObject({ statement: STATEMENT_UNLOCK, resources: ['urn:agentvault:purpose:unlock'], params: {} });
    expect(resolvePurpose('reveal-mnemonic', { issuedAtMs: NOW })).toEqual({
      purpose: 'reveal-mnemonic',
      statement: STATEMENT_REVEAL_MNEMONIC,
      resources: ['urn:agentvault:purpose:reveal-mnemonic', URN_ACK_REVEAL_MNEMONIC],
      params: { acknowledgement: 'reveal-mnemonic:v1' },
      lifetimeMs: 2 * MIN,
      maxLifetimeMs: 2 * MIN,
    });
  });
  it('a purpose that is not a string, or unknown, is INVALID_INPUT naming purpose', () => {
    for (const p of [undefined, 1, null]) {
      const e = expectCode(() => resolvePurpose(p, { issuedAtMs: NOW }), 'INVALID_INPUT');
      expect(e.details).toEqual({ field: 'purpose' });
      expect(e.message).toMatch(/^purpose: /);
    }
    for (const p of ['login', 'Sign-in', 'app:', 'app:-x', 'app:X']) {
      const e = expectCode(() => resolvePurpose(p, { issuedAtMs: NOW }), 'INVALID_INPUT');
      expect(e.details).toEqual({ field: 'purpose' });
      expect(e.message).toMatch(/expected one of sign-in, unlock, enable-execution, reveal-mnemonic, unlock-and-enable-execution or a registered 'app:' purpose/);
    }
  });
  it('grant parameters on any other purpose are INVALID_INPUT naming grant', () => {
    for (const p of ['sign-in', 'unlock', 'reveal-mnemonic', 'app:x']) {
      const e = expectCode(() => resolvePurpose(p, { issuedAtMs: NOW, grant: grant() }), 'INVALID_INPUT');
      expect(e.details).toEqual({ field: 'grant' });
      expect(e.message).toBe("grant: only 'enable-execution' and 'unlock-and-enable-execution' take grant parameters");
    }
  });
});

describe('resolvePurpose: enable-execution', () => {
  it('defaults: window from Issued At for 1 hour, 15-minute lifetime, params and URNs in order', () => {
    const r = ee(grant());
    const nb = iso(NOW);
    const exp = iso(NOW + HOUR);
    expect(r).toEqual({
      purpose: 'enable-execution',
      statement: statementEnableExecution('bot-1', nb, exp),
      resources: [
        'urn:agentvault:purpose:enable-execution',
        'urn:agentvault:bot:bot-1',
        `urn:agentvault:agent:${AGENT}`,
        `urn:agentvault:policy:sha256:${POLICY_HASH}`,
        `urn:agentvault:grant-not-before:${nb}`,
        `urn:agentvault:grant-expires:${exp}`,
      ],
      params: { bot: 'bot-1', agent: AGENT, policyHash: POLICY_HASH, grantNotBefore: nb, grantExpires: exp },
      lifetimeMs: 15 * MIN,
      maxLifetimeMs: 15 * MIN,
    });
  });
  it('a policy summary goes into the statement and params', () => {
    const r = ee(grant({ policySummary: 'Max 5 SOL.' }));
    expect(r.statement).toBe(statementEnableExecution('bot-1', iso(NOW), iso(NOW + HOUR), 'Max 5 SOL.'));
    expect(r.params).toMatchObject({ policySummary: 'Max 5 SOL.' });
    const e = expectCode(() => ee(grant({ policySummary: 'no final period' })), 'INVALID_INPUT');
    expect(e.details).toEqual({ field: 'grant.policySummary' });
    expect(e.message).toMatch(/at most 400 characters/);
  });
  it('grant missing or not an object: INVALID_INPUT naming grant', () => {
    for (const g of [undefined, null, 'bot-1']) {
      const e = expectCode(() => ee(g), 'INVALID_INPUT');
      expect(e.details).toEqual({ field: 'grant' });
      expect(e.message).toMatch(/needs \{ bot, agent, policyHash \}/);
    }
  });
  it('bot ids: [A-Za-z0-9][A-Za-z0-9._-]{0,63}', () => {
    for (const bot of ['a', `a${'b'.repeat(63)}`, 'A.b_c-d', '9']) expect(ee(grant({ bot })).params['bot']).toBe(bot);
    for (const bot of ['', `a${'b'.repeat(64)}`, '-a', '.a', '_a', 'a b', 'a/b', 'a:b', 7]) {
      const e = expectCode(() => ee(grant({ bot: bot as string })), 'INVALID_INPUT');
      expect(e.details, String(bot)).toEqual({ field: 'grant.bot' });
    }
  });
  it('agent and policy hash', () => {
    for (const agent of ['', 'x', undefined, `${AGENT}1`]) {
      expect(expectCode(() => ee(grant({ agent: agent as string })), 'INVALID_INPUT').details).toEqual({ field: 'grant.agent' });
    }
    for (const policyHash of ['AB'.repeat(32), 'ab'.repeat(31), `${'ab'.repeat(32)}0`, 'g'.repeat(64), undefined, 1]) {
      const e = expectCode(() => ee(grant({ policyHash: policyHash as string })), 'INVALID_INPUT');
      expect(e.details).toEqual({ field: 'grant.policyHash' });
    }
  });
  it('maxGrantWindowMs: an integer in [1000, 90 days]', () => {
    expect(ee(grant({ windowMs: 90 * DAY }), { maxGrantWindowMs: 90 * DAY }).params['grantExpires']).toBe(iso(NOW + 90 * DAY));
    expect(ee(grant({ windowMs: SEC }), { maxGrantWindowMs: SEC }).params['grantExpires']).toBe(iso(NOW + SEC));
    for (const m of [90 * DAY + 1, 999, 0, -1000, 1500.5, Number.NaN]) {
      const e = expectCode(() => ee(grant(), { maxGrantWindowMs: m }), 'INVALID_INPUT');
      expect(e.details).toEqual({ field: 'maxGrantWindowMs' });
      expect(e.message).toBe(`maxGrantWindowMs: must be in [1000, ${90 * DAY}]`);
    }
  });
  it('the default window is 1 hour, or the maximum when that is shorter', () => {
    expect(ee(grant(), { maxGrantWindowMs: 10 * MIN }).params['grantExpires']).toBe(iso(NOW + 10 * MIN));
    expect(ee(grant(), { maxGrantWindowMs: 2 * HOUR }).params['grantExpires']).toBe(iso(NOW + HOUR));
  });
  it('windowMs: whole seconds, at least 1 s; up to 7 days by default; beyond: GRANT_WINDOW_TOO_LONG with the maximum', () => {
    expect(ee(grant({ windowMs: SEC })).params['grantExpires']).toBe(iso(NOW + SEC));
    expect(ee(grant({ windowMs: 7 * DAY })).params['grantExpires']).toBe(iso(NOW + 7 * DAY));
    const e = expectCode(() => ee(grant({ windowMs: 7 * DAY + SEC })), 'GRANT_WINDOW_TOO_LONG');
    expect(e.details).toEqual({ field: 'grant.windowMs', max: 7 * DAY });
    expect(e.message).toBe(`grant.windowMs: exceeds the maximum of ${7 * DAY} ms`);
    for (const w of [0, 999, 1500, -1000, '1000', Number.NaN, 2 ** 53]) {
      const e2 = expectCode(() => ee(grant({ windowMs: w as number })), 'INVALID_INPUT');
      expect(e2.details, String(w)).toEqual({ field: 'grant.windowMs' });
    }
  });
  it('notBefore: whole seconds, from Issued At to one maximum window later, both ends included', () => {
    expect(ee(grant({ notBefore: NOW })).params['grantNotBefore']).toBe(iso(NOW));
    expect(ee(grant({ notBefore: NOW + 7 * DAY })).params).toMatchObject({ grantNotBefore: iso(NOW + 7 * DAY), grantExpires: iso(NOW + 7 * DAY + HOUR) });
    for (const nb of [NOW - SEC, NOW + 7 * DAY + SEC]) {
      const e = expectCode(() => ee(grant({ notBefore: nb })), 'INVALID_INPUT');
      expect(e.details).toEqual({ field: 'grant.notBefore' });
      expect(e.message).toMatch(/between the issue time and one maximum window later/);
    }
    for (const nb of [NOW + 1, NOW + 0.5, String(NOW), 2 ** 53]) {
      const e = expectCode(() => ee(grant({ notBefore: nb as number })), 'INVALID_INPUT');
      expect(e.details).toEqual({ field: 'grant.notBefore' });
      expect(e.message).toMatch(/expected whole seconds/);
    }
    // The bound follows a configured maximum window.
    expect(ee(grant({ notBefore: NOW + HOUR }), { maxGrantWindowMs: HOUR }).params['grantNotBefore']).toBe(iso(NOW + HOUR));
    expectCode(() => ee(grant({ notBefore: NOW + HOUR + SEC }), { maxGrantWindowMs: HOUR }), 'INVALID_INPUT');
  });
});

describe('definePurpose and app purposes', () => {
  it('names: app:[a-z0-9][a-z0-9-]{0,47}', () => {
    for (const name of ['app:a', `app:a${'-'.repeat(47)}`, 'app:9x']) expect(definePurpose({ name: name as `app:${string}`, statement: 'Do it.', lifetimeMs: MIN }).name).toBe(name);
    for (const name of ['app:', `app:a${'b'.repeat(48)}`, 'app:-a', 'app:A', 'sign-in', 'xapp:a', 'app:a.b', 7]) {
      const e = expectCode(() => definePurpose({ name: name as `app:${string}`, statement: 'Do it.', lifetimeMs: MIN }), 'INVALID_INPUT');
      expect(e.details, String(name)).toEqual({ field: 'name' });
    }
  });
  it('not an object: INVALID_INPUT naming def; a bad statement is MESSAGE_MALFORMED naming statement', () => {
    for (const d of [null, undefined, 'app:x']) expect(expectCode(() => definePurpose(d as never), 'INVALID_INPUT').details).toEqual({ field: 'def' });
    expect(expectCode(() => definePurpose({ name: 'app:x', statement: 'a"b', lifetimeMs: MIN }), 'MESSAGE_MALFORMED').details).toEqual({ field: 'statement' });
  });
  it('lifetimes: whole seconds from 1 s to 1 h; lifetimeMs at most maxLifetimeMs; frozen result', () => {
    const d = definePurpose({ name: 'app:x', statement: 'Do it.', lifetimeMs: SEC });
    expect(d).toEqual({ name: 'app:x', statement: 'Do it.', lifetimeMs: SEC, maxLifetimeMs: SEC });
    expect(Object.isFrozen(d)).toBe(true);
    expect(definePurpose({ name: 'app:x', statement: 'Do it.', lifetimeMs: HOUR }).maxLifetimeMs).toBe(HOUR);
    expect(definePurpose({ name: 'app:x', statement: 'Do it.', lifetimeMs: MIN, maxLifetimeMs: HOUR })).toMatchObject({ lifetimeMs: MIN, maxLifetimeMs: HOUR });
    const long = expectCode(() => definePurpose({ name: 'app:x', statement: 'Do it.', lifetimeMs: HOUR + SEC }), 'LIFETIME_TOO_LONG');
    expect(long.details).toEqual({ field: 'lifetimeMs', max: HOUR });
    expect(long.message).toBe(`lifetimeMs: ${HOUR + SEC} ms exceeds the hard maximum of ${HOUR} ms`);
    const longMax = expectCode(() => definePurpose({ name: 'app:x', statement: 'Do it.', lifetimeMs: MIN, maxLifetimeMs: HOUR + SEC }), 'LIFETIME_TOO_LONG');
    expect(longMax.details).toEqual({ field: 'maxLifetimeMs', max: HOUR });
    const overMax = expectCode(() => definePurpose({ name: 'app:x', statement: 'Do it.', lifetimeMs: 2 * MIN, maxLifetimeMs: MIN }), 'LIFETIME_TOO_LONG');
    expect(overMax.details).toEqual({ field: 'lifetimeMs', max: MIN });
    for (const l of [999, 0, 1500, -1000, '60000', Number.NaN, 2 ** 53]) {
      const e = expectCode(() => definePurpose({ name: 'app:x', statement: 'Do it.', lifetimeMs: l as number }), 'INVALID_INPUT');
      expect(e.details, String(l)).toEqual({ field: 'lifetimeMs' });
      expect(e.message).toBe('lifetimeMs: expected a whole number of seconds in ms, at least 1000');
    }
    expect(expectCode(() => definePurpose({ name: 'app:x', statement: 'Do it.', lifetimeMs: MIN, maxLifetimeMs: 999 }), 'INVALID_INPUT').details).toEqual({
      field: 'maxLifetimeMs',
    });
  });
  it('resolvePurpose finds a registered definition by name among several; look-alikes and non-arrays are refused', () => {
    const a = definePurpose({ name: 'app:a', statement: 'A it.', lifetimeMs: MIN });
    const b = definePurpose({ name: 'app:b', statement: 'B it.', lifetimeMs: 2 * MIN, maxLifetimeMs: 5 * MIN });
    expect(resolvePurpose('app:b', { issuedAtMs: NOW, purposes: [a, b] })).toEqual({
      purpose: 'app:b',
      statement: 'B it.',
      resources: ['urn:agentvault:purpose:app:b'],
      params: {},
      lifetimeMs: 2 * MIN,
      maxLifetimeMs: 5 * MIN,
    });
    const unregistered = expectCode(() => resolvePurpose('app:c', { issuedAtMs: NOW, purposes: [a, b] }), 'INVALID_INPUT');
    expect(unregistered.details).toEqual({ field: 'purpose' });
    expect(unregistered.message).toMatch(/not registered/);
    expect(expectCode(() => resolvePurpose('app:a', { issuedAtMs: NOW }), 'INVALID_INPUT').details).toEqual({ field: 'purpose' });
    expect(expectCode(() => resolvePurpose('app:a', { issuedAtMs: NOW, purposes: [{ ...a }] }), 'INVALID_INPUT').details).toEqual({ field: 'purpose' });
    const notArray = expectCode(() => resolvePurpose('app:a', { issuedAtMs: NOW, purposes: a as never }), 'INVALID_INPUT');
    expect(notArray.details).toEqual({ field: 'purposes' });
  });
  it('checkLifetime: the default, a shorter request, and LIFETIME_TOO_LONG above the maximum', () => {
    const c = resolvePurpose('sign-in', { issuedAtMs: NOW });
    expect(checkLifetime(undefined, c)).toBe(10 * MIN);
    expect(checkLifetime(SEC, c)).toBe(SEC);
    expect(checkLifetime(10 * MIN, c)).toBe(10 * MIN);
    expect(expectCode(() => checkLifetime(10 * MIN + SEC, c), 'LIFETIME_TOO_LONG').details).toEqual({ field: 'lifetimeMs', max: 10 * MIN });
  });
});

describe('readSignedPurpose: what a signed text says', () => {
  const P = 'urn:agentvault:purpose:';
  const eeRes = (over: Partial<Record<number, string>> = {}) => {
    const r = ee(grant()).resources.slice();
    for (const [i, v] of Object.entries(over)) r[Number(i)] = v!;
    return r;
  };
  const eeStatement = statementEnableExecution('bot-1', iso(NOW), iso(NOW + HOUR));

  it('nothing without resources, with an empty list, without a statement, or with a first resource that is not a purpose URN', () => {
    expect(readSignedPurpose(undefined, STATEMENT_SIGN_IN)).toBeUndefined();
    expect(readSignedPurpose([], STATEMENT_SIGN_IN)).toBeUndefined();
    expect(readSignedPurpose([`${P}sign-in`], undefined)).toBeUndefined();
    expect(readSignedPurpose(['https://a.example', `${P}sign-in`], STATEMENT_SIGN_IN)).toBeUndefined();
    expect(readSignedPurpose([`x${P}sign-in`], STATEMENT_SIGN_IN)).toBeUndefined();
  });
  it('sign-in and unlock need their own statement', () => {
    expect(readSignedPurpose([`${P}sign-in`], STATEMENT_SIGN_IN)).toEqual({ purpose: 'sign-in', params: {} });
    expect(readSignedPurpose([`${P}unlock`], STATEMENT_UNLOCK)).toEqual({ purpose: 'unlock', params: {} });
    expect(readSignedPurpose([`${P}sign-in`], STATEMENT_UNLOCK)).toBeUndefined();
    expect(readSignedPurpose([`${P}unlock`], STATEMENT_SIGN_IN)).toBeUndefined();
    expect(readSignedPurpose([`${P}unlock`], 'Unlock.')).toBeUndefined();
  });
  it('reveal-mnemonic needs its statement and the acknowledgement URN second', () => {
    expect(readSignedPurpose([`${P}reveal-mnemonic`, URN_ACK_REVEAL_MNEMONIC], STATEMENT_REVEAL_MNEMONIC)).toEqual({
      purpose: 'reveal-mnemonic',
      params: { acknowledgement: 'reveal-mnemonic:v1' },
    });
    expect(readSignedPurpose([`${P}reveal-mnemonic`], STATEMENT_REVEAL_MNEMONIC)).toBeUndefined();
    expect(readSignedPurpose([`${P}reveal-mnemonic`, URN_ACK_REVEAL_MNEMONIC], STATEMENT_SIGN_IN)).toBeUndefined();
    expect(readSignedPurpose([`${P}reveal-mnemonic`, 'https://a.example', URN_ACK_REVEAL_MNEMONIC], STATEMENT_REVEAL_MNEMONIC)).toBeUndefined();
  });
  it('library URNs end where the purpose says: app resources may follow, the reserved namespace (any case) may not', () => {
    expect(readSignedPurpose([`${P}sign-in`, 'https://a.example'], STATEMENT_SIGN_IN)).toEqual({ purpose: 'sign-in', params: {} });
    expect(readSignedPurpose([`${P}sign-in`, 'urn:agentvault:bot:x'], STATEMENT_SIGN_IN)).toBeUndefined();
    expect(readSignedPurpose([`${P}sign-in`, 'https://a.example', 'URN:AgentVault:x'], STATEMENT_SIGN_IN)).toBeUndefined();
    expect(readSignedPurpose([`${P}reveal-mnemonic`, URN_ACK_REVEAL_MNEMONIC, 'https://a.example'], STATEMENT_REVEAL_MNEMONIC)).toMatchObject({
      purpose: 'reveal-mnemonic',
    });
    expect(readSignedPurpose([`${P}reveal-mnemonic`, URN_ACK_REVEAL_MNEMONIC, URN_ACK_REVEAL_MNEMONIC], STATEMENT_REVEAL_MNEMONIC)).toBeUndefined();
    expect(readSignedPurpose([...eeRes(), 'https://a.example'], eeStatement)).toMatchObject({ purpose: 'enable-execution' });
    expect(readSignedPurpose([...eeRes(), eeRes()[5]!], eeStatement)).toBeUndefined();
  });
  it('enable-execution: all five parameter URNs, in order, well-formed, and the statement they imply', () => {
    expect(readSignedPurpose(eeRes(), eeStatement)).toEqual({ purpose: 'enable-execution', params: ee(grant()).params });
    const bad: Partial<Record<number, string>>[] = [
      { 1: 'urn:agentvault:bots:bot-1' },
      { 1: 'urn:agentvault:bot:-bot' },
      { 2: 'urn:agentvault:agents:x' },
      { 2: 'urn:agentvault:agent:not-an-address' },
      { 3: 'urn:agentvault:policy:sha1:ab' },
      { 3: `urn:agentvault:policy:sha256:${'AB'.repeat(32)}` },
      { 4: 'urn:agentvault:grant-nb:2025-01-31T12:00:00Z' },
      { 4: 'urn:agentvault:grant-not-before:2025-01-31T12:00:00.000Z' },
      { 4: 'urn:agentvault:grant-not-before:2025-02-30T12:00:00Z' },
      { 5: 'urn:agentvault:grant-exp:2025-01-31T13:00:00Z' },
      { 5: 'urn:agentvault:grant-expires:2025-01-31T13:00:00.5Z' },
    ];
    for (const over of bad) expect(readSignedPurpose(eeRes(over), eeStatement), JSON.stringify(over)).toBeUndefined();
    expect(readSignedPurpose(eeRes().slice(0, 5), eeStatement)).toBeUndefined();
    expect(readSignedPurpose(eeRes(), statementEnableExecution('bot-2', iso(NOW), iso(NOW + HOUR)))).toBeUndefined();
    expect(readSignedPurpose(eeRes(), STATEMENT_SIGN_IN)).toBeUndefined();
  });
  it('enable-execution with a summary: the summary is everything after the fixed prefix, and must be summary text', () => {
    const withSummary = statementEnableExecution('bot-1', iso(NOW), iso(NOW + HOUR), 'Max 5 SOL.');
    expect(readSignedPurpose(eeRes(), withSummary)).toEqual({
      purpose: 'enable-execution',
      params: { ...ee(grant()).params, policySummary: 'Max 5 SOL.' },
    });
    expect(readSignedPurpose(eeRes(), `${withSummary.slice(0, -1)}`)).toBeUndefined();
    expect(readSignedPurpose(eeRes(), statementEnableExecution('bot-1', iso(NOW), iso(NOW + 2 * HOUR), 'Max 5 SOL.'))).toBeUndefined();
  });
  it('app purposes: any statement, a well-formed name', () => {
    expect(readSignedPurpose([`${P}app:export`], 'Anything.')).toEqual({ purpose: 'app:export', params: {} });
    expect(readSignedPurpose([`${P}app:Export`], 'Anything.')).toBeUndefined();
    expect(readSignedPurpose([`${P}login`], 'Anything.')).toBeUndefined();
  });
});

describe('follow-ups of the run of dbab1f0 (issue 16 item 5)', () => {
  const P = 'urn:agentvault:purpose:';
  // 10^16: a multiple of 1,000 above 2^53, so only the safe-integer rule refuses it.
  const UNSAFE_WHOLE = 1e16;
  // 9999-12-31T23:59:59Z, the last second the library writes (SPEC 7.2: years 0000..9999).
  const LAST_SECOND = Date.UTC(9999, 11, 31, 23, 59, 59);
  /** The same prefix in another namespace of the same length (`agentvault` -> `otherspace`). */
  const foreign = (urn: string) => urn.replace('urn:agentvault:', 'urn:otherspace:');

  it('lifetimes: a whole-second value above 2^53 is INVALID_INPUT, not LIFETIME_TOO_LONG', () => {
    expect(UNSAFE_WHOLE % 1000).toBe(0);
    expect(Number.isSafeInteger(UNSAFE_WHOLE)).toBe(false);
    for (const over of [{ lifetimeMs: UNSAFE_WHOLE }, { lifetimeMs: MIN, maxLifetimeMs: UNSAFE_WHOLE }]) {
      const field = 'maxLifetimeMs' in over ? 'maxLifetimeMs' : 'lifetimeMs';
      const e = expectCode(() => definePurpose({ name: 'app:x', statement: 'Do it.', ...over }), 'INVALID_INPUT');
      expect(e.details).toEqual({ field });
      expect(e.message).toBe(`${field}: expected a whole number of seconds in ms, at least 1000`);
    }
    const c = resolvePurpose('sign-in', { issuedAtMs: NOW });
    expect(expectCode(() => checkLifetime(UNSAFE_WHOLE, c), 'INVALID_INPUT').details).toEqual({ field: 'lifetimeMs' });
  });

  it('definePurpose: the exact refusal texts, and a name that is not a string even if it reads as one', () => {
    expect(expectCode(() => definePurpose(null as never), 'INVALID_INPUT').message).toBe('definePurpose: expected an object');
    const nameText = "name: app purposes must match 'app:[a-z0-9][a-z0-9-]{0,47}'";
    for (const name of [7, ['app:x'], { toString: () => 'app:x' }, 'app:X']) {
      const e = expectCode(() => definePurpose({ name: name as never, statement: 'Do it.', lifetimeMs: MIN }), 'INVALID_INPUT');
      expect(e.details).toEqual({ field: 'name' });
      expect(e.message).toBe(nameText);
    }
  });

  it('resolvePurpose: a purpose that is not a string is refused as such, before grant parameters are looked at', () => {
    for (const p of [1, null, ['sign-in'], ['app:x'], { toString: () => 'app:x' }]) {
      for (const extra of [{}, { grant: grant() }]) {
        const e = expectCode(() => resolvePurpose(p, { issuedAtMs: NOW, ...extra }), 'INVALID_INPUT');
        expect(e.details).toEqual({ field: 'purpose' });
        expect(e.message).toBe('purpose: expected a string');
      }
    }
    const a = definePurpose({ name: 'app:a', statement: 'A it.', lifetimeMs: MIN });
    const e = expectCode(() => resolvePurpose('app:a', { issuedAtMs: NOW, purposes: a as never }), 'INVALID_INPUT');
    expect(e.message).toBe('purposes: expected an array of definePurpose() results');
  });

  it('grant: the exact refusal texts; a policy hash that is not a string even if it reads as 64 hex digits', () => {
    for (const purpose of ['enable-execution', 'unlock-and-enable-execution'] as const) {
      const rp = (over: Partial<GrantRequest>) => () => resolvePurpose(purpose, { issuedAtMs: NOW, grant: grant(over) });
      expect(expectCode(rp({ bot: '-a' }), 'INVALID_INPUT').message).toBe('grant.bot: must match [A-Za-z0-9][A-Za-z0-9._-]{0,63}');
      expect(expectCode(rp({ agent: 'x' }), 'INVALID_INPUT').message).toBe("grant.agent: required, the agent wallet's base58 address");
      for (const policyHash of ['AB'.repeat(32), [POLICY_HASH], { toString: () => POLICY_HASH }]) {
        const e = expectCode(rp({ policyHash: policyHash as never }), 'INVALID_INPUT');
        expect(e.details).toEqual({ field: 'grant.policyHash' });
        expect(e.message).toBe('grant.policyHash: must be 64 lower-case hex digits (SHA-256)');
      }
    }
  });

  it('grant.windowMs: not a whole number of seconds, a string, or above 2^53: INVALID_INPUT with its own text', () => {
    for (const purpose of ['enable-execution', 'unlock-and-enable-execution'] as const) {
      for (const w of [1500, 1000.5, '1000', '60000', UNSAFE_WHOLE, Number.NaN, Number.POSITIVE_INFINITY]) {
        const e = expectCode(() => resolvePurpose(purpose, { issuedAtMs: NOW, grant: grant({ windowMs: w as number }) }), 'INVALID_INPUT');
        expect(e.details, String(w)).toEqual({ field: 'grant.windowMs' });
        expect(e.message, String(w)).toBe('grant.windowMs: expected a whole number of seconds in ms, at least 1000');
      }
    }
  });

  it('grant.notBefore: a whole-second value above 2^53 or a string is refused as not whole seconds, not as out of range', () => {
    for (const nb of [UNSAFE_WHOLE, -UNSAFE_WHOLE, String(NOW)]) {
      const e = expectCode(() => ee(grant({ notBefore: nb as number })), 'INVALID_INPUT');
      expect(e.details).toEqual({ field: 'grant.notBefore' });
      expect(e.message).toBe('grant.notBefore: expected whole seconds in ms since the epoch');
    }
  });

  it('a grant window past year 9999 names the grant time that cannot be written', () => {
    for (const purpose of ['enable-execution', 'unlock-and-enable-execution'] as const) {
      // Window ending exactly at the last writable second: accepted.
      const r = resolvePurpose(purpose, { issuedAtMs: LAST_SECOND - HOUR, grant: grant() });
      expect(r.params).toMatchObject({ grantNotBefore: '9999-12-31T22:59:59Z', grantExpires: '9999-12-31T23:59:59Z' });
      // Start at the last second, default 1 h window: the expiry is past 9999.
      const exp = expectCode(() => resolvePurpose(purpose, { issuedAtMs: LAST_SECOND, grant: grant() }), 'INVALID_INPUT');
      expect(exp.details).toEqual({ field: 'grant.windowMs' });
      expect(exp.message).toBe('grant.windowMs: expected a whole second (ms since the epoch) in years 0000..9999');
      // Start one second later (within one maximum window of Issued At): the start is past 9999.
      const nb = expectCode(() => resolvePurpose(purpose, { issuedAtMs: LAST_SECOND, grant: grant({ notBefore: LAST_SECOND + SEC }) }), 'INVALID_INPUT');
      expect(nb.details).toEqual({ field: 'grant.notBefore' });
      expect(nb.message).toBe('grant.notBefore: expected a whole second (ms since the epoch) in years 0000..9999');
    }
  });

  it('params without a policy summary have exactly the five grant keys (no policySummary key, not even undefined)', () => {
    for (const purpose of ['enable-execution', 'unlock-and-enable-execution'] as const) {
      const r = resolvePurpose(purpose, { issuedAtMs: NOW, grant: grant() });
      expect(Object.keys(r.params)).toEqual(['bot', 'agent', 'policyHash', 'grantNotBefore', 'grantExpires']);
      expect(Object.hasOwn(r.params, 'policySummary')).toBe(false);
      const s = resolvePurpose(purpose, { issuedAtMs: NOW, grant: grant({ policySummary: 'Max 5 SOL.' }) });
      expect(Object.keys(s.params)).toEqual(['bot', 'agent', 'policyHash', 'grantNotBefore', 'grantExpires', 'policySummary']);
    }
  });

  const grantCases = [
    { purpose: 'enable-execution', statement: statementEnableExecution },
    { purpose: 'unlock-and-enable-execution', statement: statementUnlockAndEnableExecution },
  ] as const;
  const resOf = (purpose: (typeof grantCases)[number]['purpose'], nb = iso(NOW), exp = iso(NOW + HOUR)) => [
    `${P}${purpose}`,
    'urn:agentvault:bot:bot-1',
    `urn:agentvault:agent:${AGENT}`,
    `urn:agentvault:policy:sha256:${POLICY_HASH}`,
    `urn:agentvault:grant-not-before:${nb}`,
    `urn:agentvault:grant-expires:${exp}`,
  ];

  it('readSignedPurpose: grant times must be the canonical library form even when the statement repeats them', () => {
    for (const { purpose, statement } of grantCases) {
      // Control: canonical times with their statement are read.
      expect(readSignedPurpose(resOf(purpose), statement('bot-1', iso(NOW), iso(NOW + HOUR)))).toMatchObject({ purpose });
      const nbForms = ['2025-01-31T12:00:00.000Z', '2025-01-31T12:00:00.5Z', '2025-02-30T12:00:00Z', '2025-01-31T12:00:60Z', '2025-01-31 12:00:00Z'];
      for (const nb of nbForms) {
        expect(readSignedPurpose(resOf(purpose, nb), statement('bot-1', nb, iso(NOW + HOUR))), nb).toBeUndefined();
      }
      for (const exp of ['2025-01-31T13:00:00.000Z', '2025-01-31T13:00:00.9Z', '2025-02-29T13:00:00Z', '2025-01-31T24:00:00Z']) {
        expect(readSignedPurpose(resOf(purpose, iso(NOW), exp), statement('bot-1', iso(NOW), exp)), exp).toBeUndefined();
      }
    }
  });

  it('readSignedPurpose: no statement names no purpose, for every purpose (nothing is thrown)', () => {
    for (const { purpose } of grantCases) expect(readSignedPurpose(resOf(purpose), undefined)).toBeUndefined();
    expect(readSignedPurpose([`${P}app:export`], undefined)).toBeUndefined();
    expect(readSignedPurpose([`${P}reveal-mnemonic`, URN_ACK_REVEAL_MNEMONIC], undefined)).toBeUndefined();
    expect(readSignedPurpose([`${P}unlock`], undefined)).toBeUndefined();
  });

  it('readSignedPurpose: a first resource of the purpose URN length that is not the purpose URN names no purpose', () => {
    const lookAlikes = [foreign(P), 'https://evil.example/p/'];
    for (const first of lookAlikes) {
      expect(first.length).toBe(P.length);
      expect(readSignedPurpose([`${first}sign-in`], STATEMENT_SIGN_IN), first).toBeUndefined();
      expect(readSignedPurpose([`${first}app:export`], 'Anything.'), first).toBeUndefined();
      expect(readSignedPurpose([`${first}reveal-mnemonic`, URN_ACK_REVEAL_MNEMONIC], STATEMENT_REVEAL_MNEMONIC), first).toBeUndefined();
    }
  });

  it('readSignedPurpose: each grant URN must carry its own prefix exactly (another namespace of the same length is refused)', () => {
    for (const { purpose, statement } of grantCases) {
      const st = statement('bot-1', iso(NOW), iso(NOW + HOUR));
      for (let i = 1; i <= 5; i++) {
        const r = resOf(purpose);
        r[i] = foreign(r[i]!);
        expect(r[i]!.length).toBe(resOf(purpose)[i]!.length);
        expect(readSignedPurpose(r, st), r[i]).toBeUndefined();
      }
    }
  });

  it('readSignedPurpose: a grant purpose with 0 to 4 of its five URNs names no purpose (nothing is thrown)', () => {
    for (const { purpose, statement } of grantCases) {
      const st = statement('bot-1', iso(NOW), iso(NOW + HOUR));
      for (let n = 1; n <= 5; n++) expect(readSignedPurpose(resOf(purpose).slice(0, n), st), String(n)).toBeUndefined();
      expect(readSignedPurpose(resOf(purpose), st)).toEqual({ purpose, params: resolvePurpose(purpose, { issuedAtMs: NOW, grant: grant() }).params });
    }
  });
});
