/**
 * HKDF info labels (SPEC 3.1). A label is part of every key derived under it: changing one is a
 * format version bump, never a fix. Pinning the exact strings makes such a change a visible,
 * deliberate test edit.
 */
import { describe, expect, it } from 'vitest';
import { labels } from '../../src/primitives/index.js';

describe('labels', () => {
  it('have exactly the v1 values', () => {
    expect({ ...labels }).toEqual({
      LABEL_WALLET_KEY: 'agentvault/v1/wallet-key',
      LABEL_RECOVERY_CODE: 'agentvault/v1/recovery-code',
      LABEL_RECOVERY_PASSPHRASE: 'agentvault/v1/recovery-passphrase',
      LABEL_SUBKEY: 'agentvault/v1/subkey',
      LABEL_RECORD_DERIVEKEY: 'DERIVEKEY',
      LABEL_RECORD_COMMITKEY: 'COMMITKEY',
      LABEL_VAULT_MAC: 'agentvault/v1/vault-mac',
      LABEL_LOCAL_WRAP: 'agentvault/v1/local-wrap',
      LABEL_GRANT_DATA_KEY: 'agentvault/v1/grant-data-key',
      LABEL_SESSION_KEY: 'agentvault/v1/session-key',
      LABEL_SESSION_PEPPER: 'agentvault/v1/session-pepper',
    });
  });
  it('are distinct and printable ASCII', () => {
    const values = Object.values(labels) as string[];
    expect(new Set(values).size).toBe(values.length);
    for (const v of values) {
      expect(v).toMatch(/^[\x21-\x7e]+$/);
    }
  });
});
