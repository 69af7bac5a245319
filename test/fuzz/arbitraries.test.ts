/**
 * The generators themselves: a property test proves only what its input reaches. These checks
 * fail when the API table, the IRP_MJ codes or the grammar grow and the generator does not.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { API_NAMES, anyScriptArb, scriptArb } from './arbitraries';
import { DEFAULT_SEED, fixtureTexts } from './config';

describe('fuzz generators', () => {
  const scripts = fc.sample(scriptArb({ depth: 2, maxStatements: 3 }), { seed: DEFAULT_SEED, numRuns: 2_000 });

  it('generated scripts call every API of the table', () => {
    const missing = API_NAMES.filter((api) => !scripts.some((s) => new RegExp(`\\b${api}\\(`).test(s)));
    assert.deepEqual(missing, []);
  });

  it('generated scripts use every routine kind, statement form and scenario step', () => {
    const forms: Record<string, RegExp> = {
      entry: /^entry /m,
      unload: /^unload /m,
      dispatch: /^dispatch IRP_MJ_/m,
      dpc: /^dpc /m,
      completion: /^completion /m,
      workitem: /^workitem /m,
      helper: /^routine H\d/m,
      params: /^routine H\d\(p/m,
      push: /\bpush g_/,
      pop: /= pop g_/,
      foreach: /\bforeach \w+ in g_/,
      'if-null': /if \(\w+ [!=]= NULL\)/,
      else: /\belse\b/,
      chance: /chance\(\d+(\.\d+)?%\)/,
      repeat: /^\s+repeat \d+ \{/m,
      return: /\breturn;/,
      block: /^\s+\{$/m,
      'flags |': /POOL_FLAG_\w+ \| POOL_FLAG_/,
      'step load': /^\s+load;/m,
      'step unload': /^\s+unload;$/m,
      'step irp': /\birp IRP_MJ_\w+;/,
      'step dpc': /\bdpc TimerDpc;/,
      'step workitem': /\bworkitem Worker;/,
      'step call': /\bcall H\d;/,
      'step repeat': /repeat \d+ \{ [a-z]/,
      'step process': /process "[^"]+" \{/,
      'step snapshot': /snapshot( "[^"]*")?;/,
      'step hittag': /hittag '[^']+';/,
      'step hittag off': /hittag off;/,
      'scenario string name': /^scenario "/m,
    };
    const missing = Object.entries(forms)
      .filter(([, re]) => !scripts.some((s) => re.test(s)))
      .map(([name]) => name);
    assert.deepEqual(missing, []);
  });

  it('the mixed arbitrary yields valid, damaged and binary inputs', () => {
    const xs = fc.sample(anyScriptArb(fixtureTexts(), { depth: 2, maxStatements: 3 }), { seed: DEFAULT_SEED, numRuns: 1_000 });
    assert.ok(xs.some((x) => x.includes('\ufffd')), 'some byte-level damage decoded as U+FFFD');
    assert.ok(xs.some((x) => /^driver |^global /m.test(x)));
    assert.ok(new Set(xs).size > 900, 'inputs are varied');
  });
});
