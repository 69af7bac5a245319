// package.json's contributions against extension.md: the Pool Tracking container and its views,
// their welcome content, every command under "Pool", each setting's schema, trust and virtual
// workspace capabilities.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8'));
const c = pkg.contributes;

test('an activity bar container "Pool Tracking" holds the views Scenarios, Pool Used and Hit Tag', () => {
  const container = c.viewsContainers.activitybar.find((v: { title: string }) => v.title === 'Pool Tracking');
  assert.ok(container, 'the container is in the activity bar');
  assert.deepEqual(
    c.views[container.id].map((v: { id: string; name: string }) => [v.id, v.name]),
    [
      ['poolscope.scenarios', 'Scenarios'],
      ['poolscope.poolUsed', 'Pool Used'],
      ['poolscope.hitTag', 'Hit Tag'],
    ],
  );
});

test('each view has welcome content with a button that runs a scenario', () => {
  for (const view of ['poolscope.scenarios', 'poolscope.poolUsed', 'poolscope.hitTag']) {
    const welcome = c.viewsWelcome.find((w: { view: string }) => w.view === view);
    assert.ok(welcome, `${view} has welcome content`);
    // A line holding only a link is rendered as a button.
    assert.ok(welcome.contents.split('\n').includes('[Run Scenario…](command:poolscope.runScenario)'), welcome.contents);
  }
});

// Titles of the contract's commands: test/vscode/suite/commands.test.ts, against the real VS Code.
test('every contributed command is in the category "Pool"', () => {
  assert.ok(c.commands.length >= 9);
  for (const cmd of c.commands) assert.equal(cmd.category, 'Pool', cmd.command);
});

test('the Scenarios view runs a scenario from its row; Pool Used switches between paged and non-paged', () => {
  const inline = c.menus['view/item/context'].filter((m: { group: string; when: string }) => m.group.startsWith('inline') && m.when.includes('view == poolscope.scenarios'));
  assert.deepEqual(inline.map((m: { command: string }) => m.command), ['poolscope.runScenario', 'poolscope.runScenarioWithHitTag']);
  const title = c.menus['view/title'].filter((m: { when: string }) => m.when.includes('view == poolscope.poolUsed')).map((m: { command: string }) => m.command);
  assert.ok(title.includes('poolscope.poolUsed.showNonPaged') && title.includes('poolscope.poolUsed.showPaged'), JSON.stringify(title));
});

test('each setting has a description and a schema', () => {
  const props = c.configuration.properties;
  const expected: Record<string, string | string[]> = {
    'poolscope.rules': 'object',
    'poolscope.pooltagFile': ['string', 'null'],
    'poolscope.simulation.seed': 'integer',
    'poolscope.simulation.maxSteps': 'integer',
    'poolscope.simulation.lowResources': 'number',
    'poolscope.trace.server': 'string',
  };
  assert.deepEqual(Object.keys(props).sort(), Object.keys(expected).sort());
  for (const [name, type] of Object.entries(expected)) {
    const p = props[name];
    assert.deepEqual(p.type, type, name);
    assert.ok((p.description ?? p.markdownDescription ?? '').length > 20, `${name} is described`);
    assert.ok('default' in p, `${name} has a default`);
  }
  assert.deepEqual(props['poolscope.trace.server'].enum, ['off', 'messages', 'verbose']);
  assert.deepEqual([props['poolscope.simulation.lowResources'].minimum, props['poolscope.simulation.lowResources'].maximum], [0, 100]);
  assert.equal(props['poolscope.simulation.maxSteps'].minimum, 1);
  assert.equal(props['poolscope.rules'].additionalProperties, false);
  for (const [rule, schema] of Object.entries<{ enum: string[] }>(props['poolscope.rules'].properties)) {
    assert.deepEqual(schema.enum, ['off', 'hint', 'info', 'warning', 'error'], rule);
  }
});

test('untrusted and virtual workspaces are declared: limited, pooltagFile restricted', () => {
  assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
  assert.deepEqual(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations, ['poolscope.pooltagFile']);
  assert.ok(pkg.capabilities.untrustedWorkspaces.description.length > 20);
  assert.equal(pkg.capabilities.virtualWorkspaces.supported, 'limited');
  assert.ok(pkg.capabilities.virtualWorkspaces.description.length > 20);
});
