// Systematic low-resources runs: fail the 1st, 2nd, … allocation in turn.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check } from '../../../server/src/core/checker';
import { parse } from '../../../server/src/core/parser';
import { sweepAllocationFailures } from '../../../server/src/core/simulator';
import { frames, run } from './helpers';

const src = `driver "Err.sys";
dispatch IRP_MJ_READ Read {
    a = ExAllocatePool2(POOL_FLAG_NON_PAGED, 16, 'AAAA');
    b = ExAllocatePool2(POOL_FLAG_NON_PAGED, 16, 'BBBB');
    if (b == NULL) return;
    ExFreePool(b);
    ExFreePool(a);
    c = ExAllocatePool2(POOL_FLAG_NON_PAGED | POOL_FLAG_RAISE_ON_FAILURE, 16, 'CCCC');
    ExFreePool(c);
}
scenario s { irp IRP_MJ_READ; }
`;

test('failAllocation fails exactly the Nth allocation that can fail', () => {
  const r = run(src, { failAllocation: 2 });
  assert.equal(r.bugcheck, null);
  assert.deepEqual(r.outstanding.map((o) => o.tag), ['AAAA']);
});

test('the sweep finds the error path that leaks and the one that bug-checks', () => {
  const { script } = parse(src);
  const { symbols } = check(script);
  const sweep = sweepAllocationFailures(script, symbols, { file: 'err.drvm' });
  assert.equal(sweep.allocations, 2);
  assert.deepEqual(sweep.baseline, { bugcheck: null, outstanding: 0 });
  assert.equal(sweep.truncated, false);
  assert.deepEqual(
    sweep.runs.map((o) => [o.allocation, o.tag, o.site.line, o.bugcheck && `${o.bugcheck.code}/${o.bugcheck.subcode}`, o.outstanding, o.differs]),
    [
      // 'AAAA' fails: the unchecked ExFreePool(a) frees NULL.
      [1, 'AAAA', 3, '0xC2/0x99', 0, true],
      // 'BBBB' fails: the early return loses 'AAAA'.
      [2, 'BBBB', 4, null, 1, true],
    ],
  );
  assert.deepEqual(frames(sweep.runs[0].stack), ['Err!Read:3', 'nt!IofCallDriver', 'nt!NtReadFile']);
  assert.equal(sweepAllocationFailures(script, symbols, {}, 1).truncated, true);
});
