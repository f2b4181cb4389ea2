// npm run mutation [scope ...]: runs StrykerJS once per scope (all scopes when none is named).
import { spawnSync } from 'node:child_process';
import { scopeNames } from '../mutation.scopes.mjs';

const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!scopeNames.includes(name)) {
    console.error(`unknown mutation scope ${JSON.stringify(name)}; scopes: ${scopeNames.join(', ')}`);
    process.exit(2);
  }
}
for (const name of wanted.length ? wanted : scopeNames) {
  console.log(`\n== mutation scope ${name} ==`);
  const run = spawnSync('npx', ['stryker', 'run', 'stryker.config.mjs'], {
    stdio: 'inherit',
    env: { ...process.env, MUTATION_SCOPE: name },
  });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
