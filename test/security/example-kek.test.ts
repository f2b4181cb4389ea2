/** Review: KEK handling of the Express example (these held; kept as regression checks). */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadKeyWrapper } from '../../examples/express/config.js';

describe('KEK file', () => {
  it('generated with mode 0600 and a loud notice; production never falls back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kek-'));
    const file = join(dir, 'kek');
    const notices: string[] = [];
    loadKeyWrapper({}, (l) => notices.push(l), file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(notices[0]).toMatch(/^!!! .*GENERATED/);
    // a pre-existing loose file is tightened, and still announced
    const loose = join(dir, 'loose');
    writeFileSync(loose, `v1:${randomBytes(32).toString('base64')}\n`, { mode: 0o644 });
    loadKeyWrapper({}, (l) => notices.push(l), loose);
    expect(statSync(loose).mode & 0o777).toBe(0o600);
    expect(notices[1]).toMatch(/^!!! /);
    // production: a missing key is an error even when the demo file exists
    expect(() => loadKeyWrapper({ NODE_ENV: 'production' }, () => {}, file)).toThrow();
    expect(() => loadKeyWrapper({ NODE_ENV: 'production', AGENTVAULT_KEK: '' }, () => {}, file)).toThrow();
  });
});
