// `poolscope logs` as a real process: build the bundle, run bin/poolscope.js, check stdout,
// stderr and exit codes (cli.md: 0 success, 2 unreadable file or unrecognised text).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..', '..', '..');
const fixtures = join(root, 'test', 'fixtures', 'logs');
let command: string[] = [join(root, 'bin', 'poolscope.js')];
let env: NodeJS.ProcessEnv = process.env;

before(async () => {
  const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) {
    // Another part of the tree does not build right now: bundle the CLI alone so this
    // command is still tested as a process.
    const esbuild = await import('esbuild');
    const out = join(mkdtempSync(join(tmpdir(), 'poolscope-logs-')), 'cli.js');
    await esbuild.build({ entryPoints: [join(root, 'server/src/cli/main.ts')], outfile: out, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'error' });
    command = [out];
    env = { ...process.env, POOLSCOPE_CLI_MAIN: '1' };
  }
});

function run(...args: string[]) {
  return runWithInput(undefined, ...args);
}

function runWithInput(input: string | undefined, ...args: string[]) {
  const r = spawnSync(process.execPath, [...command, 'logs', ...args], { cwd: fixtures, encoding: 'utf8', env, input });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('text: reprints the table under a line naming file and format', () => {
  const r = run('poolused-verbose.txt');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.deepEqual(r.stdout.split('\n'), [
    'poolused-verbose.txt: !poolused (verbose)',
    '   Sorting by Tag',
    '',
    '  Pool Used:',
    '                   NonPaged                              Paged',
    ' Tag    Allocs    Frees     Diff     Used   Allocs    Frees     Diff     Used',
    " Abc         0        0        0        0     1100     1088       12    49152UNKNOWN pooltag 'Abc ', please update pooltag.txt",
    ' Abd         4        1        3      192        0        0        0        0Leaky debug records , Binary: leaky.sys',
    ' TOTAL       4        1        3      192     1100     1088       12    49152',
    '',
  ]);
});

test('--json: one object in the shapes of simulate --json', () => {
  const r = run('poolmon.txt', '--json');
  assert.equal(r.code, 0, r.stderr);
  const body = JSON.parse(r.stdout);
  assert.equal(body.file, 'poolmon.txt');
  assert.equal(body.format, 'poolmon');
  assert.equal(body.poolused.length, 4);
  assert.deepEqual(body.poolused[0], {
    tag: 'Abc ',
    nonPaged: { allocs: 0, frees: 0, diff: 0, used: 0 },
    paged: { allocs: 1100, frees: 1088, diff: 12, used: 49152 },
    owner: '[leaky.sys - Leaky read buffers]',
  });
});

test('--json with several files: { files: [...] }, one entry per file in order', () => {
  const r = run('--json', 'poolfind-oneline.txt', 'kb-args.txt');
  assert.equal(r.code, 0, r.stderr);
  const body = JSON.parse(r.stdout);
  assert.deepEqual(body.files.map((f: { file: string; format: string }) => [f.file, f.format]), [
    ['poolfind-oneline.txt', 'poolfind'],
    ['kb-args.txt', 'kb'],
  ]);
  assert.deepEqual(body.files[0].blocks[2], { address: 'ffffb20c`9a0c4010', tag: 'Lky1', pool: 'PagedPool', size: 64, status: 'Allocated' });
  assert.deepEqual(body.files[1].frames[1], {
    frame: 'Leaky!ReadDispatch',
    offset: '0x9',
    file: 'leaky.drvm',
    line: 9,
    number: 1,
    childSp: 'ffffd000`10000f40',
    retAddr: 'fffff800`20001c2c',
  });
});

test('--diff before after: largest growth first (text and JSON)', () => {
  const text = run('--diff', 'poolmon-before.txt', 'poolmon-after.txt');
  assert.equal(text.code, 0, text.stderr);
  const lines = text.stdout.split('\n');
  assert.equal(lines[0], 'poolmon-before.txt -> poolmon-after.txt');
  assert.equal(lines[3], ' LkBf               0               0             +30         +122880         +122880');
  assert.equal(lines[6], ' LkSm               0               0             -10            -640            -640');
  const json = JSON.parse(run('--diff', 'poolmon-before.txt', 'poolmon-after.txt', '--json').stdout);
  assert.equal(json.before, 'poolmon-before.txt');
  assert.deepEqual(json.diff.map((d: { tag: string; bytes: number }) => [d.tag, d.bytes]), [
    ['LkBf', 122880],
    ['LkNw', 1024],
    ['LkIr', 240],
    ['LkCt', 0],
    ['LkSm', -640],
  ]);
});

test('unrecognised text: exit 2, one stderr line naming file and line, nothing on stdout', () => {
  const r = run('poolused-default.txt', 'poolused-bad-row.txt');
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, "poolscope: poolused-bad-row.txt:8: expected a !poolused row: a tag and 4 numbers: 'Ctx         1      five         0        0'\n");
  const g = run('garbage.txt');
  assert.equal(g.code, 2);
  assert.match(g.stderr, /^poolscope: garbage\.txt:1: unrecognised text: not !poolused \(default or verbose\), PoolMon, !poolfind or kb output: 'This is not debugger output\.'\n$/);
});

test('unreadable file: exit 2, one line, no stack trace', () => {
  const r = run('missing.txt');
  assert.equal(r.code, 2);
  assert.equal(r.stderr, "poolscope: cannot read 'missing.txt': no such file\n");
  const d = run('.');
  assert.equal(d.code, 2);
  assert.equal(d.stderr, "poolscope: cannot read '.': is a directory\n");
});

test('bad usage: exit 2 with the usage', () => {
  for (const args of [[], ['--bogus', 'poolmon.txt'], ['--diff', 'poolmon.txt'], ['--diff', 'a', 'b', 'c']]) {
    const r = run(...args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, /usage: poolscope logs <file>\.\.\./, args.join(' '));
    assert.ok(!/\n\s+at /.test(r.stderr), 'no stack trace');
  }
  const kb = run('--diff', 'kb-x64.txt', 'poolmon.txt');
  assert.equal(kb.code, 2);
  assert.equal(kb.stderr, 'poolscope: cannot diff the before log: kb output has no per-tag counts\n');
});

test('PoolMon reprints in its own layout; - reads standard input', () => {
  const r = run('poolmon-after.txt');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.split('\n').slice(0, 4), [
    'poolmon-after.txt: PoolMon',
    ' Tag  Type     Allocs            Frees            Diff   Bytes       Per Alloc',
    '',
    ' LkBf Paged       900 (   0)       850 (   0)       50  204800 (     0)   4096',
  ]);
  const piped = runWithInput(readFileSync(join(fixtures, 'poolfind-oneline.txt'), 'utf8'), '-', '--json');
  assert.equal(piped.code, 0, piped.stderr);
  assert.equal(JSON.parse(piped.stdout).blocks.length, 3);
  const bad = runWithInput('nonsense\n', '-');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^poolscope: -:1: unrecognised text/);
});
