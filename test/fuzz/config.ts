/**
 * Fuzzing budget. CI runs every property with a fixed seed (reproducible failures); the soak
 * run (`npm run soak`) sets POOLSCOPE_FUZZ_SEED to a random seed, prints it, and multiplies
 * the runs through POOLSCOPE_FUZZ_RUNS.
 *
 *   POOLSCOPE_FUZZ_SEED=123 POOLSCOPE_FUZZ_RUNS=100000 node --import tsx --test test/fuzz/parser.test.ts
 */
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { OPEN_REGRESSIONS } from './knownIssues';
import type { Parameters } from 'fast-check';

export const ROOT = join(__dirname, '../..');

/** The fixed CI seed. */
export const DEFAULT_SEED = 20261123;

export const FUZZ_SEED: number = process.env.POOLSCOPE_FUZZ_SEED ? Number(process.env.POOLSCOPE_FUZZ_SEED) : DEFAULT_SEED;

/**
 * Number of runs for a property: the CI count given, or POOLSCOPE_FUZZ_RUNS when set.
 * `scale` lets an expensive property run a fraction of the soak count.
 */
export function fuzzRuns(ciRuns: number, scale = 1): number {
  const env = process.env.POOLSCOPE_FUZZ_RUNS;
  return env ? Math.max(1, Math.round(Number(env) * scale)) : ciRuns;
}

export function fcParams<T>(ciRuns: number, scale = 1): Parameters<T> {
  return { seed: FUZZ_SEED, numRuns: fuzzRuns(ciRuns, scale) };
}

function listDrvm(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listDrvm(p));
    else if (name.endsWith('.drvm')) out.push(p);
  }
  return out;
}

/** Every .drvm the project ships: examples and test fixtures (regressions included). */
export function fixtureFiles(): string[] {
  return [...listDrvm(join(ROOT, 'examples')), ...listDrvm(join(ROOT, 'test/fixtures'))];
}

/** The fixtures as mutation seeds for the properties: open (todo) regressions left out. */
export function fixtureTexts(): string[] {
  return fixtureFiles()
    .filter((f) => !OPEN_REGRESSIONS.has(basename(f)))
    .map((f) => readFileSync(f, 'utf8'));
}
