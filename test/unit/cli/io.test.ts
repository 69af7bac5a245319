import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { escapeControlCharacters } from '../../../server/src/cli/io';

const ROOT = join(__dirname, '..', '..', '..');

test('control characters from scripts are shown as \\xNN, tab and newline kept', () => {
  assert.equal(escapeControlCharacters('Evil\x1b[31mRED\x07.sys\tok\n'), 'Evil\\x1b[31mRED\\x07.sys\tok\n');
  assert.equal(escapeControlCharacters('\x00\x7f\x9b'), '\\x00\\x7f\\x9b');
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
  assert.ok(r.stdout.includes('Evil\\x1b[31mRED\\x07.sys'), r.stdout.slice(0, 400));
  assert.ok(!/[\x1b\x07]/.test(r.stdout), 'no raw ESC or BEL on stdout');
});
