/**
 * `npm run bench`: runs every `bench/*.bench.ts` module (or the ones named on the command
 * line, e.g. `npm run bench -- parse`). Each module exports `run(): Promise<void>` and prints
 * its own figures next to a baseline measured in the same run.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const files = readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
    .sort();
  for (const f of files) {
    console.log(`\n## ${f.replace(/\.bench\.ts$/, '')}`);
    const mod = (await import(join(__dirname, f))) as { run(): Promise<void> };
    await mod.run();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
