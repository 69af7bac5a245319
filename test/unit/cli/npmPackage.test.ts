/**
 * The npm package is an installable tool (issue #20, docs/ci.md): `npm pack` ships only the
 * CLI bundle, its analysis worker, the tree-sitter WebAssembly, the rule pages SARIF help is
 * read from, README and LICENSE (.npmignore); the tarball installs into an empty folder with no
 * network (`--offline`: it has no run-time dependencies) and `npx poolscope lint` / `simulate`
 * work there, away from this repository.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO, ensureBuilt } from './cliProcess';

let work: string;

function run(cmd: string, args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' } });
  assert.equal(r.error, undefined, `${cmd} did not start: ${String(r.error)}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

before(() => {
  ensureBuilt();
  work = mkdtempSync(join(tmpdir(), 'poolscope-npm-'));
});
after(() => rmSync(work, { recursive: true, force: true }));

describe('npm package', () => {
  it('npm pack --dry-run lists only what ships', () => {
    // --ignore-scripts: `npm test` has just built dist/; prepare would rebuild it under other suites.
    const r = run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], REPO);
    assert.equal(r.status, 0, r.stderr);
    const files = (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0].files.map((f) => f.path).sort();
    const rulePages = readdirSync(join(REPO, 'docs', 'rules')).filter((n) => n.endsWith('.md')).map((n) => `docs/rules/${n}`);
    const wasm = readdirSync(join(REPO, 'dist')).filter((n) => n.endsWith('.wasm')).map((n) => `dist/${n}`);
    const expected = ['LICENSE', 'README.md', 'bin/poolscope.js', 'dist/analysisAndSimulationWorker.js', 'dist/cli.js', 'package.json', ...rulePages, ...wasm].sort();
    assert.deepEqual(files, expected);
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { private?: boolean; bin: Record<string, string>; engines: Record<string, string>; dependencies?: object };
    assert.equal(pkg.private, undefined);
    assert.deepEqual(pkg.bin, { poolscope: './bin/poolscope.js' });
    assert.equal(pkg.engines.node, '>=20');
    // The bundle is self-contained: nothing to install at run time.
    assert.equal(pkg.dependencies, undefined);
  });

  it('the packed tarball installs offline into an empty folder and runs lint and simulate there', () => {
    const packed = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], REPO);
    assert.equal(packed.status, 0, packed.stderr);
    const tarball = join(work, (JSON.parse(packed.stdout) as { filename: string }[])[0].filename);
    const app = join(work, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), '{ "name": "driver-ci", "private": true }\n');
    const installed = run('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], app);
    assert.equal(installed.status, 0, installed.stderr);
    copyFileSync(join(REPO, 'examples', 'leaky.drvm'), join(app, 'leaky.drvm'));

    const lint = run('npx', ['--offline', 'poolscope', 'lint', '--format', 'json', 'leaky.drvm'], app);
    assert.equal(lint.status, 1, lint.stderr);
    const diagnostics = (JSON.parse(lint.stdout) as { files: { diagnostics: { rule: string; line: number }[] }[] }).files[0].diagnostics;
    assert.ok(diagnostics.some((d) => d.rule === 'quota-in-dpc' && d.line === 28), lint.stdout);

    const sarif = run('npx', ['--offline', 'poolscope', 'lint', '--format', 'sarif', 'leaky.drvm'], app);
    const rules = (JSON.parse(sarif.stdout) as { runs: { tool: { driver: { rules: { id: string; help: { markdown: string } }[] } } }[] }).runs[0].tool.driver.rules;
    assert.match(rules.find((r) => r.id === 'leak-at-unload')!.help.markdown, /Pool Tracking checks at unload/);

    const sim = run('npx', ['--offline', 'poolscope', 'simulate', '--json', 'leaky.drvm'], app);
    assert.equal(sim.status, 1, sim.stderr);
    const result = JSON.parse(sim.stdout) as { driver: string; bugcheck: { code: string; params: string[] } };
    assert.equal(result.driver, 'Leaky.sys');
    assert.equal(result.bugcheck.code, '0xC4');
  });
});
