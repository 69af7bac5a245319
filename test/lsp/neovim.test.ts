// A second real LSP client: headless Neovim drives `node bin/poolscope.js lsp --stdio` through a
// small Lua script and prints what vim.diagnostic.get() holds. Needs `nvim` (CI installs it);
// without it the test fails in CI (CI=true) and is skipped locally with a message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LEAKY_PATH, ROOT, positionOf, LEAKY_TEXT } from './client';

function hasNvim(): boolean {
  return spawnSync('nvim', ['--version'], { encoding: 'utf8' }).status === 0;
}

test('Neovim (headless) gets the same diagnostics and hover over stdio', (t) => {
  if (!hasNvim()) {
    if (process.env.CI === 'true') assert.fail('nvim is not installed: CI must install neovim (see .ci/run)');
    return t.skip('nvim not found: install neovim to run the second-client test (apt-get install -y neovim)');
  }
  const out = join(mkdtempSync(join(tmpdir(), 'poolscope-nvim-')), 'result.json');
  const r = spawnSync('nvim', ['--headless', '-n', '-i', 'NONE', '-u', 'NONE', '-c', `luafile ${join(ROOT, 'test/lsp/nvim/client.lua')}`], {
    cwd: ROOT,
    env: { ...process.env, POOLSCOPE_ROOT: ROOT, DRVM_FILE: LEAKY_PATH, OUT_FILE: out },
    encoding: 'utf8',
    timeout: 60000,
  });
  assert.ok(existsSync(out), `nvim wrote no result (status ${r.status}): ${r.stderr}`);
  const result = JSON.parse(readFileSync(out, 'utf8')) as {
    ok: boolean;
    error?: string;
    hover?: string;
    diagnostics: Array<{ code: string; lnum: number; source: string; severity: number }>;
  };
  assert.equal(result.error, undefined);
  assert.equal(result.ok, true, 'diagnostics arrived');
  const pairs = result.diagnostics.map((d) => `${d.code}@${d.lnum}`);
  const at = (needle: string) => positionOf(LEAKY_TEXT, needle).line;
  for (const expected of [
    `shared-tag@${at("ExAllocatePoolWithTag(PagedPool, 4K, 'Abc ')")}`,
    `shared-tag@${at("ExAllocatePoolWithTag(PagedPool, 512, 'Abc ')")}`,
    `quota-in-dpc@${at('ExAllocatePoolWithQuotaTag(')}`,
    `paged-free-at-dispatch@${at("if (buf != NULL) ExFreePoolWithTag(buf, 'Abc ')")}`,
  ]) {
    assert.ok(pairs.includes(expected), `${expected} not in ${pairs.join(', ')}`);
  }
  assert.ok(result.diagnostics.every((d) => d.source === 'poolscope'));
  // vim.diagnostic severities: 1 = ERROR, 2 = WARN.
  assert.equal(result.diagnostics.find((d) => d.code === 'quota-in-dpc')?.severity, 1);
  assert.ok(result.hover?.includes('ed nt!poolhittag 0x6e6f7254'), `hover: ${result.hover}`);
});
