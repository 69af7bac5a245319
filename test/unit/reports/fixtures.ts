/**
 * Hand-made simulation results for the report tests (the simulator is tested elsewhere; these
 * fix the inputs so every expected line below can be checked by hand).
 */
import type { BugCheck, OutstandingBlock, PoolUsedRow, SimulationResult } from '../../../server/src/core/simulator/result';

export function row(tag: string, np: [number, number, number, number], p: [number, number, number, number]): PoolUsedRow {
  return {
    tag,
    nonPaged: { allocs: np[0], frees: np[1], diff: np[2], used: np[3] },
    paged: { allocs: p[0], frees: p[1], diff: p[2], used: p[3] },
  };
}

export const readBlock: OutstandingBlock = {
  address: 'ffffc000`00012340',
  tag: 'Abc ',
  pool: 'PagedPool',
  size: 4096,
  kind: 'pool',
  site: { line: 9, column: 11 },
  stack: [{ frame: 'Leaky!ReadDispatch', line: 9, column: 11 }, { frame: 'nt!IofCallDriver' }, { frame: 'nt!NtReadFile' }],
  step: 7,
};

/** Allocated in a helper called from ReadDispatch: the innermost driver frame is the helper. */
export const helperBlock: OutstandingBlock = {
  address: 'ffffc000`00013350',
  tag: 'Abc ',
  pool: 'PagedPool',
  size: 0x200,
  kind: 'pool',
  site: { line: 40, column: 9 },
  stack: [
    { frame: 'Leaky!AllocHelper', line: 40, column: 9 },
    { frame: 'Leaky!ReadDispatch', line: 12, column: 5 },
    { frame: 'nt!IofCallDriver' },
    { frame: 'nt!NtReadFile' },
  ],
};

export const ctxBlock: OutstandingBlock = {
  address: 'ffffc000`00011000',
  tag: 'Ctx ',
  pool: 'NonPagedPool',
  size: 0x200,
  kind: 'pool',
  site: { line: 10, column: 13 },
  stack: [{ frame: 'Leaky!DriverEntry', line: 10, column: 13 }, { frame: 'nt!IopLoadDriver' }],
};

export const leakBugCheck: BugCheck = {
  code: '0xC4',
  name: 'DRIVER_VERIFIER_DETECTED_VIOLATION',
  params: ['0x62', '0xffffc00000001000', '0xffffc00000002000', '0x3'],
  description:
    'The driver unloaded while it still owned 3 pool allocations. Driver Verifier Pool Tracking checks at unload that every allocation the driver made has been freed.',
  step: 1012,
  stack: [{ frame: 'nt!VfPoolCheckForLeaks' }, { frame: 'Leaky!DriverUnload', line: 36 }, { frame: 'nt!IopUnloadDriver' }],
  culprits: [readBlock, helperBlock, ctxBlock],
};

export const dpcQuotaBugCheck: BugCheck = {
  code: '0xC4',
  name: 'DRIVER_VERIFIER_DETECTED_VIOLATION',
  params: ['0x10B', '0x0', '0x0', '0x0'],
  description: 'A quota allocation was made from a DPC routine.',
  step: 2,
  stack: [
    { frame: 'nt!ExAllocatePoolWithQuotaTag' },
    { frame: 'Leaky!TimerDpc', line: 28, column: 13 },
    { frame: 'nt!KiExecuteAllDpcs' },
    { frame: 'nt!KiRetireDpcList' },
  ],
  culprits: [{ site: { line: 28, column: 13 }, stack: [{ frame: 'Leaky!TimerDpc', line: 28, column: 13 }], tag: 'Tron' }],
};

export function leakyResult(overrides: Partial<SimulationResult> = {}): SimulationResult {
  return {
    driver: 'Leaky.sys',
    scenario: 'steady_reads',
    seed: 1,
    steps: 1012,
    allocations: 1103,
    frees: 1100,
    bugcheck: leakBugCheck,
    poolused: [
      row('Tron', [1, 1, 0, 0], [0, 0, 0, 0]),
      row('Abc ', [0, 0, 0, 0], [1100, 1098, 2, 4608]),
      row('Ctx ', [1, 0, 1, 512], [0, 0, 0, 0]),
    ],
    outstanding: [readBlock, helperBlock, ctxBlock],
    quota: [{ process: 'app.exe', nonPaged: 64, paged: 0 }],
    hits: [
      {
        event: 'alloc',
        tag: 'Abc ',
        address: 'ffffc000`00012340',
        size: 4096,
        pool: 'PagedPool',
        stack: [
          { frame: 'nt!ExAllocatePoolWithTag' },
          { frame: 'Leaky!ReadDispatch', line: 9, column: 11 },
          { frame: 'nt!IofCallDriver' },
          { frame: 'nt!NtReadFile' },
        ],
      },
      {
        event: 'free',
        tag: 'Abc ',
        address: 'ffffc000`00012340',
        size: 4096,
        pool: 'PagedPool',
        stack: [{ frame: 'nt!ExFreePoolWithTag' }, { frame: 'Leaky!DriverUnload', line: 35 }, { frame: 'nt!IopUnloadDriver' }],
      },
    ],
    hitsDropped: 0,
    timeline: [
      { step: 1, label: 'load', paged: 0, nonPaged: 512, tags: { 'Ctx ': { paged: 0, nonPaged: 512 } } },
      {
        step: 500,
        label: null,
        paged: 40960,
        nonPaged: 576,
        tags: { 'Abc ': { paged: 40960, nonPaged: 0 }, 'Ctx ': { paged: 0, nonPaged: 512 }, Tron: { paged: 0, nonPaged: 64 } },
      },
    ],
    hitTag: 'Abc ',
    ...overrides,
  };
}
