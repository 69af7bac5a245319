/**
 * The SARIF of every example and fixture passes Microsoft's SARIF validator with GitHub's rules
 * (`Sarif.Multitool validate --rule-kind "Sarif;Ghas"`, npm @microsoft/sarif-multitool): what
 * code scanning's upload checks. The validator is the Linux binary of the npm package; it needs
 * no network. Its own output is a SARIF log whose results are the problems it found.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO, ensureBuilt, poolscope } from './cliProcess';

const MULTITOOL = join(REPO, 'node_modules', '@microsoft', 'sarif-multitool-linux', 'Sarif.Multitool');

function drvmFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...drvmFiles(p));
    else if (name.endsWith('.drvm')) out.push(relative(REPO, p).split('\\').join('/'));
  }
  return out;
}

interface ValidatorResult {
  ruleId: string;
  level?: string;
  message: { text?: string; arguments?: string[] };
  locations?: { physicalLocation?: { artifactLocation?: { uri?: string }; region?: { startLine?: number } } }[];
}

let work: string;
before(() => {
  ensureBuilt();
  work = mkdtempSync(join(tmpdir(), 'poolscope-sarif-'));
});
after(() => rmSync(work, { recursive: true, force: true }));

/** Runs the validator on `files`; returns its findings of level error (level absent means warning). */
function validatorErrors(files: string[]): ValidatorResult[] {
  const out = join(work, `validation-${Date.now()}.sarif`);
  const r = spawnSync(MULTITOOL, ['validate', ...files, '--rule-kind', 'Sarif;Ghas', '--output', out, '--log', 'ForceOverwrite'], {
    encoding: 'utf8',
    // .NET needs ICU for culture data unless told to run culture-invariant (the CI image has no libicu).
    env: { ...process.env, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT: '1', DOTNET_CLI_TELEMETRY_OPTOUT: '1' },
  });
  assert.equal(r.error, undefined, `the SARIF validator did not start: ${String(r.error)}`);
  const log = JSON.parse(readFileSync(out, 'utf8')) as { runs: { results?: ValidatorResult[]; invocations?: { executionSuccessful: boolean }[] }[] };
  assert.equal(log.runs[0].invocations?.[0]?.executionSuccessful, true, `validator run failed:\n${r.stdout}\n${r.stderr}`);
  return (log.runs[0].results ?? []).filter((res) => res.level === 'error');
}

function describeProblems(problems: ValidatorResult[]): string {
  return problems
    .map((p) => `${p.locations?.[0]?.physicalLocation?.artifactLocation?.uri}:${p.locations?.[0]?.physicalLocation?.region?.startLine} ${p.ruleId} ${p.message.text ?? (p.message.arguments ?? []).join(' | ')}`)
    .join('\n');
}

describe('SARIF validator (Sarif;Ghas)', () => {
  const scripts = [...drvmFiles(join(REPO, 'examples')), ...drvmFiles(join(REPO, 'test', 'fixtures'))];

  it('finds the examples and fixtures', () => {
    assert.ok(scripts.includes('examples/leaky.drvm'));
    assert.ok(scripts.includes('test/fixtures/drivers/sioctl.drvm'));
    assert.ok(scripts.length >= 10, `only ${scripts.length} scripts`);
  });

  it('reports no error on the SARIF of every example and fixture, alone and all in one log', () => {
    const logs: string[] = [];
    for (const [i, script] of scripts.entries()) {
      const r = poolscope(['lint', '--format', 'sarif', script]);
      assert.ok(r.status === 0 || r.status === 1, `${script}: exit ${r.status}: ${r.stderr}`);
      const path = join(work, `${i}.sarif`);
      writeFileSync(path, r.stdout);
      logs.push(path);
    }
    const all = poolscope(['lint', '--format', 'sarif', ...scripts]);
    const allPath = join(work, 'all.sarif');
    writeFileSync(allPath, all.stdout);
    logs.push(allPath);
    const errors = validatorErrors(logs);
    assert.deepEqual(errors, [], describeProblems(errors));
  });

  it('does find errors: a log whose rules lack fullDescription and help fails GH2012', () => {
    const log = JSON.parse(poolscope(['lint', '--format', 'sarif', 'examples/leaky.drvm']).stdout);
    for (const rule of log.runs[0].tool.driver.rules) {
      delete rule.fullDescription;
      delete rule.help;
    }
    const path = join(work, 'bare-rules.sarif');
    writeFileSync(path, JSON.stringify(log));
    const errors = validatorErrors([path]);
    assert.ok(errors.length >= 2 && errors.every((e) => e.ruleId === 'GH2012'), describeProblems(errors));
  });
});
