import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import Ajv from 'ajv-draft-04';
import { RULE_META, ruleDocUrl } from '../../../server/src/core/rules/meta';
import { TOOL_VERSION } from '../../../server/src/cli/sarif';
import { REPO, ensureBuilt, poolscope } from './cliProcess';

// The official SARIF 2.1.0 (RTM 5) schema, as shipped on npm by Microsoft's jest-sarif.
const SCHEMA_PATH = join(REPO, 'node_modules', '@microsoft', 'jest-sarif', 'lib', 'schemas', 'sarif-2.1.0-rtm.5.json');
const LEAKY = 'examples/leaky.drvm';

interface SarifLocation {
  physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number; startColumn: number; endLine: number; endColumn: number } };
}
interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: string;
  message: { text: string };
  locations: SarifLocation[];
  relatedLocations?: (SarifLocation & { message: { text: string } })[];
}
interface SarifLog {
  version: string;
  runs: {
    tool: { driver: { name: string; informationUri: string; version: string; rules: { id: string; name: string; helpUri: string; shortDescription: { text: string }; defaultConfiguration: { level: string } }[] } };
    results: SarifResult[];
    invocations: { executionSuccessful: boolean; toolExecutionNotifications: unknown[] }[];
  }[];
}

// The schema's language pattern (`^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$`) is not a valid
// unicode-mode RegExp, hence unicodeRegExp: false.
let validate: ReturnType<Ajv['compile']>;

before(() => {
  ensureBuilt();
  const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'));
  validate = new Ajv({ allErrors: true, strict: false, validateFormats: false, unicodeRegExp: false }).compile(schema);
});

function lintSarif(args: string[]): { status: number | null; log: SarifLog } {
  const r = poolscope(['lint', '--format', 'sarif', ...args]);
  const log = JSON.parse(r.stdout) as SarifLog;
  const ok = validate(log);
  assert.ok(ok, `SARIF does not validate: ${JSON.stringify(validate.errors, null, 2)}`);
  return { status: r.status, log };
}

