/**
 * `poolscope lint --baseline` / `--write-baseline` (docs/ci.md): a later commit adds a leak and
 * shifts every line of the driver; only the new finding is reported and counted, and every old
 * finding keeps its fingerprint.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO, ensureBuilt, poolscope } from './cliProcess';

interface JsonDiagnostic {
  rule: string;
  line: number;
  severity: string;
  fingerprint: string;
}
interface JsonOutput {
  files: { file: string; diagnostics: JsonDiagnostic[] }[];
}

let dir: string;
const DRIVER = 'leaky.drvm';

/** leaky.drvm with a leaking helper and a comment inserted above its first routine: every old finding moves down 5 lines. */
function editedDriver(): string {
  const lines = readFileSync(join(REPO, 'examples', 'leaky.drvm'), 'utf8').split('\n');
  const at = lines.findIndex((l) => l.startsWith('entry '));
  const added = ['// added by a later commit: a helper above everything else', 'routine NewHelper {', "    b = ExAllocatePool2(POOL_FLAG_NON_PAGED, 16, 'Nw01');", '}', ''];
  return [...lines.slice(0, at), ...added, ...lines.slice(at)].join('\n');
}

function lintJson(args: string[]): { status: number | null; out: JsonOutput; stderr: string } {
  const r = poolscope(['lint', '--format', 'json', DRIVER, ...args], dir);
  return { status: r.status, out: JSON.parse(r.stdout) as JsonOutput, stderr: r.stderr };
}

before(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'poolscope-baseline-'));
  copyFileSync(join(REPO, 'examples', 'leaky.drvm'), join(dir, DRIVER));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('poolscope lint --baseline', () => {
  it('reports and counts only the finding a later edit adds; old findings keep their fingerprints', () => {
    const before = lintJson(['--write-baseline', 'baseline.json']);
    assert.equal(before.status, 1, 'leaky.drvm has errors of its own');
    const old = before.out.files[0].diagnostics;
    assert.ok(old.length >= 8, `${old.length} findings`);
    // The written baseline is the --format json object of the same run.
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'baseline.json'), 'utf8')), before.out);
    // Also as SARIF, the other accepted form.
    writeFileSync(join(dir, 'baseline.sarif'), poolscope(['lint', '--format', 'sarif', DRIVER], dir).stdout);

    writeFileSync(join(dir, DRIVER), editedDriver());
    const all = lintJson([]).out.files[0].diagnostics;
    assert.equal(all.length, old.length + 1);
    // Every old finding moved 5 lines down and kept its fingerprint.
    const byFingerprint = new Map(all.map((d) => [d.fingerprint, d]));
    for (const d of old) {
      const now = byFingerprint.get(d.fingerprint);
      assert.ok(now, `${d.rule} at line ${d.line} lost its fingerprint`);
      assert.deepEqual([now.rule, now.line], [d.rule, d.line + 5]);
    }

    for (const baseline of ['baseline.json', 'baseline.sarif']) {
      const after = lintJson(['--baseline', baseline]);
      assert.deepEqual(
        after.out.files[0].diagnostics.map((d) => [d.rule, d.line, d.severity]),
        [['unbalanced-allocation', 11, 'warning']],
        baseline,
      );
      // The old errors are in the baseline: only the new warning counts.
      assert.equal(after.status, 0, baseline);
      assert.equal(lintJson(['--baseline', baseline, '--max-warnings', '0']).status, 1, baseline);
    }
    const text = poolscope(['lint', DRIVER, '--baseline', 'baseline.json'], dir);
    assert.match(text.stdout, /^leaky\.drvm:11:9 warning .*\[unbalanced-allocation\]\n1 problem \(0 errors, 1 warning, 0 info, 0 hints\) in 1 file\n$/);
  });

  it('tells equal findings apart: the same leaking statement pasted twice in one routine gets two fingerprints', () => {
    writeFileSync(join(dir, 'twice.drvm'), "routine R {\n    b = ExAllocatePool2(POOL_FLAG_NON_PAGED, 16, 'Tw01');\n    b = ExAllocatePool2(POOL_FLAG_NON_PAGED, 16, 'Tw01');\n}\n");
    const r = poolscope(['lint', '--format', 'json', 'twice.drvm', '--rule', 'shared-tag=off'], dir);
    const leaks = (JSON.parse(r.stdout) as JsonOutput).files[0].diagnostics.filter((d) => d.rule === 'unbalanced-allocation');
    assert.equal(leaks.length, 2);
    assert.notEqual(leaks[0].fingerprint, leaks[1].fingerprint);
  });

  it('a missing or foreign baseline is exit 2 with a message naming it', () => {
    const missing = poolscope(['lint', DRIVER, '--baseline', 'nope.json'], dir);
    assert.equal(missing.status, 2);
    assert.equal(missing.stderr, "poolscope lint: cannot read baseline 'nope.json': no such file\n");
    writeFileSync(join(dir, 'other.json'), '{"hello": 1}');
    const foreign = poolscope(['lint', DRIVER, '--baseline', 'other.json'], dir);
    assert.equal(foreign.status, 2);
    assert.equal(foreign.stderr, "poolscope lint: baseline 'other.json' is neither a SARIF log nor poolscope's JSON output\n");
    assert.equal(foreign.stdout, '');
  });
});
