import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { escapeControlCharacters } from '../../../server/src/cli/io';

const ROOT = join(__dirname, '..', '..', '..');

test('control characters from scripts are shown as \\uNNNN, tab and newline kept', () => {
  assert.equal(escapeControlCharacters('Evil\x1b[31mRED\x07.sys\tok\n'), 'Evil\\u001b[31mRED\\u0007.sys\tok\n');
  assert.equal(escapeControlCharacters('\x00\x7f\x9b'), '\\u0000\\u007f\\u009b');
  assert.equal(escapeControlCharacters("plain 'Abc ' <script>"), "plain 'Abc ' <script>");
});

test('a driver name with terminal escapes reaches the terminal as inert text (simulate text report)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'poolscope-io-'));
  const file = join(dir, 'evil.drvm');
  writeFileSync(file, 'driver "Evil\x1b[31mRED\x07.sys";\nentry E { p = ExAllocatePool2(POOL_FLAG_NON_PAGED, 16, \'Abcd\'); }\nscenario s { load; unload; }\n');
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'server/src/cli/main.ts'), 'simulate', file], {
    encoding: 'utf8',
    env: { ...process.env, POOLSCOPE_CLI_MAIN: '1' },
  });
  assert.equal(r.status, 1, r.stderr);
  assert.ok(r.stdout.includes('Evil\\u001b[31mRED\\u0007.sys'), r.stdout.slice(0, 400));
  assert.ok(!/[\x1b\x07]/.test(r.stdout), 'no raw ESC or BEL on stdout');
});

test('JSON output stays valid and exact with DEL and C1 characters in a name', () => {
  const dir = mkdtempSync(join(tmpdir(), 'poolscope-io-'));
  const file = join(dir, 'c1.drvm');
  writeFileSync(file, 'driver "A\x7fB\x9bC.sys";\nentry E { }\nscenario s { load; }\n');
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'server/src/cli/main.ts'), 'simulate', file, '--json'], {
    encoding: 'utf8',
    env: { ...process.env, POOLSCOPE_CLI_MAIN: '1' },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).driver, 'A\x7fB\x9bC.sys');
});
