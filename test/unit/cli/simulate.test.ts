// `poolscope simulate` as a real process: build the bundle, run bin/poolscope.js, check exit
// codes, stderr lines, the --json object and the text reports.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');
const leaky = join(root, 'examples', 'leaky.drvm');
let dir = '';
/** The command: bin/poolscope.js over dist/cli.js, or a CLI-only bundle (see `before`). */
let command = [join(root, 'bin', 'poolscope.js')];

function poolscope(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...command, ...args], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function script(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'poolscope-simulate-'));
  const b = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, encoding: 'utf8' });
  if (b.status === 0) return;
  // Another bundle (client, server) failing to build must not hide the CLI's own behaviour:
  // bundle the CLI alone (without the language server it loads lazily) and run it the way
  // bin/poolscope.js does.
  const out = join(dir, 'cli.js');
  const bundle = spawnSync(
    process.execPath,
    [
      '-e',
      `require('esbuild').buildSync({ entryPoints: [${JSON.stringify(join(root, 'server/src/cli/main.ts'))}], outfile: ${JSON.stringify(out)}, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'error', external: ['./lsp'] })`,
    ],
    { cwd: root, encoding: 'utf8' },
  );
  assert.equal(bundle.status, 0, bundle.stderr);
  command = ['-e', `require(${JSON.stringify(out)}).main(process.argv.slice(1)).then((c) => { process.exitCode = c; })`, '--'];
});

test('leaky.drvm: exit 1, the bug check and !poolused 4 by default', () => {
  const r = poolscope('simulate', leaky);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, '');
  assert.match(r.stdout, /DRIVER_VERIFIER_DETECTED_VIOLATION \(c4\)/);
  assert.match(r.stdout, /Arg1: 0000000000000062/);
  assert.match(r.stdout, /Sorting by Paged Pool Consumed/);
  assert.ok(r.stdout.indexOf('(c4)') < r.stdout.indexOf('Pool Used:'));
});

test('--json: one object with the fields of cli.md, consistent counts', () => {
  const r = poolscope('simulate', leaky, '--json');
  assert.equal(r.code, 1);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(j).slice(0, 7), ['driver', 'scenario', 'seed', 'steps', 'allocations', 'frees', 'bugcheck']);
  for (const k of ['poolused', 'outstanding', 'quota', 'hits', 'hitsDropped', 'timeline']) assert.ok(k in j, k);
  assert.equal(j.driver, 'Leaky.sys');
  assert.equal(j.scenario, 'steady_reads');
  assert.equal(j.seed, 1);
  assert.equal(j.bugcheck.code, '0xC4');
  assert.equal(j.bugcheck.params.length, 4);
  assert.equal(j.bugcheck.params[0], '0x62');
  assert.equal(Number(j.bugcheck.params[3]), j.outstanding.length);
  assert.equal(j.allocations - j.frees, j.outstanding.length);
  assert.ok(!('bugchecks' in j));
  assert.deepEqual(j.outstanding[0].stack[0], { frame: 'Leaky!ReadDispatch', line: 14 });
});

test('--scenario timer: 0xC4 / 0x10B; an unknown scenario is exit 2 naming the available ones', () => {
  const r = poolscope('simulate', leaky, '--scenario', 'timer', '--json');
  assert.equal(r.code, 1);
  assert.deepEqual(JSON.parse(r.stdout).bugcheck.params, ['0x10B', '0x00', '0x00', '0x00']);
  const bad = poolscope('simulate', leaky, '--scenario', 'nope');
  assert.equal(bad.code, 2);
  assert.equal(bad.stdout, '');
  assert.match(bad.stderr, /no scenario named 'nope' \(available: steady_reads, timer\)/);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
});

test('same seed → byte-identical output; another seed → other leaks', () => {
  const a = poolscope('simulate', leaky, '--json', '--seed', '5');
  const b = poolscope('simulate', leaky, '--json', '--seed', '5');
  assert.equal(a.stdout, b.stdout);
  const c = poolscope('simulate', leaky, '--json', '--seed', '6');
  assert.notEqual(JSON.parse(a.stdout).outstanding.map((o: { step: number }) => o.step).join(), JSON.parse(c.stdout).outstanding.map((o: { step: number }) => o.step).join());
});

