import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { REPO, ensureBuilt, poolscope } from './cliProcess';

const LEAKY = 'examples/leaky.drvm';
const LINE = /^(.+):(\d+):(\d+) (error|warning|info|hint) (.+) \[([a-z-]+)\]$/;

interface JsonDiagnostic {
  rule: string;
  severity: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  message: string;
  related: { file: string; line: number; column: number; message: string }[];
}
interface JsonOutput {
  files: { file: string; diagnostics: JsonDiagnostic[] }[];
}

let dir: string;
function write(name: string, text: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const WARNINGS_ONLY = [
  'entry DriverEntry {',
  "    a = ExAllocatePool2(POOL_FLAG_NON_PAGED, 8, 'Twin');",
  "    b = ExAllocatePool2(POOL_FLAG_NON_PAGED, 8, 'Twin');",
  "    ExFreePoolWithTag(a, 'Twin');",
  "    ExFreePoolWithTag(b, 'Twin');",
  '}',
  '',
].join('\n');

const CLEAN = ['entry DriverEntry {', "    a = ExAllocatePool2(POOL_FLAG_NON_PAGED, 8, 'Solo');", "    ExFreePoolWithTag(a, 'Solo');", '}', ''].join('\n');

before(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'poolscope-lint-'));
});

describe('poolscope lint (real process)', () => {
  it('prints file:line:col severity message [rule] lines and a summary, exit 1 on errors', () => {
    const r = poolscope(['lint', LEAKY]);
    assert.equal(r.status, 1, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    const findings = lines.slice(0, -1).map((l) => {
      const m = LINE.exec(l);
      assert.ok(m, `not a finding line: ${l}`);
      return `${m[6]}@${m[2]}:${m[3]}:${m[4]}`;
    });
    for (const f of ['shared-tag@14:48:warning', 'shared-tag@23:49:warning', 'quota-in-dpc@28:13:error', 'paged-free-at-dispatch@31:22:error', 'deprecated-allocator@14:11:hint']) {
      assert.ok(findings.includes(f), `${f} missing from ${findings.join(', ')}`);
    }
    assert.match(lines.at(-1)!, /^\d+ problems \(\d+ errors?, \d+ warnings?, \d+ info, \d+ hints?\) in 1 file$/);
    assert.equal(r.stderr, '');
  });

  it('--format json prints exactly one object with 1-based, end-exclusive positions and related locations', () => {
    const r = poolscope(['lint', '--format', 'json', LEAKY]);
    assert.equal(r.status, 1, r.stderr);
    const out = JSON.parse(r.stdout) as JsonOutput;
    assert.deepEqual(Object.keys(out), ['files']);
    assert.equal(out.files.length, 1);
    assert.equal(out.files[0].file, LEAKY);
    const shared = out.files[0].diagnostics.filter((d) => d.rule === 'shared-tag');
    assert.deepEqual(
      shared.map((d) => [d.line, d.column, d.endLine, d.endColumn, d.severity]),
      [
        [14, 48, 14, 54, 'warning'],
        [23, 49, 23, 55, 'warning'],
      ],
    );
    assert.deepEqual(shared[0].related.map((x) => [x.file, x.line, x.column]), [[LEAKY, 23, 49]]);
    // The contract's fields, then the fingerprint that --baseline matches (docs/ci.md).
    assert.deepEqual(Object.keys(shared[0]), ['rule', 'severity', 'line', 'column', 'endLine', 'endColumn', 'message', 'related', 'fingerprint']);
    assert.match((shared[0] as unknown as { fingerprint: string }).fingerprint, /^[0-9a-f]{32}$/);
    const quota = out.files[0].diagnostics.find((d) => d.rule === 'quota-in-dpc')!;
    assert.deepEqual([quota.line, quota.column, quota.severity], [28, 13, 'error']);
    assert.match(quota.message, /0xC4 \/ 0x10B/);
  });

  it('--rule changes severities; off removes a rule; the exit code follows', () => {
    const r = poolscope(['lint', LEAKY, '--format=json', '--rule', 'shared-tag=off', '--rule=deprecated-allocator=error', '--rule', 'quota-in-dpc=warning']);
    const out = JSON.parse(r.stdout) as JsonOutput;
    const d = out.files[0].diagnostics;
    assert.equal(d.filter((x) => x.rule === 'shared-tag').length, 0);
    assert.deepEqual(
      d.filter((x) => x.rule === 'deprecated-allocator').map((x) => [x.line, x.severity]),
      [
        [14, 'error'],
        [23, 'error'],
        [28, 'error'],
      ],
    );
    assert.equal(d.find((x) => x.rule === 'quota-in-dpc')?.severity, 'warning');
    assert.equal(r.status, 1);
    const off = ['quota-in-dpc', 'paged-free-at-dispatch', 'unbalanced-allocation', 'leak-at-unload'].flatMap((rule) => ['--rule', `${rule}=off`]);
    assert.equal(poolscope(['lint', LEAKY, ...off]).status, 0);
  });

  it('refuses an unknown rule or severity with exit 2 and a clear message, no stack trace', () => {
    const rule = poolscope(['lint', LEAKY, '--rule', 'shared-tags=off']);
    assert.equal(rule.status, 2);
    assert.match(rule.stderr, /unknown rule 'shared-tags' \(did you mean 'shared-tag'\?\)/);
    const sev = poolscope(['lint', LEAKY, '--rule', 'shared-tag=fatal']);
    assert.equal(sev.status, 2);
    assert.match(sev.stderr, /unknown severity "fatal" for rule 'shared-tag'/);
    for (const args of [['lint'], ['lint', LEAKY, '--format', 'xml'], ['lint', LEAKY, '--max-warnings', 'many'], ['lint', LEAKY, '--bogus'], ['lint', LEAKY, '--rule', 'shared-tag']]) {
      const r = poolscope(args);
      assert.equal(r.status, 2, args.join(' '));
      assert.match(r.stderr, /^poolscope lint: /);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
      assert.equal(r.stdout, '');
    }
  });

  it('a file that cannot be read: one line on stderr naming it, exit 2, the other files still linted', () => {
    const missing = join(dir, 'missing.drvm');
    const r = poolscope(['lint', '--format', 'json', missing, LEAKY]);
    assert.equal(r.status, 2);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1);
    assert.ok(r.stderr.includes(missing));
    const out = JSON.parse(r.stdout) as JsonOutput;
    assert.deepEqual(out.files.map((f) => f.file), [LEAKY]);
    assert.ok(out.files[0].diagnostics.some((d) => d.rule === 'quota-in-dpc'));
  });

  it('--max-warnings N: exit 1 only when there are more than N warnings', () => {
    const file = write('warnings.drvm', WARNINGS_ONLY);
    const plain = poolscope(['lint', file]);
    assert.equal(plain.status, 0, plain.stdout);
    assert.match(plain.stdout, /2 warnings/);
    assert.equal(poolscope(['lint', file, '--max-warnings', '2']).status, 0);
    const over = poolscope(['lint', file, '--max-warnings', '1']);
    assert.equal(over.status, 1);
    assert.match(over.stderr, /2 warnings, more than --max-warnings 1/);
  });

  it('exit 0 and "no problems" for a clean file; exit 1 for a syntax error', () => {
    const clean = poolscope(['lint', write('clean.drvm', CLEAN)]);
    assert.equal(clean.status, 0);
    assert.equal(clean.stdout, 'no problems in 1 file\n');
    const broken = poolscope(['lint', '--format', 'json', write('broken.drvm', 'entry DriverEntry {\n    a = ;\n}\n')]);
    assert.equal(broken.status, 1);
    const out = JSON.parse(broken.stdout) as JsonOutput;
    assert.deepEqual(out.files[0].diagnostics.filter((d) => d.rule === 'syntax-error').map((d) => [d.line, d.severity]), [[2, 'error']]);
  });

  it('decodes bytes that are not UTF-8 with replacement characters instead of refusing the file', () => {
    const bytes = Buffer.concat([Buffer.from('// caf'), Buffer.from([0xe9, 0xff]), Buffer.from('\n' + CLEAN)]);
    const r = poolscope(['lint', write('latin1.drvm', bytes)]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  it('runs through `npm run --silent poolscope -- lint`', () => {
    const r = spawnSync('npm', ['run', '--silent', 'poolscope', '--', 'lint', '--format', 'json', LEAKY], { cwd: REPO, encoding: 'utf8' });
    assert.equal(r.status, 1, r.stderr);
    const out = JSON.parse(r.stdout) as JsonOutput;
    assert.ok(out.files[0].diagnostics.some((d) => d.rule === 'paged-free-at-dispatch' && d.line === 31));
  });
});