describe('poolscope lint --format sarif', () => {
  it('validates against the SARIF 2.1.0 schema, one run, every rule with helpUri', () => {
    const { status, log } = lintSarif([LEAKY]);
    assert.equal(status, 1);
    assert.equal(log.version, '2.1.0');
    assert.equal(log.runs.length, 1);
    const driver = log.runs[0].tool.driver;
    assert.equal(driver.name, 'PoolScope');
    assert.equal(driver.version, TOOL_VERSION);
    assert.ok(driver.informationUri.startsWith('https://'));
    assert.deepEqual(driver.rules.map((r) => r.id), RULE_META.map((m) => m.name));
    for (const r of driver.rules) {
      assert.equal(r.helpUri, ruleDocUrl(r.id));
      assert.ok(r.shortDescription.text.length > 0);
    }
    assert.equal(driver.rules.find((r) => r.id === 'deprecated-allocator')?.defaultConfiguration.level, 'note');
    assert.equal(driver.rules.find((r) => r.id === 'quota-in-dpc')?.defaultConfiguration.level, 'error');
    // The validator does reject what the schema forbids (a run without its tool, a bad level).
    assert.equal(validate({ version: '2.1.0', runs: [{ results: [] }] }), false);
    const bad = structuredClone(log) as unknown as { runs: { results: { level: string }[] }[] };
    bad.runs[0].results[0].level = 'fatal';
    assert.equal(validate(bad), false);
  });

  it('results carry ruleId (the rule name), a matching ruleIndex, level, region and related locations', () => {
    const { log } = lintSarif([LEAKY]);
    const run = log.runs[0];
    for (const res of run.results) assert.equal(run.tool.driver.rules[res.ruleIndex].id, res.ruleId);
    const summary = run.results.map((r) => {
      const reg = r.locations[0].physicalLocation.region;
      return `${r.ruleId}@${reg.startLine}:${reg.startColumn}-${reg.endLine}:${reg.endColumn}:${r.level}`;
    });
    for (const s of ['shared-tag@14:48-14:54:warning', 'quota-in-dpc@28:13-28:65:error', 'deprecated-allocator@28:13-28:65:note', 'paged-free-at-dispatch@31:22-31:52:error']) {
      assert.ok(summary.includes(s), `${s} missing from ${summary.join(', ')}`);
    }
    assert.equal(run.results[0].locations[0].physicalLocation.artifactLocation.uri, LEAKY);
    const shared = run.results.find((r) => r.ruleId === 'shared-tag')!;
    assert.deepEqual(
      shared.relatedLocations?.map((l) => [l.physicalLocation.region.startLine, l.physicalLocation.region.startColumn]),
      [[23, 49]],
    );
    assert.equal(run.invocations[0].executionSuccessful, true);
  });

  it('maps info to note, honours --rule, and reports an unreadable file as a tool notification', () => {
    const { status, log } = lintSarif([LEAKY, 'no/such/file.drvm', '--rule', 'quota-in-dpc=info', '--rule', 'shared-tag=off']);
    assert.equal(status, 2);
    const run = log.runs[0];
    assert.equal(run.results.find((r) => r.ruleId === 'quota-in-dpc')?.level, 'note');
    assert.equal(run.results.filter((r) => r.ruleId === 'shared-tag').length, 0);
    assert.equal(run.invocations[0].executionSuccessful, false);
    assert.equal(run.invocations[0].toolExecutionNotifications.length, 1);
  });

  it('rule descriptors carry their docs page: full description, help text and markdown, CodeQL-style properties', () => {
    const { log } = lintSarif([LEAKY]);
    const rules = (log.runs[0].tool.driver.rules as unknown as {
      id: string;
      fullDescription: { text: string };
      help: { text: string; markdown: string };
      properties: { tags: string[]; precision: string; kind: string };
    }[]);
    for (const r of rules) {
      const page = readFileSync(join(REPO, 'docs', 'rules', `${r.id}.md`), 'utf8');
      assert.ok(r.help.markdown.includes('## What it finds'), r.id);
      assert.ok(!r.help.markdown.startsWith('# '), `${r.id}: the page title is dropped`);
      assert.equal(r.help.text, r.help.markdown);
      assert.ok(r.fullDescription.text.length > 20, r.id);
      // The first words of "What it finds", markdown stripped.
      const finds = page.split('## What it finds')[1].trim().split(/\s+/).slice(0, 3).join(' ').replace(/[`*]/g, '');
      assert.ok(r.fullDescription.text.startsWith(finds), `${r.id}: '${r.fullDescription.text}' vs '${finds}'`);
      assert.ok(r.properties.tags.length > 0 && ['very-high', 'high', 'medium', 'low'].includes(r.properties.precision), r.id);
    }
    const leak = rules.find((r) => r.id === 'leak-at-unload')!;
    assert.deepEqual(leak.properties.tags, ['reliability', 'correctness', 'external/cwe/cwe-401']);
    assert.equal(rules.find((r) => r.id === 'unbalanced-allocation')!.properties.kind, 'path-problem');
    // Relative links of the page point into the repository on the web.
    assert.ok(!/\]\((?!https?:|#)/.test(rules.map((r) => r.help.markdown).join('\n')));
  });

  it('results carry a partial fingerprint, and a path finding its code flow: allocation → branch → exit', () => {
    const { log } = lintSarif([LEAKY]);
    const results = log.runs[0].results as unknown as {
      ruleId: string;
      partialFingerprints: Record<string, string>;
      codeFlows?: { threadFlows: { locations: { location: SarifLocation & { message: { text: string } } }[] }[] }[];
    }[];
    for (const r of results) assert.match(r.partialFingerprints['poolscopeFinding/v1'], /^[0-9a-f]{32}$/);
    assert.equal(new Set(results.map((r) => r.partialFingerprints['poolscopeFinding/v1'])).size, results.length);
    const leak = results.find((r) => r.ruleId === 'unbalanced-allocation')!;
    const steps = leak.codeFlows![0].threadFlows[0].locations.map((l) => [l.location.physicalLocation.region.startLine, l.location.message.text]);
    assert.deepEqual(steps, [
      [14, 'the block is allocated here'],
      [16, 'the path takes this branch: if (chance(2%))'],
      [17, 'the leaking path leaves ReadDispatch here'],
    ]);
    assert.equal(results.find((r) => r.ruleId === 'shared-tag')!.codeFlows, undefined);
  });

  it('keeps TOOL_VERSION equal to package.json', () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
    assert.equal(TOOL_VERSION, pkg.version);
  });
});