test('--hit-tag accepts Tron, quoted and short forms; a bad tag is exit 2', () => {
  const tronScript = script('tron.drvm', `driver "Tr.sys";
dispatch IRP_MJ_CREATE Create { t = ExAllocatePoolWithQuotaTag(NonPagedPool, 64, 'Tron'); ExFreePool(t); }
scenario s { process "app.exe" { irp IRP_MJ_CREATE; } }
`);
  const tron = JSON.parse(poolscope('simulate', tronScript, '--hit-tag', 'Tron', '--json').stdout);
  assert.deepEqual(
    tron.hits.map((h: { event: string; tag: string; stack: unknown[] }) => [h.event, h.tag, h.stack]),
    [
      ['alloc', 'Tron', [{ frame: 'nt!ExAllocatePoolWithQuotaTag' }, { frame: 'Tr!Create', line: 2 }, { frame: 'nt!IofCallDriver' }, { frame: 'nt!NtCreateFile' }]],
      ['free', 'Tron', [{ frame: 'nt!ExFreePool' }, { frame: 'Tr!Create', line: 2 }, { frame: 'nt!IofCallDriver' }, { frame: 'nt!NtCreateFile' }]],
    ],
  );
  for (const form of ["'Abc '", 'Abc', '"Abc "']) {
    const j = JSON.parse(poolscope('simulate', leaky, '--hit-tag', form, '--json').stdout);
    const abc = j.poolused.find((row: { tag: string }) => row.tag === 'Abc ');
    assert.equal(j.hits.length, abc.paged.allocs + abc.paged.frees, form);
    assert.equal(j.hitsDropped, 0);
    assert.equal(j.hits[0].tag, 'Abc ');
  }
  const bad = poolscope('simulate', leaky, '--hit-tag', 'TooLong');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /invalid --hit-tag/);
});

test('--report: repeatable, validated before running; text of each report', () => {
  const r = poolscope('simulate', leaky, '--report', 'poolused:4', '--report', 'quota');
  assert.equal(r.code, 1);
  assert.match(r.stdout, /Pool Used:/);
  assert.match(r.stdout, /app\.exe/);
  assert.doesNotMatch(r.stdout, /Bugcheck Analysis/);
  const bad = poolscope('simulate', leaky, '--report', 'poolused:zz');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /poolused:zz/);
  assert.equal(bad.stdout, '');
});

test('--pooltag adds owner descriptions to JSON rows', () => {
  const tags = script('pooltag.txt', 'Abc  - leaky.sys - Leaky read buffers\n');
  const j = JSON.parse(poolscope('simulate', leaky, '--json', '--pooltag', tags).stdout);
  const abc = j.poolused.find((row: { tag: string }) => row.tag === 'Abc ');
  assert.equal(abc.owner, 'Leaky read buffers , Binary: leaky.sys');
});

test('a clean run exits 0; --continue-on-bugcheck lists every bug check and exits 1', () => {
  const clean = script('clean.drvm', `driver "Clean.sys";
dispatch IRP_MJ_READ Read { p = ExAllocatePool2(POOL_FLAG_PAGED, 64, 'Cln '); ExFreePool(p); }
scenario s { repeat 10 { irp IRP_MJ_READ; } }
`);
  const ok = poolscope('simulate', clean, '--json');
  assert.equal(ok.code, 0);
  const j = JSON.parse(ok.stdout);
  assert.equal(j.bugcheck, null);
  assert.deepEqual(j.poolused, [{ tag: 'Cln ', nonPaged: { allocs: 0, frees: 0, diff: 0, used: 0 }, paged: { allocs: 10, frees: 10, diff: 0, used: 0 } }]);
  const cont = poolscope('simulate', leaky, '--continue-on-bugcheck', '--json', '--scenario', 'timer');
  assert.equal(cont.code, 1);
  const c = JSON.parse(cont.stdout);
  assert.equal(c.bugchecks.length, 1);
  assert.equal(c.bugchecks[0].params[0], '0x10B');
});

