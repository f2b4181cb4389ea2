/**
 * SPEC 10.3.7: what the user signs says what is enforced. The enable-execution statement carries
 * the policy summary; grant creation (and use) regenerate it from the policy and refuse a
 * mismatch; v1 grants without a summary stay valid exactly as before. Real messages, issued and
 * verified through src/messages and signed with tweetnacl.
 */
import { describe, expect, it } from 'vitest';
import { createExecutionGrant, signedPolicySummary, withExecutionSigner } from '../../src/execution/grant.js';
import { normalizePolicy, policyHash, summarizePolicy } from '../../src/execution/policy/index.js';
import { issueChallenge, verifySignedMessage } from '../../src/messages/challenge.js';
import { MAX_MESSAGE_BYTES } from '../../src/messages/fields.js';
import { MAX_POLICY_SUMMARY_LENGTH, readSignedPurpose, statementEnableExecution } from '../../src/messages/purposes.js';
import { expectCodeAsync } from '../helpers/errors.js';
import { basePolicy, BOT, DOMAIN, newNonces, newRevocations, NOW, setup, URI, wrapperV1, type Setup } from './_fixtures.js';

const USDC = 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v';
const WSOL = 'So11111111111111111111111111111111111111112';
const CB = 'ComputeBudget111111111111111111111111111111';

function v2Policy(maxInput = '1000000000') {
  return {
    v: 2 as const,
    enabled: true,
    killSwitch: false,
    spot: { pairs: [{ inputMint: WSOL, outputMint: USDC }], maxInput: { [WSOL]: maxInput }, maxSlippageBps: 50 },
    programs: [{ program: CB, native: 'compute-budget' as const, instructions: ['SetComputeUnitLimit'] }],
  };
}

async function authorize(s: Setup, grant: { policyHash: string; policySummary?: string }) {
  const nonces = newNonces();
  const { message } = await issueChallenge({
    purpose: 'enable-execution',
    domain: DOMAIN,
    uri: URI,
    chain: 'mainnet',
    address: s.owner.address,
    nonces,
    now: NOW,
    grant: { bot: BOT, agent: s.agent.address, ...grant },
  });
  const auth = await verifySignedMessage({
    message,
    signature: s.owner.sign(message),
    nonces,
    expected: { domain: DOMAIN, uri: URI, chain: 'mainnet', purpose: 'enable-execution' },
    now: NOW,
  });
  return { message, auth };
}

function create(s: Setup, auth: Awaited<ReturnType<typeof authorize>>['auth'], policy: unknown) {
  return createExecutionGrant({ authorization: auth, vault: s.vault, agentKeyRecord: s.agent.records.agentKey, agentAddress: s.agent.address, policy, wrapper: wrapperV1(), now: NOW });
}

