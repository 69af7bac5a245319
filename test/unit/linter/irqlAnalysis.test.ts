import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeProgram, chainText } from '../../../server/src/core/analysis/irql';
import { check } from '../../../server/src/core/checker';
import { parse } from '../../../server/src/core/parser';
import { leakyText, script } from './helpers';

function model(text: string) {
  const { script: s } = parse(text);
  return analyzeProgram(s, check(s).symbols);
}

function contextsOf(text: string, routine: string) {
  const m = model(text);
  const r = m.script.routines.find((x) => x.name.name === routine)!;
  return (m.contexts.get(r) ?? []).map((c) => ({
    chain: chainText(c),
    dispatch: c.entryDispatch?.kind,
    arbitrary: c.arbitraryProcess?.kind,
  }));
}

describe('IRQL and context analysis', () => {
  it('gives each routine kind its IRQL and process context', () => {
    const text = leakyText();
    assert.deepEqual(contextsOf(text, 'TimerDpc'), [{ chain: 'TimerDpc', dispatch: 'routine', arbitrary: 'dpc' }]);
    assert.deepEqual(contextsOf(text, 'ReadDispatch'), [{ chain: 'ReadDispatch', dispatch: undefined, arbitrary: undefined }]);
  });

  it('finds each distinct way a helper runs (IRQL x process), with the shortest chain for each', () => {
    const text = script(
      'dispatch IRP_MJ_READ R { A(); KeAcquireSpinLock(L); B(); KeReleaseSpinLock(L); }',
      'dpc D { A(); }',
      'routine A { B(); }',
      'routine B { }',
      'routine Orphan { B(); }',
    );
    assert.deepEqual(contextsOf(text, 'B'), [
      { chain: 'R → B', dispatch: 'spinLock', arbitrary: undefined },
      // PASSIVE_LEVEL in the caller's process: Orphan → B is found before R → A → B.
      { chain: 'Orphan → B', dispatch: undefined, arbitrary: undefined },
      { chain: 'D → A → B', dispatch: 'routine', arbitrary: 'dpc' },
    ]);
  });

  it('treats a helper handed to KeInsertQueueDpc as running in DPC context', () => {
    const text = script('dispatch IRP_MJ_READ R { KeInsertQueueDpc(NotADpc); }', 'routine NotADpc { }');
    assert.deepEqual(contextsOf(text, 'NotADpc'), [{ chain: 'NotADpc', dispatch: 'routine', arbitrary: 'dpc' }]);
  });

  it('tracks which allocations globals, lists and parameters may hold', () => {
    const text = script(
      'global g;',
      'list q;',
      "entry E { a = ExAllocatePoolWithTag(PagedPool, 8, 'Aa  '); g = a; b = ExAllocatePool2(POOL_FLAG_NON_PAGED, 8, 'Bb  '); push q, b; H(b); }",
      'routine H(p) { }',
    );
    const m = model(text);
    const tags = (s: ReadonlySet<{ tag: string | undefined }> | undefined) => [...(s ?? [])].map((x) => x.tag).sort();
    assert.deepEqual(tags(m.globalSites.get('g')), ['Aa  ']);
    assert.deepEqual(tags(m.listSites.get('q')), ['Bb  ']);
    assert.deepEqual(m.sites.map((s) => [s.tag, s.pool]), [
      ['Aa  ', 'paged'],
      ['Bb  ', 'nonPaged'],
    ]);
    const call = m.calls.find((c) => c.call.callee.name === 'H')!;
    assert.deepEqual(tags(call.argSites[0]), ['Bb  ']);
  });

  it('terminates on recursive helpers', () => {
    const text = script('dpc D { A(); }', 'routine A { B(); }', 'routine B { A(); }');
    assert.deepEqual(contextsOf(text, 'A').map((c) => c.chain), ['D → A']);
    assert.deepEqual(contextsOf(text, 'B').map((c) => c.chain), ['D → A → B']);
  });
});
