import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lockedPagesLeak as RULE } from '../../../server/src/core/rules/lockedPagesLeak';
import { at, run, script } from './ownershipHelpers';

describe('locked-pages-leak', () => {
  it('IoFreeMdl does not unlock: reported on MmProbeAndLockPages, predicting 0xCB', () => {
    const text = script(
      'dispatch IRP_MJ_READ R {',
      '    m = IoAllocateMdl(buffer, 8192);',
      '    if (m == NULL) return;',
      '    MmProbeAndLockPages(m);',
      '    IoFreeMdl(m);',
      '}',
    );
    const found = run(text, RULE);
    assert.deepEqual(found.map((d) => [d.range.start.line, d.range.start.column, d.severity]), [[4, 5, 'warning']]);
    assert.match(found[0].message, /0xCB/);
    assert.match(found[0].message, /MmUnlockPages/);
    assert.deepEqual(found[0].related?.map((r) => r.range.start.line), [6]);
  });

  it('unlocked on only some paths', () => {
    const text = script(
      'dispatch IRP_MJ_READ R {',
      '    m = IoAllocateMdl(buffer, 8192);',
      '    if (m == NULL) return;',
      '    MmProbeAndLockPages(m);',
      '    if (chance(3%)) {',
      '        IoFreeMdl(m);',
      '        return;',
      '    }',
      '    MmUnlockPages(m);',
      '    IoFreeMdl(m);',
      '}',
    );
    const found = run(text, RULE);
    assert.deepEqual(found.map((d) => [d.range.start.line, d.range.start.column]), [[4, 5]]);
    assert.match(found[0].message, /line 7/);
  });

  it('MDLs unlocked then freed, kept in a global or list, or unlocked by a helper are fine', () => {
    const text = script(
      'global g_Mdl;',
      'list g_Locked;',
      'routine Unlock(x) { MmUnlockPages(x); IoFreeMdl(x); }',
      'dispatch IRP_MJ_READ R {',
      '    a = IoAllocateMdl(buffer, 4096);',
      '    if (a == NULL) return;',
      '    MmProbeAndLockPages(a);',
      '    MmUnlockPages(a);',
      '    IoFreeMdl(a);',
      '    b = IoAllocateMdl(buffer, 4096);',
      '    if (b == NULL) return;',
      '    MmProbeAndLockPages(b);',
      '    g_Mdl = b;',
      '    c = IoAllocateMdl(buffer, 4096);',
      '    if (c == NULL) return;',
      '    MmProbeAndLockPages(c);',
      '    push g_Locked, c;',
      '    d = IoAllocateMdl(buffer, 4096);',
      '    if (d == NULL) return;',
      '    MmProbeAndLockPages(d);',
      '    Unlock(d);',
      '}',
    );
    assert.deepEqual(at(text, RULE), []);
  });

  it('a helper that locks its parameter: the caller must unlock, the finding sits on the helper lock call', () => {
    const text = script(
      'routine Lock(x) { MmProbeAndLockPages(x); }',
      'dispatch IRP_MJ_READ R {',
      '    m = IoAllocateMdl(buffer, 4096);',
      '    if (m == NULL) return;',
      '    Lock(m);',
      '    IoFreeMdl(m);',
      '}',
    );
    assert.deepEqual(at(text, RULE), [[1, 19]]);
  });

  it('an MDL parked locked in a list must be unlocked by whoever takes it out', () => {
    const text = script(
      'list g_Requests;',
      'global g_Mdl;',
      'dispatch IRP_MJ_READ R {',
      '    m = IoAllocateMdl(buffer, 4096);',
      '    if (m == NULL) return;',
      '    MmProbeAndLockPages(m);',
      '    push g_Requests, m;',
      '    n = IoAllocateMdl(buffer, 4096);',
      '    if (n == NULL) return;',
      '    MmProbeAndLockPages(n);',
      '    g_Mdl = n;',
      '}',
      'dpc Good {',
      '    m = pop g_Requests;',
      '    if (m == NULL) return;',
      '    MmUnlockPages(m);',
      '    IoFreeMdl(m);',
      '}',
      'dispatch IRP_MJ_CLEANUP Cleanup {',
      '    foreach m in g_Requests { IoFreeMdl(m); }',
      '    if (g_Mdl != NULL) IoFreeMdl(g_Mdl);',
      '}',
    );
    const found = run(text, RULE);
    assert.deepEqual(found.map((d) => [d.range.start.line, d.range.start.column]), [
      [6, 5],
      [10, 5],
    ]);
    assert.match(found[0].message, /Cleanup takes the MDL out of list 'g_Requests'/);
    assert.match(found[1].message, /Cleanup takes the MDL out of global 'g_Mdl'/);
    const fixed = text
      .replace('foreach m in g_Requests { IoFreeMdl(m); }', 'foreach m in g_Requests { MmUnlockPages(m); IoFreeMdl(m); }')
      .replace('if (g_Mdl != NULL) IoFreeMdl(g_Mdl);', 'if (g_Mdl != NULL) { MmUnlockPages(g_Mdl); IoFreeMdl(g_Mdl); }');
    assert.deepEqual(at(fixed, RULE), []);
  });
});
