/**
 * Models of real drivers from microsoft/Windows-driver-samples (test/fixtures/drivers; each
 * modelled call names its source file and line): the correct models must lint clean of the
 * ownership rules, and the deliberately broken variants must show exactly their bugs.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { lint } from '../../../server/src/core/linter';
import { simulate } from '../../../server/src/core/simulator/index';
import { allFindings, locate } from './ownershipHelpers';

const DIR = join(__dirname, '..', '..', 'fixtures', 'drivers');
const read = (name: string): string => readFileSync(join(DIR, name), 'utf8');
const everything = (text: string): string[] =>
  lint(text).diagnostics.map((d) => `${d.rule} ${d.range.start.line}:${d.range.start.column}`);
const at = (text: string, needle: string, n = 1): string => locate(text, needle, n).join(':');

describe('real drivers (Windows-driver-samples models)', () => {
  it('general/ioctl sioctl.c: MDLs probed, locked, unlocked and freed on every path — nothing to report', () => {
    const text = read('sioctl.drvm');
    assert.deepEqual(allFindings(text), []);
    assert.deepEqual(everything(text), []);
  });

  it('general/cancel cancel.c: per-open context allocated at CREATE, freed at CLOSE — nothing to report', () => {
    const text = read('cancel.drvm');
    assert.deepEqual(allFindings(text), []);
    assert.deepEqual(everything(text), []);
  });

  it('general/event event.c: records freed by the DPC, the cancel routine or CLEANUP — only the shared TAG', () => {
    const text = read('event.drvm');
    assert.deepEqual(allFindings(text), []);
    const tagOf = (n: number): string => {
      const [line, column] = locate(text, "64, 'EVET'", n);
      return `${line}:${column + 4}`;
    };
    assert.deepEqual(everything(text), [`shared-tag ${tagOf(1)}`, `shared-tag ${tagOf(2)}`]);
  });

  it('sioctl, broken: ExFreePool on an MDL and a locked MDL freed without MmUnlockPages', () => {
    const text = read('sioctl-broken.drvm');
    assert.deepEqual(allFindings(text).sort(), [
      `locked-pages-leak ${at(text, 'MmProbeAndLockPages(mdl)', 2)}`,
      `mismatched-free ${at(text, 'ExFreePool(mdl)')}`,
    ]);
  });

  it('event, broken: reversed tag in the DPC, a lost record on an error path, a queue nobody drains', () => {
    const text = read('event-broken.drvm');
    const alloc1 = at(text, 'ExAllocatePoolQuotaZero');
    const alloc2 = at(text, 'ExAllocatePoolQuotaZero', 2);
    assert.deepEqual(allFindings(text).sort(), [
      `free-tag-mismatch ${at(text, "ExFreePoolWithTag(notifyRecord, 'TEVE')")}`,
      `leak-at-unload ${alloc1}`,
      `leak-at-unload ${alloc2}`,
      `unbalanced-allocation ${alloc2}`,
    ]);
    const tag = lint(text).diagnostics.find((d) => d.rule === 'free-tag-mismatch');
    assert.match(tag!.message, /'TEVE'.*'EVET'.*0xC2 \/ 0x0A/);
  });

  it('the linter and the simulator agree: the correct models run clean, the broken ones hit the predicted bug checks', () => {
    const run = (name: string): string | null => {
      const r = lint(read(name));
      const b = simulate(r.script, r.symbols, { file: name }).bugcheck;
      return b ? `${b.code} ${b.params[0]}` : null;
    };
    assert.equal(run('sioctl.drvm'), null);
    assert.equal(run('cancel.drvm'), null);
    assert.equal(run('event.drvm'), null);
    // mismatched-free predicts 0xC2 / 0x99; free-tag-mismatch predicts 0xC2 / 0x0A.
    assert.equal(run('sioctl-broken.drvm'), '0xC2 0x99');
    assert.equal(run('event-broken.drvm'), '0xC2 0x0A');
  });
});
