/**
 * The program model under the ownership rules: helper summaries (what each routine does with
 * its parameters on its non-NULL paths, what it allocates, which lists it drains) and the
 * contents of globals and lists.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ownershipModel } from '../../../server/src/core/analysis/program';
import { paramEffect, type RoutineSummary } from '../../../server/src/core/analysis/ownership';
import { parse } from '../../../server/src/core/parser';

function summaries(text: string): Map<string, RoutineSummary> {
  const { script } = parse(text);
  const model = ownershipModel(script, text);
  return new Map([...model.summaries].map(([r, s]) => [r.name.name, s]));
}

const TEXT = [
  'global g;',
  'list L, M;',
  'routine Frees(x) { if (x == NULL) return; ExFreePool(x); }',
  'routine FreesUnchecked(x) { ExFreePoolWithTag(x, \'Tag1\'); }',
  'routine Stores(x) { push L, x; }',
  'routine Keeps(x, y) { if (chance(50%)) ExFreePool(x); g = y; }',
  'routine Either(x) { if (chance(50%)) { ExFreePool(x); } else { push M, x; } }',
  'routine Nested(x) { Frees(x); }',
  'routine ViaWork(w) { IoQueueWorkItem(w, Work); }',
  'workitem Work(w) { IoFreeWorkItem(w); }',
  'routine Recurse(x) { Recurse(x); }',
  'routine Unlocks(m) { MmUnlockPages(m); IoFreeMdl(m); }',
  "dispatch IRP_MJ_READ R { a = ExAllocatePool2(POOL_FLAG_NON_PAGED, 8, 'Tag1'); Frees(a); b = IoAllocateMdl(x, 10); Unlocks(b); }",
  "dispatch IRP_MJ_CLEANUP C { foreach p in L { ExFreePool(p); } q = pop M; if (q != NULL) push M, q; }",
  '',
].join('\n');

describe('ownership model: helper summaries', () => {
  const s = summaries(TEXT);
  const effect = (routine: string, i = 0): string => paramEffect(s.get(routine)!.params[i]);

  it('what a helper does with each parameter on its non-NULL paths', () => {
    assert.equal(effect('Frees'), 'frees');
    assert.equal(effect('FreesUnchecked'), 'frees');
    assert.equal(effect('Stores'), 'stores');
    assert.equal(effect('Keeps', 0), 'keeps');
    assert.equal(effect('Keeps', 1), 'stores');
    assert.equal(effect('Either'), 'consumes');
    assert.equal(effect('Nested'), 'frees');
    assert.equal(effect('ViaWork'), 'frees');
    assert.equal(effect('Work'), 'frees');
    assert.equal(effect('Unlocks'), 'frees');
    assert.deepEqual([...s.get('Unlocks')!.params[0].fates], ['freed|u']);
  });

  it('recursion gets a conservative summary and does not loop', () => {
    assert.equal(effect('Recurse'), 'stores');
  });

  it('the release calls applied to a parameter, for tag and API checks at each call site', () => {
    const frees = s.get('FreesUnchecked')!.params[0].frees;
    assert.deepEqual(frees.map((f) => [f.api.name, f.tag, f.call.range.start.line]), [['ExFreePoolWithTag', 'Tag1', 4]]);
    const nested = s.get('Nested')!.params[0].frees;
    assert.deepEqual(nested.map((f) => [f.api.name, f.chain.map((c) => c.callee.name)]), [['ExFreePool', ['Frees']]]);
  });

  it('what a routine allocates, and which lists it drains', () => {
    assert.deepEqual(s.get('R')!.allocates.map((a) => [a.api.name, a.block, a.tag, a.variable]), [
      ['ExAllocatePool2', 'pool', 'Tag1', 'a'],
      ['IoAllocateMdl', 'mdl', 'Mdl ', 'b'],
    ]);
    assert.deepEqual([...s.get('C')!.drains], ['L']);
  });

  it('the contents of globals and lists: every allocation site stored there', () => {
    const text = [
      'global g;',
      'list L;',
      "entry E { g = ExAllocatePool2(POOL_FLAG_NON_PAGED, 8, 'Glob'); }",
      "dispatch IRP_MJ_READ R { a = ExAllocatePool2(POOL_FLAG_NON_PAGED, 8, 'Lst1'); if (a != NULL) push L, a; }",
      "routine Park(x) { push L, x; }",
      "dispatch IRP_MJ_WRITE W { b = ExAllocatePool2(POOL_FLAG_NON_PAGED, 8, 'Lst2'); Park(b); push L, g; }",
      '',
    ].join('\n');
    const { script } = parse(text);
    const model = ownershipModel(script, text);
    const tags = (k: string): string[] => [...(model.contents.get(k) ?? [])].map((site) => site.tag!).sort();
    assert.deepEqual(tags('global:g'), ['Glob']);
    assert.deepEqual(tags('list:L'), ['Glob', 'Lst1', 'Lst2']);
  });
});