test('exit 2 with one line naming file:line: structural error, step budget, unreadable file, bad options', () => {
  const broken = script('broken.drvm', `driver "B.sys";
dispatch IRP_MJ_READ Read {
    p = ExAllocateSomething(PagedPool, 1, 'Abc ');
}
scenario s { irp IRP_MJ_READ; }
`);
  const s = poolscope('simulate', broken);
  assert.equal(s.code, 2);
  assert.match(s.stderr, new RegExp(`${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:9: unknown-name`));
  assert.equal(s.stderr.trim().split('\n').length, 1);

  const loop = script('loop.drvm', `driver "L.sys";
dispatch IRP_MJ_READ Read { }
scenario s {
    repeat 1000000000000000000 { irp IRP_MJ_READ; }
}
`);
  const t0 = Date.now();
  const b = poolscope('simulate', loop, '--max-steps', '1000000');
  assert.equal(b.code, 2);
  assert.equal(b.stderr, `poolscope simulate: step budget exceeded at ${loop}:4\n`);
  assert.ok(Date.now() - t0 < 5000);

  const missing = poolscope('simulate', join(dir, 'missing.drvm'));
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read/);
  for (const args of [['--seed', 'x'], ['--low-resources', '101'], ['--max-steps', '0'], ['--bogus']]) {
    const r = poolscope('simulate', leaky, ...args);
    assert.equal(r.code, 2, args.join(' '));
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
});

test('bad-argument does not stop simulate (cli.md lists the five structural rules): the run goes on with what the model reads', () => {
  const file = script('badarg.drvm', `driver "Q.sys";
routine Helper { }
dpc TimerDpc {
    q = ExAllocatePool2(POOL_FLAG_USE_QUOTA, 64, 'Quot');
}
entry DriverEntry {
    x = Helper();
}
scenario s { load; dpc TimerDpc; }
`);
  const lint = poolscope('lint', file, '--format', 'json');
  const rules = JSON.parse(lint.stdout).files[0].diagnostics.map((d: { rule: string }) => d.rule);
  assert.ok(rules.includes('bad-argument'), rules.join(','));
  const r = poolscope('simulate', file, '--json');
  assert.equal(r.stderr, '');
  assert.equal(r.code, 1);
  const j = JSON.parse(r.stdout);
  assert.equal(j.bugcheck.code, '0xC4');
  assert.deepEqual(j.bugcheck.params, ['0x10B', '0x00', '0x00', '0x00']);
  assert.deepEqual(j.bugcheck.culprits[0].site, { line: 4, column: 9 });
});

test('a script with no scenario: exit 2, one line naming file and line (the end of the script)', () => {
  const file = script('noscenario.drvm', 'entry E { }\nunload U { }\n');
  const r = poolscope('simulate', file);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, `poolscope simulate: ${file}:3: the script has no scenario to run\n`);
});

test('bytes that are not UTF-8 are decoded with replacement characters, not refused; recursion past 256 is exit 2 naming file:line', () => {
  const file = join(dir, 'latin1.drvm');
  writeFileSync(file, Buffer.concat([Buffer.from('driver "Caf'), Buffer.from([0xe9, 0xff]), Buffer.from('.sys";\nentry E { }\nscenario s { load; }\n')]));
  const r = poolscope('simulate', file, '--json');
  assert.equal(r.code, 0);
  assert.equal(r.stderr, '');
  assert.equal(JSON.parse(r.stdout).driver, 'Caf\uFFFD\uFFFD.sys');

  const deep = script('deep.drvm', 'routine R { R(); }\nentry E {\n    R();\n}\nscenario s { load; }\n');
  const d = poolscope('simulate', deep);
  assert.equal(d.code, 2);
  assert.equal(d.stdout, '');
  assert.equal(d.stderr, `poolscope simulate: helper recursion deeper than 256 calls at ${deep}:1\n`);
});
