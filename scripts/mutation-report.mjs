// node scripts/mutation-report.mjs <scope> [--survivors]
// Reads Stryker's JSON report (reports/mutation/<scope>.json, written by `npm run mutation`) and
// prints the per-file score table of docs/mutation/<scope>.md, and with --survivors every surviving
// or uncovered mutant (file:line, mutator, the replacement) so each can be classified by hand.
// Score as Stryker computes it: (killed + timeout) / (killed + timeout + survived + no coverage);
// ignored (static) mutants and compile errors are not counted.
import { readFileSync } from 'node:fs';

const [scope, flag] = process.argv.slice(2);
if (!scope) {
  console.error('usage: node scripts/mutation-report.mjs <scope> [--survivors]');
  process.exit(2);
}
const report = JSON.parse(readFileSync(`reports/mutation/${scope}.json`, 'utf8'));

const rows = [];
const total = { killed: 0, timeout: 0, survived: 0, noCoverage: 0 };
const left = [];
for (const [file, { mutants, source }] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
  const n = { killed: 0, timeout: 0, survived: 0, noCoverage: 0 };
  const lines = source.split('\n');
  for (const m of mutants) {
    if (m.status === 'Killed') n.killed++;
    else if (m.status === 'Timeout') n.timeout++;
    else if (m.status === 'Survived') n.survived++;
    else if (m.status === 'NoCoverage') n.noCoverage++;
    else continue;
    if (m.status === 'Survived' || m.status === 'NoCoverage') {
      const line = m.location.start.line;
      const code = lines[line - 1].trim().slice(0, 90);
      const replacement = String(m.replacement ?? '').replace(/\s+/g, ' ').slice(0, 60);
      left.push({ file, line, mutator: m.mutatorName, status: m.status, replacement, code });
    }
  }
  for (const k of Object.keys(total)) total[k] += n[k];
  rows.push([file, n]);
}

const score = (n) => {
  const detected = n.killed + n.timeout;
  const all = detected + n.survived + n.noCoverage;
  return all === 0 ? 'n/a' : `${((100 * detected) / all).toFixed(2)} %`;
};
console.log('| file | killed | timeout | survived | no coverage | score |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const [file, n] of rows) {
  console.log(`| \`${file}\` | ${n.killed} | ${n.timeout} | ${n.survived} | ${n.noCoverage} | ${score(n)} |`);
}
console.log(`| **${scope}** | ${total.killed} | ${total.timeout} | ${total.survived} | ${total.noCoverage} | **${score(total)}** |`);

if (flag === '--survivors') {
  console.log('\n| where | mutator | status | replacement | code |');
  console.log('|---|---|---|---|---|');
  const cell = (s) => s.replaceAll('|', '\\|').replaceAll('`', "'");
  for (const s of left) {
    console.log(`| ${s.file.replace(/^src\//, '')}:${s.line} | ${s.mutator} | ${s.status} | \`${cell(s.replacement)}\` | \`${cell(s.code)}\` |`);
  }
}
