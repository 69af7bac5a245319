import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RULE_META } from '../../../server/src/core/rules/meta';
import { REPO } from './helpers';

const DOCS = join(REPO, 'docs', 'rules');

describe('docs/rules', () => {
  it('the index lists every rule with its default severity and a link to its page', () => {
    const index = readFileSync(join(DOCS, 'README.md'), 'utf8');
    for (const m of RULE_META) {
      const row = new RegExp(`^\\| \\[${m.name}\\]\\(${m.name}\\.md\\) \\| ${m.defaultSeverity} \\|`, 'm');
      assert.match(index, row, `no index row for ${m.name} (${m.defaultSeverity})`);
      assert.ok(existsSync(join(DOCS, `${m.name}.md`)), `docs/rules/${m.name}.md missing`);
    }
  });

  it('each page of the context, tag and structural rules states its severity, a bad and a good example, and how to silence it', () => {
    const pages = [
      'quota-in-dpc', 'paged-at-dispatch', 'paged-free-at-dispatch', 'shared-tag', 'untagged-allocation', 'deprecated-allocator',
      'syntax-error', 'unknown-name', 'duplicate-name', 'wrong-kind', 'invalid-tag', 'short-tag', 'unknown-rule', 'bad-argument',
    ];
    for (const name of pages) {
      const path = join(DOCS, `${name}.md`);
      assert.ok(existsSync(path), `${path} missing`);
      const text = readFileSync(path, 'utf8');
      const meta = RULE_META.find((m) => m.name === name)!;
      assert.ok(text.startsWith(`# ${name}\n`), name);
      assert.match(text, new RegExp(`\\*\\*Default severity:\\*\\* ${meta.defaultSeverity}`), name);
      assert.match(text, /^## Bad/m, name);
      assert.match(text, /^## Good/m, name);
      assert.match(text, /^## Silence it/m, name);
    }
  });
});
