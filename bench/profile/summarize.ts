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
// PROFILE_ROOT=fnA,fnB: count only samples under one of these functions (the row's own work,
// without module loading, the driver loop or idle time).
const roots = new Set((process.env.PROFILE_ROOT ?? '').split(',').filter(Boolean));
const parentOf = new Map<number, number>();
for (const n of prof.nodes) for (const ch of n.children ?? []) parentOf.set(ch, n.id);
const underRoot = (id: number): boolean => {
  if (roots.size === 0) return true;
  for (let cur: number | undefined = id; cur !== undefined; cur = parentOf.get(cur)) if (roots.has(byId.get(cur)!.callFrame.functionName)) return true;
  return false;
};
for (const id of [...counts.keys()]) if (!underRoot(id)) counts.delete(id);
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
