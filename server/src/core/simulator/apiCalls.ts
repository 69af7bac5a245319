/**
 * What each API call of the language does when it runs (language.md, "The API set of v1"),
 * compiled once per call site: allocations and releases go to the pool operations (poolOps.ts),
 * the rest changes the machine — queued work, IRQL, completion routines, MDL page locks.
 *
 * Windows behaviour modelled (Microsoft Learn):
 * - KeInsertQueueDpc queues a DPC at most once (returns FALSE when it is already queued):
 *   https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-keinsertqueuedpc
 * - IoQueueWorkItem / ExQueueWorkItem: the routine runs later on a system worker thread at
 *   PASSIVE_LEVEL: https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-ioqueueworkitem,
 *   https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-exqueueworkitem
 * - KeAcquireSpinLock raises to DISPATCH_LEVEL, KeReleaseSpinLock restores the saved IRQL:
 *   https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-keacquirespinlock
 * - KeRaiseIrql / KeLowerIrql: https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-keraiseirql
 * - IoSetCompletionRoutineEx allocates a context the I/O manager frees when the routine runs:
 *   https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-iosetcompletionroutineex
 * - MmProbeAndLockPages / MmUnlockPages:
 *   https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-mmprobeandlockpages
 */
import { DISPATCH_LEVEL, IRQL_CONSTANTS, type ApiInfo } from '../apis';
import type * as Ast from '../ast';
import { callSite, describeAllocation, describeRelease } from './callSpecs';
import type { RoutineCompilation } from './machine';
import { NULL_HANDLE as NULL_POINTER } from './poolTracker';
import type { CompiledRoutine, Eval } from './routine';
import { SiteFrame } from './stack';

/** NULL, module-local: compiled closures must not go through an import getter per call. */
const NULL_HANDLE = NULL_POINTER;

const DISPATCH = DISPATCH_LEVEL;

/** The IRQL `KeRaiseIrql(L)` raises to: a level name or number; anything else DISPATCH_LEVEL. */
function raisedLevel(arg: Ast.Argument | undefined): number {
  if (arg && arg.type === 'identifier') return IRQL_CONSTANTS.get(arg.name) ?? DISPATCH;
  if (arg && arg.type === 'number') return arg.value;
  return DISPATCH;
}

export function compileApiCall(c: RoutineCompilation, call: Ast.Call, cr: CompiledRoutine, api: ApiInfo): Eval {
  const m = c.m;
  const pool = c.pool;
  const t = pool.tracker;
  const line = call.range.start.line;
  const column = call.range.start.column;
  const frame = new SiteFrame(cr.frame, line);
  const args = call.args;

  if (api.releases) {
    const spec = describeRelease(call, api);
    const ptr = c.argReader(args[api.releases.pointerArg], cr);
    return (a) => {
      pool.release(spec, ptr(a), frame.at(a.base));
      return NULL_HANDLE;
    };
  }

  if (api.allocates && api.effect !== 'setCompletionRoutine') {
    const spec = describeAllocation(call, api, t);
    return (a) => pool.allocate(spec, a, frame.at(a.base));
  }

  switch (api.effect) {
    case 'setCompletionRoutine': {
      const spec = describeAllocation(call, api, t);
      const irp = c.argReader(args[0], cr);
      const routine = c.routineArg(args[1]);
      return (a) => {
        const target = irp(a);
        // Nothing to attach the context to when the IRP pointer is NULL or stale.
        if (!t.isLive(target) || !routine) return NULL_HANDLE;
        const context = pool.allocate(spec, a, frame.at(a.base));
        if (context !== NULL_HANDLE) pool.setCompletion(target, { routine, context });
        return NULL_HANDLE;
      };
    }
    case 'callDriver': {
      const irp = c.argReader(args[0], cr);
      return (a) => {
        m.callDriver(irp(a), a, frame.at(a.base), line, column);
        return NULL_HANDLE;
      };
    }
    case 'queueDpc': {
      const routine = c.routineArg(args[0]);
      return () => {
        // A KDPC is queued at most once: inserting it again while queued does nothing.
        if (routine) m.enqueue('dpc', routine, NULL_HANDLE, m.scenarioProcess ?? m.idle, routine);
        return NULL_HANDLE;
      };
    }
    case 'queueWorkItem':
    case 'exQueueWorkItem': {
      const kind = api.effect === 'queueWorkItem' ? 'ioWorkItem' : 'exWorkItem';
      const item = c.argReader(args[0], cr);
      const routine = c.routineArg(args[1]);
      return (a) => {
        const w = item(a);
        // Queuing a work item that is already queued does nothing (it is one list entry).
        if (routine) m.enqueue(kind, routine, w, m.system, w === NULL_HANDLE ? routine : w);
        return NULL_HANDLE;
      };
    }
    case 'acquireSpinLock':
      return () => {
        m.pushIrql(m.irql > DISPATCH ? m.irql : DISPATCH);
        return NULL_HANDLE;
      };
    case 'raiseIrql': {
      const level = raisedLevel(args[0]);
      return () => {
        m.pushIrql(level);
        return NULL_HANDLE;
      };
    }
    case 'releaseSpinLock':
    case 'lowerIrql':
      return () => {
        m.popIrql();
        return NULL_HANDLE;
      };
    case 'lockPages': {
      const mdl = c.argReader(args[0], cr);
      const site = callSite(call);
      return (a) => {
        pool.lockPages(mdl(a), site, frame.at(a.base));
        return NULL_HANDLE;
      };
    }
    case 'unlockPages': {
      const mdl = c.argReader(args[0], cr);
      return (a) => {
        pool.unlockPages(mdl(a));
        return NULL_HANDLE;
      };
    }
    default:
      return () => NULL_HANDLE;
  }
}