describe('policy summary in the enable-execution statement', () => {
  it('a v2 policy signed with its summary makes a grant; the user read the limits', async () => {
    const s = setup();
    const policy = v2Policy();
    const summary = summarizePolicy(policy);
    const { message, auth } = await authorize(s, { policyHash: policyHash(policy), policySummary: summary });
    expect(message).toContain(`Limits: ${summary}`);
    expect(message).toContain('swaps wSOL to USDC, max in 1000000000 wSOL, slippage max 50 bps');
    expect(new TextEncoder().encode(message).length).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    expect(auth.params?.['policySummary']).toBe(summary);
    const grant = await create(s, auth, policy);
    expect(grant.policyHash).toBe(policyHash(policy));
    expect(signedPolicySummary(grant)).toBe(summary);
  });

  it('a policy whose summary differs from the signed statement is refused (same hash signed, other text)', async () => {
    const s = setup();
    const policy = v2Policy();
    // The statement claims a smaller cap than the policy enforces.
    const lie = summarizePolicy(v2Policy('1000'));
    const { auth } = await authorize(s, { policyHash: policyHash(policy), policySummary: lie });
    const e = await expectCodeAsync(() => create(s, auth, policy), 'POLICY_MISMATCH');
    expect(e.details?.['reason']).toBe('summary-mismatch');
  });

  it('a v2 policy signed without a summary is refused; a tampered statement is refused by the signature', async () => {
    const s = setup();
    const policy = v2Policy();
    const { auth } = await authorize(s, { policyHash: policyHash(policy) });
    const e = await expectCodeAsync(() => create(s, auth, policy), 'POLICY_MISMATCH');
    expect(e.details?.['reason']).toBe('summary-missing');
    // Tampering with the signed text: the summary in a stored grant cannot be swapped.
    const s2 = setup(2);
    const summary = summarizePolicy(policy);
    const { auth: auth2 } = await authorize(s2, { policyHash: policyHash(policy), policySummary: summary });
    const grant = await create(s2, auth2, policy);
    const tampered = { ...grant, authorization: { ...grant.authorization, message: grant.authorization.message.replace('1000000000 wSOL', '1000 wSOL') } };
    expect(tampered.authorization.message).not.toBe(grant.authorization.message);
    await expectCodeAsync(
      () => withExecutionSigner(tampered, { wrapper: wrapperV1(), policy, order: {}, state: {}, revocations: newRevocations(), now: NOW + 60_000, expected: { owner: grant.owner, bot: BOT } }, () => 1),
      'INVALID_SIGNATURE',
    );
  });

  it('v1: grants without a summary work exactly as before; a v1 summary, when signed, must match', async () => {
    const s = setup();
    const policy = basePolicy();
    const { message, auth } = await authorize(s, { policyHash: policyHash(policy) });
    expect(message).toContain('within the risk policy you approved.');
    const grant = await create(s, auth, policy);
    expect(signedPolicySummary(grant)).toBeUndefined();
    const s2 = setup(3);
    const { auth: a2 } = await authorize(s2, { policyHash: policyHash(policy), policySummary: summarizePolicy(policy) });
    await create(s2, a2, policy);
    const s3 = setup(4);
    const other = summarizePolicy(basePolicy({ maxLeverage: '10' }));
    const { auth: a3 } = await authorize(s3, { policyHash: policyHash(policy), policySummary: other });
    expect((await expectCodeAsync(() => create(s3, a3, policy), 'POLICY_MISMATCH')).details?.['reason']).toBe('summary-mismatch');
  });

  it('readSignedPurpose: the summary form parses back; a malformed summary is not a purpose', () => {
    const agent = '5EKDvUy34BHTu2XLtEJBY6cJpWxnPqJMgv1m8tLPGqxx';
    const hash = 'ab'.repeat(32);
    const nb = '2025-01-31T12:00:00Z';
    const exp = '2025-01-31T13:00:00Z';
    const resources = [
      'urn:agentvault:purpose:enable-execution',
      `urn:agentvault:bot:${BOT}`,
      `urn:agentvault:agent:${agent}`,
      `urn:agentvault:policy:sha256:${hash}`,
      `urn:agentvault:grant-not-before:${nb}`,
      `urn:agentvault:grant-expires:${exp}`,
    ];
    const summary = summarizePolicy(normalizePolicy(v2Policy()));
    expect(readSignedPurpose(resources, statementEnableExecution(BOT, nb, exp, summary))?.params['policySummary']).toBe(summary);
    expect(readSignedPurpose(resources, statementEnableExecution(BOT, nb, exp))?.params['policySummary']).toBeUndefined();
    for (const bad of ['no final period', 'double  space.', ' leading.', `${'x'.repeat(400)}.`])
      expect(readSignedPurpose(resources, statementEnableExecution(BOT, nb, exp, bad))).toBeUndefined();
  });

  it('a summary of the maximum length fits an ordinary message; a message that cannot fit is MESSAGE_TOO_LONG', async () => {
    const s = setup();
    const longest = `${'a'.repeat(MAX_POLICY_SUMMARY_LENGTH - 1)}.`;
    const { message } = await authorize(s, { policyHash: 'ab'.repeat(32), policySummary: longest });
    expect(message.length).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    const nonces = newNonces();
    await expectCodeAsync(
      () =>
        issueChallenge({
          purpose: 'enable-execution',
          domain: DOMAIN,
          uri: `${URI}/${'x'.repeat(200)}`,
          chain: 'mainnet',
          address: s.owner.address,
          nonces,
          now: NOW,
          grant: { bot: 'b'.repeat(64), agent: s.agent.address, policyHash: 'ab'.repeat(32), policySummary: longest },
        }),
      'MESSAGE_TOO_LONG',
    );
  });

  it('issueChallenge refuses a malformed policySummary', async () => {
    const s = setup();
    await expectCodeAsync(() => authorize(s, { policyHash: 'ab'.repeat(32), policySummary: 'no period' }), 'INVALID_INPUT');
    await expectCodeAsync(() => authorize(s, { policyHash: 'ab'.repeat(32), policySummary: 'a\nb.' }), 'INVALID_INPUT');
  });
});
