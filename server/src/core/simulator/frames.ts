/**
 * The system frames below a driver routine: how the kernel reached it (simulator.md, PoolHitTag).
 * Each chain is interned once per run in the run's stack tree (stack.ts), so every block and
 * break allocated on one path shares it.
 *
 * | started by | frames, innermost first |
 * |---|---|
 * | `load` | `nt!IopLoadDriver` |
 * | `irp IRP_MJ_X` | `nt!IofCallDriver`, the `Nt*` service of X (`nt!NtReadFile`, …) |
 * | `dpc`, `KeInsertQueueDpc` | `nt!KiExecuteAllDpcs`, `nt!KiRetireDpcList` |
 * | `workitem`, `IoQueueWorkItem` | `nt!IopProcessWorkItem`, `nt!ExpWorkerThread` |
 * | `ExQueueWorkItem` | `nt!ExpWorkerThread` |
 * | `IoCallDriver` (completion) | `nt!IofCompleteRequest`, then the caller's frames |
 * | `unload` | `nt!IopUnloadDriver` |
 *
 * Windows behaviour modelled (Microsoft Learn):
 * - DPCs run from the DPC queue drained at DISPATCH_LEVEL (KiRetireDpcList / KiExecuteAllDpcs):
 *   https://learn.microsoft.com/windows-hardware/drivers/kernel/introduction-to-dpc-objects
 * - IoQueueWorkItem work runs on a system worker thread (ExpWorkerThread → IopProcessWorkItem):
 *   https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-ioqueueworkitem
 * - Completion routines are called by IoCompleteRequest:
 *   https://learn.microsoft.com/windows-hardware/drivers/kernel/completing-irps
 */
import { IRP_MAJOR_SERVICE } from '../apis';
import { systemChain, type StackNode } from './stack';

/** Frames Pool Tracking's unload check runs under (outermost first: the check runs in MmUnloadSystemImage). */
const UNLOAD_CHECK_FRAMES = ['nt!IopUnloadDriver', 'nt!MmUnloadSystemImage'];
/** A major function with no `Nt*` service of its own in IRP_MAJOR_SERVICE. */
const DEFAULT_IRP_SERVICE = 'nt!IopSynchronousServiceTail';

export class SystemFrames {
  readonly load: StackNode;
  readonly unload: StackNode;
  readonly unloadCheck: StackNode;
  readonly dpc: StackNode;
  readonly ioWorkItem: StackNode;
  readonly exWorkItem: StackNode;
  private readonly irps = new Map<string, StackNode>();

  constructor(private readonly root: StackNode) {
    this.load = systemChain(root, ['nt!IopLoadDriver']);
    this.unload = systemChain(root, ['nt!IopUnloadDriver']);
    this.unloadCheck = systemChain(root, UNLOAD_CHECK_FRAMES);
    this.dpc = systemChain(root, ['nt!KiRetireDpcList', 'nt!KiExecuteAllDpcs']);
    this.ioWorkItem = systemChain(root, ['nt!ExpWorkerThread', 'nt!IopProcessWorkItem']);
    this.exWorkItem = systemChain(root, ['nt!ExpWorkerThread']);
  }

  /** A `call X` step: a callback with no IRP of its own, no system frames below it. */
  get callback(): StackNode {
    return this.root;
  }

  /** `irp IRP_MJ_X`: the dispatch routine under `nt!IofCallDriver` and the service of X. */
  irp(major: string): StackNode {
    let base = this.irps.get(major);
    if (!base) {
      base = systemChain(this.root, [IRP_MAJOR_SERVICE[major] ?? DEFAULT_IRP_SERVICE, 'nt!IofCallDriver']);
      this.irps.set(major, base);
    }
    return base;
  }

  /** A completion routine run by `IoCallDriver` at the caller's frame. */
  static completion(caller: StackNode): StackNode {
    return caller.child('nt!IofCompleteRequest', undefined);
  }
}
