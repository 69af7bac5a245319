/** Runs the built CLI as a real process (`node bin/poolscope.js ...`), building it first when stale. */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const REPO = join(__dirname, '..', '..', '..');
const CLI_BUNDLE = join(REPO, 'dist', 'cli.js');

function newestSource(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    newest = Math.max(newest, st.isDirectory() ? newestSource(p) : st.mtimeMs);
  }
  return newest;
}

/**
 * `npm test` builds before the unit tests; run alone, a test rebuilds only when the bundle is
 * missing or older than the sources (so concurrent suites never read a half-written bundle).
 */
export function ensureBuilt(): void {
  if (existsSync(CLI_BUNDLE) && statSync(CLI_BUNDLE).mtimeMs >= newestSource(join(REPO, 'server', 'src'))) return;
  const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build failed:\n${r.stdout}\n${r.stderr}`);
}

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function poolscope(args: string[], cwd = REPO): CliRun {
  const r = spawnSync(process.execPath, [join(REPO, 'bin', 'poolscope.js'), ...args], { cwd, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
