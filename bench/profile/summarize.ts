/**
 * Summarize a V8 .cpuprofile (from `node --cpu-prof`): top functions by self time, as a Markdown
 * table. Usage: tsx bench/profile/summarize.ts <file.cpuprofile> [top=12]
 */
import { readFileSync } from 'node:fs';

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number; children?: number[] }
const [file, topArg] = process.argv.slice(2);
const prof = JSON.parse(readFileSync(file!, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
const top = Number(topArg ?? 12);
const self = new Map<string, number>();
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const counts = new Map<number, number>();
for (const s of prof.samples) counts.set(s, (counts.get(s) ?? 0) + 1);
let total = 0;
for (const [id, c] of counts) {
  const n = byId.get(id)!;
  const url = n.callFrame.url.replace(/^.*\/(node_modules\/[^/]+(?:\/[^/]+)?|src|bench)\//, '$1/');
  const name = `${n.callFrame.functionName || '(anonymous)'} ${url ? `${url}:${n.callFrame.lineNumber + 1}` : ''}`.trim();
  self.set(name, (self.get(name) ?? 0) + c);
  total += c;
}
const rows = [...self].sort((a, b) => b[1] - a[1]).slice(0, top);
console.log('| self % | function |\n|---:|---|');
for (const [name, c] of rows) console.log(`| ${((100 * c) / total).toFixed(1)} | \`${name}\` |`);

// Inclusive (self + callees) share of chosen functions: PROFILE_INCLUSIVE=name1,name2
const wanted = (process.env.PROFILE_INCLUSIVE ?? '').split(',').filter(Boolean);
if (wanted.length > 0) {
  const parent = new Map<number, number>();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const incl = new Map<string, number>(wanted.map((w) => [w, 0]));
  for (const [id, c] of counts) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const fn = byId.get(cur)!.callFrame.functionName;
      if (incl.has(fn) && !seen.has(fn)) {
        seen.add(fn);
        incl.set(fn, incl.get(fn)! + c);
      }
    }
  }
  console.log('\n| inclusive % | function |\n|---:|---|');
  for (const [fn, c] of incl) console.log(`| ${((100 * c) / total).toFixed(1)} | \`${fn}\` |`);
}
