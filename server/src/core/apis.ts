/**
 * The API set of language contract v1, as data. The checker, every rule, the simulator,
 * hover and completion read this table; nothing else hard-codes API behaviour.
 *
 * Sources (Microsoft Learn, WDK reference):
 * - ExAllocatePool2: https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-exallocatepool2
 * - ExAllocatePoolWithTag: https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-exallocatepoolwithtag
 * - ExAllocatePoolWithQuotaTag: https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-exallocatepoolwithquotatag
 * - ExFreePoolWithTag: https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-exfreepoolwithtag
 * - IoAllocateMdl / IoFreeMdl: https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-ioallocatemdl
 * - MmProbeAndLockPages: https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-mmprobeandlockpages
 * - IoAllocateIrp: https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-ioallocateirp
 * - IoAllocateWorkItem / IoQueueWorkItem: https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-ioqueueworkitem
 * - ExQueueWorkItem: https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-exqueueworkitem
 * - IoSetCompletionRoutineEx: https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-iosetcompletionroutineex
 * - RtlAnsiStringToUnicodeString: https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-rtlansistringtounicodestring
 * - KeAcquireSpinLock: https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-keacquirespinlock
 * - KeRaiseIrql: https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-keraiseirql
 * - Updating deprecated ExAllocatePool calls: https://learn.microsoft.com/windows-hardware/drivers/kernel/updating-deprecated-exallocatepool-calls
 */

/** What kind of block an allocation makes (`kind` in reports and JSON). */
export type BlockKind = 'pool' | 'mdl' | 'irp' | 'string' | 'workitem' | 'completion';

export type PoolKind = 'paged' | 'nonPaged';

export const PASSIVE_LEVEL = 0;
export const APC_LEVEL = 1;
export const DISPATCH_LEVEL = 2;
export const IRQL_NAMES: Record<number, string> = { 0: 'PASSIVE_LEVEL', 1: 'APC_LEVEL', 2: 'DISPATCH_LEVEL' };

/** Kinds of argument an API takes, in the model's simplified signatures. */
export type ParameterKind =
  | 'poolType' // NonPagedPool, PagedPool, …
  | 'poolFlags' // POOL_FLAG_* joined by |
  | 'size' // NUMBER
  | 'tag' // TAG literal
  | 'pointer' // a local/parameter/global holding a block (or a buffer name)
  | 'routine' // a routine of the script of a given kind
  | 'number' // any NUMBER
  | 'spinLock' // any name
  | 'irql' // DISPATCH_LEVEL / APC_LEVEL / PASSIVE_LEVEL
  | 'string'; // STRING or a name

export interface ApiParameter {
  name: string;
  kind: ParameterKind;
  /** For `routine` parameters: the routine kind the API requires (rule `wrong-kind`). */
  routineKind?: 'dpc' | 'workitem' | 'completion';
}

export interface AllocationBehaviour {
  block: BlockKind;
  /** Where the pool kind comes from: a pool-type argument, the flags, or fixed. */
  pool: { from: 'poolType'; arg: number } | { from: 'flags'; arg: number } | { from: 'fixed'; kind: PoolKind };
  /** Where the tag comes from: the tag argument, a fixed system tag, or 'None' (untagged). */
  tag: { from: 'arg'; arg: number } | { from: 'system'; tag: string } | { from: 'untagged' };
  /** Where the size comes from, or a fixed size in bytes for system blocks. */
  size: { from: 'arg'; arg: number } | { from: 'fixed'; bytes: number } | { from: 'mdl'; arg: number };
  /** Charges the current process's quota: always, never, or when POOL_FLAG_USE_QUOTA is set. */
  quota: 'always' | 'never' | 'flag';
}

export type ApiEffect =
  | 'acquireSpinLock'
  | 'releaseSpinLock'
  | 'raiseIrql'
  | 'lowerIrql'
  | 'lockPages'
  | 'unlockPages'
  | 'callDriver'
  | 'queueWorkItem' // IoQueueWorkItem(w, R)
  | 'exQueueWorkItem' // ExQueueWorkItem(p, R)
  | 'queueDpc' // KeInsertQueueDpc(R)
  | 'setCompletionRoutine'; // IoSetCompletionRoutineEx(i, R)

export interface ApiInfo {
  name: string;
  /** The WDK prototype, shown in hover and signature help. */
  prototype: string;
  /** The parameters as the model takes them. */
  params: ApiParameter[];
  /** True when the call yields a value (`p = Api(...)`). */
  returnsBlock: boolean;
  allocates?: AllocationBehaviour;
  /** Releases the block passed as argument `pointerArg`; `tagArg` is checked against its tag. */
  releases?: { blocks: BlockKind[]; pointerArg: number; tagArg?: number };
  effect?: ApiEffect;
  /** Highest IRQL at which the API may be called (documented requirement). */
  maxIrql: number;
  /** Extra IRQL rule text for hover (e.g. paged pool only at <= APC_LEVEL). */
  irqlNote?: string;
  /** Deprecated since Windows 10, version 2004 (rule `deprecated-allocator`). */
  deprecated?: boolean;
  /** One-paragraph description for hover. */
  doc: string;
  /** Microsoft Learn page. */
  docUrl: string;
}

const LEARN = 'https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-';

const POOL_IRQL_NOTE =
  'Paged pool may only be allocated or freed at IRQL <= APC_LEVEL; non-paged pool at IRQL <= DISPATCH_LEVEL.';

/**
 * An allocation the kernel makes on the driver's behalf (MDL, IRP, string buffer, work item,
 * completion context): a fixed pool, the system tag of language.md's convention, never quota.
 */
function systemAllocation(block: BlockKind, kind: PoolKind, tag: string, size: AllocationBehaviour['size'] = { from: 'fixed', bytes: 0 }): AllocationBehaviour {
  return { block, pool: { from: 'fixed', kind }, tag: { from: 'system', tag }, size, quota: 'never' };
}

/** `ExFreePool(P)` / `ExFreePoolWithTag(P, Tag)`: releases a pool block, checking the tag when it takes one. */
function poolReleaser(name: string, prototype: string, tagged: boolean, doc: string, page: string): ApiInfo {
  const params: ApiParameter[] = [{ name: 'P', kind: 'pointer' }];
  if (tagged) params.push({ name: 'Tag', kind: 'tag' });
  return {
    name,
    prototype,
    params,
    returnsBlock: false,
    releases: tagged ? { blocks: POOL_BLOCK, pointerArg: 0, tagArg: 1 } : { blocks: POOL_BLOCK, pointerArg: 0 },
    maxIrql: DISPATCH_LEVEL,
    irqlNote: POOL_IRQL_NOTE,
    doc,
    docUrl: LEARN + page,
  };
}

/** `VOID IoFreeXxx(P)`: releases the one kind of block its only argument points at. */
function releaser(name: string, prototype: string, param: string, block: BlockKind, maxIrql: number, doc: string, page: string): ApiInfo {
  return { name, prototype, params: [{ name: param, kind: 'pointer' }], returnsBlock: false, releases: { blocks: [block], pointerArg: 0 }, maxIrql, doc, docUrl: LEARN + page };
}

function legacyAllocator(
  name: string,
  opts: { quota: boolean; tagged: boolean; deprecated: boolean; doc: string; page?: string },
): ApiInfo {
  const params: ApiParameter[] = [
    { name: 'PoolType', kind: 'poolType' },
    { name: 'NumberOfBytes', kind: 'size' },
  ];
  if (opts.tagged) params.push({ name: 'Tag', kind: 'tag' });
  return {
    name,
    prototype: `PVOID ${name}(POOL_TYPE PoolType, SIZE_T NumberOfBytes${opts.tagged ? ', ULONG Tag' : ''})`,
    params,
    returnsBlock: true,
    allocates: {
      block: 'pool',
      pool: { from: 'poolType', arg: 0 },
      tag: opts.tagged ? { from: 'arg', arg: 2 } : { from: 'untagged' },
      size: { from: 'arg', arg: 1 },
      quota: opts.quota ? 'always' : 'never',
    },
    maxIrql: DISPATCH_LEVEL,
    irqlNote: POOL_IRQL_NOTE,
    deprecated: opts.deprecated,
    doc: opts.doc,
    docUrl: LEARN + (opts.page ?? name.toLowerCase()),
  };
}

function pool2(name: string): ApiInfo {
  return {
    name,
    prototype: `PVOID ${name}(POOL_FLAGS Flags, SIZE_T NumberOfBytes, ULONG Tag${name === 'ExAllocatePool3' ? ', PCPOOL_EXTENDED_PARAMETER ExtendedParameters, ULONG Count' : ''})`,
    params: [
      { name: 'Flags', kind: 'poolFlags' },
      { name: 'NumberOfBytes', kind: 'size' },
      { name: 'Tag', kind: 'tag' },
    ],
    returnsBlock: true,
    allocates: {
      block: 'pool',
      pool: { from: 'flags', arg: 0 },
      tag: { from: 'arg', arg: 2 },
      size: { from: 'arg', arg: 1 },
      quota: 'flag',
    },
    maxIrql: DISPATCH_LEVEL,
    irqlNote: POOL_IRQL_NOTE,
    doc:
      `Allocates pool memory of the type given by the POOL_FLAG_* flags and returns a pointer to it, or NULL on failure ` +
      `(unless POOL_FLAG_RAISE_ON_FAILURE). The memory is zeroed unless POOL_FLAG_UNINITIALIZED. POOL_FLAG_USE_QUOTA charges ` +
      `the current process's quota. Available since Windows 10, version 2004.`,
    docUrl: LEARN + name.toLowerCase(),
  };
}

function wrapper(name: string, quota: boolean): ApiInfo {
  const base = legacyAllocator(name, {
    quota,
    tagged: true,
    deprecated: false,
    doc:
      `Inline WDK wrapper (wdm.h) over ExAllocatePool2/ExAllocatePoolWithTag` +
      (quota ? `, charging the current process's quota` : '') +
      `. Modelled as ${quota ? 'ExAllocatePoolWithQuotaTag' : 'ExAllocatePoolWithTag'}.`,
  });
  return base;
}

const POOL_BLOCK: BlockKind[] = ['pool'];

export const APIS: readonly ApiInfo[] = [
  legacyAllocator('ExAllocatePoolWithTag', {
    quota: false,
    tagged: true,
    deprecated: true,
    doc:
      'Allocates pool memory of the specified type and returns a pointer to it, or NULL if there is not enough free pool. ' +
      'Deprecated since Windows 10, version 2004: use ExAllocatePool2.',
  }),
  legacyAllocator('ExAllocatePoolWithQuotaTag', {
    quota: true,
    tagged: true,
    deprecated: true,
    doc:
      "Allocates pool memory and charges the quota of the current thread's process. Must not be called from an arbitrary " +
      'thread context such as a DPC routine (Driver Verifier: bug check 0xC4 / 0x10B). Deprecated: use ExAllocatePool2 with POOL_FLAG_USE_QUOTA.',
  }),
  legacyAllocator('ExAllocatePool', {
    quota: false,
    tagged: false,
    deprecated: true,
    doc: "Allocates pool memory with the default tag 'None', so the block cannot be traced to this driver. Deprecated: use ExAllocatePool2.",
  }),
  legacyAllocator('ExAllocatePoolWithQuota', {
    quota: true,
    tagged: false,
    deprecated: true,
    doc: "Allocates pool memory charged to the current process's quota, untagged ('None'). Deprecated: use ExAllocatePool2 with POOL_FLAG_USE_QUOTA.",
  }),
  wrapper('ExAllocatePoolZero', false),
  wrapper('ExAllocatePoolUninitialized', false),
  wrapper('ExAllocatePoolQuotaZero', true),
  pool2('ExAllocatePool2'),
  pool2('ExAllocatePool3'),
  poolReleaser(
    'ExFreePoolWithTag',
    'VOID ExFreePoolWithTag(PVOID P, ULONG Tag)',
    true,
    'Releases a block of pool memory allocated with the specified tag. With Driver Verifier, a tag that differs from the ' +
      'allocation tag is bug check 0xC2 / 0x0A; a second free of the same block is 0xC2 / 0x07.',
    'exfreepoolwithtag',
  ),
  poolReleaser('ExFreePool', 'VOID ExFreePool(PVOID P)', false, 'Releases a block of pool memory (no tag check).', 'exfreepool'),
  poolReleaser(
    'ExFreePool2',
    'VOID ExFreePool2(PVOID P, ULONG Tag, PCPOOL_EXTENDED_PARAMETER ExtendedParameters, ULONG ExtendedParametersCount)',
    true,
    'Releases a block of pool memory allocated with ExAllocatePool2/ExAllocatePool3, checking the tag.',
    'exfreepool2',
  ),
  {
    name: 'IoAllocateMdl',
    prototype:
      'PMDL IoAllocateMdl(PVOID VirtualAddress, ULONG Length, BOOLEAN SecondaryBuffer, BOOLEAN ChargeQuota, PIRP Irp)',
    params: [
      { name: 'VirtualAddress', kind: 'pointer' },
      { name: 'Length', kind: 'size' },
    ],
    returnsBlock: true,
    allocates: systemAllocation('mdl', 'nonPaged', 'Mdl ', { from: 'mdl', arg: 1 }),
    maxIrql: DISPATCH_LEVEL,
    doc:
      'Allocates a memory descriptor list (MDL) large enough to map a buffer of Length bytes. Release with IoFreeMdl; ' +
      'pages locked with MmProbeAndLockPages must be unlocked with MmUnlockPages first (IoFreeMdl does not unlock them).',
    docUrl: LEARN + 'ioallocatemdl',
  },
  releaser('IoFreeMdl', 'VOID IoFreeMdl(PMDL Mdl)', 'Mdl', 'mdl', DISPATCH_LEVEL,
    'Releases an MDL allocated by IoAllocateMdl. It does not unlock pages locked through the MDL.', 'iofreemdl'),
  {
    name: 'IoAllocateIrp',
    prototype: 'PIRP IoAllocateIrp(CCHAR StackSize, BOOLEAN ChargeQuota)',
    params: [{ name: 'StackSize', kind: 'number' }],
    returnsBlock: true,
    allocates: systemAllocation('irp', 'nonPaged', 'Irp '),
    maxIrql: DISPATCH_LEVEL,
    doc:
      'Allocates an IRP with StackSize stack locations. Release with IoFreeIrp (typically from its completion routine, ' +
      'returning STATUS_MORE_PROCESSING_REQUIRED). ExFreePool on an IRP is bug check 0xC4 / 0x105 under Driver Verifier.',
    docUrl: LEARN + 'ioallocateirp',
  },
  releaser('IoFreeIrp', 'VOID IoFreeIrp(PIRP Irp)', 'Irp', 'irp', DISPATCH_LEVEL,
    'Releases an IRP allocated by IoAllocateIrp.', 'iofreeirp'),
  {
    name: 'RtlAnsiStringToUnicodeString',
    prototype:
      'NTSTATUS RtlAnsiStringToUnicodeString(PUNICODE_STRING DestinationString, PCANSI_STRING SourceString, BOOLEAN AllocateDestinationString)',
    params: [{ name: 'SourceString', kind: 'string' }],
    returnsBlock: true,
    allocates: systemAllocation('string', 'paged', 'Strg'),
    maxIrql: PASSIVE_LEVEL,
    doc:
      'Converts an ANSI string to Unicode, allocating the destination buffer from paged pool when ' +
      'AllocateDestinationString is TRUE. Release with RtlFreeUnicodeString. Must run at PASSIVE_LEVEL.',
    docUrl: LEARN + 'rtlansistringtounicodestring',
  },
  releaser('RtlFreeUnicodeString', 'VOID RtlFreeUnicodeString(PUNICODE_STRING UnicodeString)', 'UnicodeString', 'string', PASSIVE_LEVEL,
    'Releases the buffer of a string allocated by an Rtl…ToUnicodeString routine (paged pool). Must run at PASSIVE_LEVEL.', 'rtlfreeunicodestring'),
  {
    name: 'IoAllocateWorkItem',
    prototype: 'PIO_WORKITEM IoAllocateWorkItem(PDEVICE_OBJECT DeviceObject)',
    params: [],
    returnsBlock: true,
    allocates: systemAllocation('workitem', 'nonPaged', 'IoWI'),
    maxIrql: DISPATCH_LEVEL,
    doc: 'Allocates a work item for IoQueueWorkItem. Release with IoFreeWorkItem, usually from the work routine itself.',
    docUrl: LEARN + 'ioallocateworkitem',
  },
  releaser('IoFreeWorkItem', 'VOID IoFreeWorkItem(PIO_WORKITEM IoWorkItem)', 'IoWorkItem', 'workitem', DISPATCH_LEVEL,
    'Releases a work item allocated by IoAllocateWorkItem.', 'iofreeworkitem'),
  {
    name: 'IoSetCompletionRoutineEx',
    prototype:
      'NTSTATUS IoSetCompletionRoutineEx(PDEVICE_OBJECT DeviceObject, PIRP Irp, PIO_COMPLETION_ROUTINE CompletionRoutine, PVOID Context, BOOLEAN InvokeOnSuccess, BOOLEAN InvokeOnError, BOOLEAN InvokeOnCancel)',
    params: [
      { name: 'Irp', kind: 'pointer' },
      { name: 'CompletionRoutine', kind: 'routine', routineKind: 'completion' },
    ],
    returnsBlock: false,
    allocates: systemAllocation('completion', 'nonPaged', 'IoCc'),
    effect: 'setCompletionRoutine',
    maxIrql: DISPATCH_LEVEL,
    doc:
      'Registers a completion routine for the IRP, allocating a small non-paged context block that the I/O manager ' +
      'releases when the routine runs. The routine runs at IRQL <= DISPATCH_LEVEL in an arbitrary thread context.',
    docUrl: LEARN + 'iosetcompletionroutineex',
  },
  {
    name: 'IoCallDriver',
    prototype: 'NTSTATUS IoCallDriver(PDEVICE_OBJECT DeviceObject, PIRP Irp)',
    params: [{ name: 'Irp', kind: 'pointer' }],
    returnsBlock: false,
    effect: 'callDriver',
    maxIrql: DISPATCH_LEVEL,
    doc:
      'Sends the IRP to the next-lower driver. In the model the lower driver completes it at once: the completion ' +
      'routine set on it runs (at DISPATCH_LEVEL) and receives the IRP as its first parameter.',
    docUrl: LEARN + 'iocalldriver',
  },
  {
    name: 'IoQueueWorkItem',
    prototype:
      'VOID IoQueueWorkItem(PIO_WORKITEM IoWorkItem, PIO_WORKITEM_ROUTINE WorkerRoutine, WORK_QUEUE_TYPE QueueType, PVOID Context)',
    params: [
      { name: 'IoWorkItem', kind: 'pointer' },
      { name: 'WorkerRoutine', kind: 'routine', routineKind: 'workitem' },
    ],
    returnsBlock: false,
    effect: 'queueWorkItem',
    maxIrql: DISPATCH_LEVEL,
    doc:
      'Queues the work item: WorkerRoutine later runs at PASSIVE_LEVEL in a system worker thread and, in the model, ' +
      'receives the work item as its first parameter (the usual pattern is for it to call IoFreeWorkItem).',
    docUrl: LEARN + 'ioqueueworkitem',
  },
  {
    name: 'ExQueueWorkItem',
    prototype: 'VOID ExQueueWorkItem(PWORK_QUEUE_ITEM WorkItem, WORK_QUEUE_TYPE QueueType)',
    params: [
      { name: 'WorkItem', kind: 'pointer' },
      { name: 'Routine', kind: 'routine', routineKind: 'workitem' },
    ],
    returnsBlock: false,
    effect: 'exQueueWorkItem',
    maxIrql: DISPATCH_LEVEL,
    doc:
      'Queues a WORK_QUEUE_ITEM that lives inside a driver-allocated block: Routine later runs at PASSIVE_LEVEL in a ' +
      'system worker thread and receives that block as its first parameter. Nothing is allocated. (Deprecated in favour of IoQueueWorkItem.)',
    docUrl: LEARN + 'exqueueworkitem',
  },
  {
    name: 'KeInsertQueueDpc',
    prototype: 'BOOLEAN KeInsertQueueDpc(PRKDPC Dpc, PVOID SystemArgument1, PVOID SystemArgument2)',
    params: [{ name: 'Dpc', kind: 'routine', routineKind: 'dpc' }],
    returnsBlock: false,
    effect: 'queueDpc',
    maxIrql: 31,
    doc: 'Queues a DPC: the DPC routine later runs at DISPATCH_LEVEL in an arbitrary thread context. Callable at any IRQL.',
    docUrl: 'https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-keinsertqueuedpc',
  },
  {
    name: 'MmProbeAndLockPages',
    prototype: 'VOID MmProbeAndLockPages(PMDL MemoryDescriptorList, KPROCESSOR_MODE AccessMode, LOCK_OPERATION Operation)',
    params: [{ name: 'MemoryDescriptorList', kind: 'pointer' }],
    returnsBlock: false,
    effect: 'lockPages',
    maxIrql: DISPATCH_LEVEL,
    irqlNote: 'IRQL <= APC_LEVEL for pageable buffers; <= DISPATCH_LEVEL for non-pageable ones.',
    doc:
      'Makes the pages described by the MDL resident and locks them. They stay locked until MmUnlockPages; unloading ' +
      'with pages still locked is bug check 0xCB (DRIVER_LEFT_LOCKED_PAGES_IN_PROCESS).',
    docUrl: LEARN + 'mmprobeandlockpages',
  },
  {
    name: 'MmUnlockPages',
    prototype: 'VOID MmUnlockPages(PMDL MemoryDescriptorList)',
    params: [{ name: 'MemoryDescriptorList', kind: 'pointer' }],
    returnsBlock: false,
    effect: 'unlockPages',
    maxIrql: DISPATCH_LEVEL,
    doc: 'Unlocks the pages described by an MDL that MmProbeAndLockPages locked.',
    docUrl: LEARN + 'mmunlockpages',
  },
  {
    name: 'KeAcquireSpinLock',
    prototype: 'VOID KeAcquireSpinLock(PKSPIN_LOCK SpinLock, PKIRQL OldIrql)',
    params: [{ name: 'SpinLock', kind: 'spinLock' }],
    returnsBlock: false,
    effect: 'acquireSpinLock',
    maxIrql: DISPATCH_LEVEL,
    doc: 'Acquires a spin lock, raising IRQL to DISPATCH_LEVEL until KeReleaseSpinLock. Paged pool must not be touched while it is held.',
    docUrl: LEARN + 'keacquirespinlock',
  },
  {
    name: 'KeReleaseSpinLock',
    prototype: 'VOID KeReleaseSpinLock(PKSPIN_LOCK SpinLock, KIRQL NewIrql)',
    params: [{ name: 'SpinLock', kind: 'spinLock' }],
    returnsBlock: false,
    effect: 'releaseSpinLock',
    maxIrql: DISPATCH_LEVEL,
    doc: 'Releases a spin lock and restores the IRQL saved by KeAcquireSpinLock.',
    docUrl: LEARN + 'kereleasespinlock',
  },
  {
    name: 'KeRaiseIrql',
    prototype: 'VOID KeRaiseIrql(KIRQL NewIrql, PKIRQL OldIrql)',
    params: [{ name: 'NewIrql', kind: 'irql' }],
    returnsBlock: false,
    effect: 'raiseIrql',
    maxIrql: 31,
    doc: 'Raises the IRQL to NewIrql; KeLowerIrql restores the previous one.',
    docUrl: LEARN + 'keraiseirql',
  },
  {
    name: 'KeLowerIrql',
    prototype: 'VOID KeLowerIrql(KIRQL NewIrql)',
    params: [],
    returnsBlock: false,
    effect: 'lowerIrql',
    maxIrql: 31,
    doc: 'Restores the IRQL saved by the matching KeRaiseIrql.',
    docUrl: LEARN + 'kelowerirql',
  },
];

export const API_BY_NAME: ReadonlyMap<string, ApiInfo> = new Map(APIS.map((a) => [a.name, a]));

export function lookupApi(name: string): ApiInfo | undefined {
  return API_BY_NAME.get(name);
}

/** The release API a fix or message should suggest for a block kind. */
export const RELEASE_API: Record<BlockKind, string | undefined> = {
  pool: 'ExFreePoolWithTag',
  mdl: 'IoFreeMdl',
  irp: 'IoFreeIrp',
  string: 'RtlFreeUnicodeString',
  workitem: 'IoFreeWorkItem',
  completion: undefined,
};

export interface PoolTypeInfo {
  name: string;
  pool: PoolKind;
  /** POOL_TYPE value as wdm.h numbers it (PagedPool = 1), used in bug-check parameters. */
  value: number;
  doc: string;
}

/** POOL_TYPE values (wdm.h): NonPagedPool 0, PagedPool 1, NonPagedPoolExecute = NonPagedPool, NonPagedPoolNx 512. */
export const POOL_TYPES: readonly PoolTypeInfo[] = [
  { name: 'NonPagedPool', pool: 'nonPaged', value: 0, doc: 'Non-paged, executable pool (legacy name of NonPagedPoolExecute).' },
  { name: 'NonPagedPoolNx', pool: 'nonPaged', value: 512, doc: 'Non-paged, no-execute pool.' },
  { name: 'NonPagedPoolExecute', pool: 'nonPaged', value: 0, doc: 'Non-paged, executable pool.' },
  { name: 'PagedPool', pool: 'paged', value: 1, doc: 'Pageable pool: only at IRQL <= APC_LEVEL.' },
];
export const POOL_TYPE_BY_NAME: ReadonlyMap<string, PoolTypeInfo> = new Map(POOL_TYPES.map((p) => [p.name, p]));

export interface PoolFlagInfo {
  name: string;
  /** Value from wdm.h. */
  value: bigint;
  /** Selects the pool kind, for the three type flags. */
  pool?: PoolKind;
  doc: string;
}

export const POOL_FLAGS: readonly PoolFlagInfo[] = [
  { name: 'POOL_FLAG_USE_QUOTA', value: 0x1n, doc: "Charge the allocation to the current process's quota." },
  { name: 'POOL_FLAG_UNINITIALIZED', value: 0x2n, doc: 'Do not zero the allocation.' },
  { name: 'POOL_FLAG_CACHE_ALIGNED', value: 0x8n, doc: 'Align the allocation on a processor cache line.' },
  { name: 'POOL_FLAG_RAISE_ON_FAILURE', value: 0x20n, doc: 'Raise an exception instead of returning NULL on failure.' },
  { name: 'POOL_FLAG_NON_PAGED', value: 0x40n, pool: 'nonPaged', doc: 'Non-paged, no-execute pool.' },
  { name: 'POOL_FLAG_NON_PAGED_EXECUTE', value: 0x80n, pool: 'nonPaged', doc: 'Non-paged, executable pool.' },
  { name: 'POOL_FLAG_PAGED', value: 0x100n, pool: 'paged', doc: 'Pageable pool: only at IRQL <= APC_LEVEL.' },
];
export const POOL_FLAG_BY_NAME: ReadonlyMap<string, PoolFlagInfo> = new Map(POOL_FLAGS.map((f) => [f.name, f]));

export const IRQL_CONSTANTS: ReadonlyMap<string, number> = new Map([
  ['PASSIVE_LEVEL', PASSIVE_LEVEL],
  ['APC_LEVEL', APC_LEVEL],
  ['DISPATCH_LEVEL', DISPATCH_LEVEL],
]);

/** The 28 IRP_MJ_* major function codes of wdm.h, in numeric order (index = code). */
export const IRP_MAJOR_FUNCTIONS: readonly string[] = [
  'IRP_MJ_CREATE',
  'IRP_MJ_CREATE_NAMED_PIPE',
  'IRP_MJ_CLOSE',
  'IRP_MJ_READ',
  'IRP_MJ_WRITE',
  'IRP_MJ_QUERY_INFORMATION',
  'IRP_MJ_SET_INFORMATION',
  'IRP_MJ_QUERY_EA',
  'IRP_MJ_SET_EA',
  'IRP_MJ_FLUSH_BUFFERS',
  'IRP_MJ_QUERY_VOLUME_INFORMATION',
  'IRP_MJ_SET_VOLUME_INFORMATION',
  'IRP_MJ_DIRECTORY_CONTROL',
  'IRP_MJ_FILE_SYSTEM_CONTROL',
  'IRP_MJ_DEVICE_CONTROL',
  'IRP_MJ_INTERNAL_DEVICE_CONTROL',
  'IRP_MJ_SHUTDOWN',
  'IRP_MJ_LOCK_CONTROL',
  'IRP_MJ_CLEANUP',
  'IRP_MJ_CREATE_MAILSLOT',
  'IRP_MJ_QUERY_SECURITY',
  'IRP_MJ_SET_SECURITY',
  'IRP_MJ_POWER',
  'IRP_MJ_SYSTEM_CONTROL',
  'IRP_MJ_DEVICE_CHANGE',
  'IRP_MJ_QUERY_QUOTA',
  'IRP_MJ_SET_QUOTA',
  'IRP_MJ_PNP',
];
export const IRP_MAJOR_SET: ReadonlySet<string> = new Set(IRP_MAJOR_FUNCTIONS);

/**
 * The system service through which a user-mode request of each major function arrives,
 * used for the outer frame of simulated stacks (`nt!NtReadFile` for IRP_MJ_READ).
 */
export const IRP_MAJOR_SERVICE: Readonly<Record<string, string>> = {
  IRP_MJ_CREATE: 'nt!NtCreateFile',
  IRP_MJ_CREATE_NAMED_PIPE: 'nt!NtCreateNamedPipeFile',
  IRP_MJ_CLOSE: 'nt!NtClose',
  IRP_MJ_READ: 'nt!NtReadFile',
  IRP_MJ_WRITE: 'nt!NtWriteFile',
  IRP_MJ_QUERY_INFORMATION: 'nt!NtQueryInformationFile',
  IRP_MJ_SET_INFORMATION: 'nt!NtSetInformationFile',
  IRP_MJ_QUERY_EA: 'nt!NtQueryEaFile',
  IRP_MJ_SET_EA: 'nt!NtSetEaFile',
  IRP_MJ_FLUSH_BUFFERS: 'nt!NtFlushBuffersFile',
  IRP_MJ_QUERY_VOLUME_INFORMATION: 'nt!NtQueryVolumeInformationFile',
  IRP_MJ_SET_VOLUME_INFORMATION: 'nt!NtSetVolumeInformationFile',
  IRP_MJ_DIRECTORY_CONTROL: 'nt!NtQueryDirectoryFile',
  IRP_MJ_FILE_SYSTEM_CONTROL: 'nt!NtFsControlFile',
  IRP_MJ_DEVICE_CONTROL: 'nt!NtDeviceIoControlFile',
  IRP_MJ_INTERNAL_DEVICE_CONTROL: 'nt!IopSynchronousServiceTail',
  IRP_MJ_SHUTDOWN: 'nt!IoShutdownSystem',
  IRP_MJ_LOCK_CONTROL: 'nt!NtLockFile',
  IRP_MJ_CLEANUP: 'nt!IopCloseFile',
  IRP_MJ_CREATE_MAILSLOT: 'nt!NtCreateMailslotFile',
  IRP_MJ_QUERY_SECURITY: 'nt!NtQuerySecurityObject',
  IRP_MJ_SET_SECURITY: 'nt!NtSetSecurityObject',
  IRP_MJ_POWER: 'nt!PopIrpWorker',
  IRP_MJ_SYSTEM_CONTROL: 'nt!WmipSendWmiIrp',
  IRP_MJ_DEVICE_CHANGE: 'nt!IopSynchronousCall',
  IRP_MJ_QUERY_QUOTA: 'nt!NtQueryQuotaInformationFile',
  IRP_MJ_SET_QUOTA: 'nt!NtSetQuotaInformationFile',
  IRP_MJ_PNP: 'nt!IopSynchronousCall',
};

/**
 * The IRQL and process context each routine kind runs in (language.md, routine-kind table).
 * `process: 'caller'` for helpers; `arbitrary` for DPC/completion (whatever is current).
 */
export interface RoutineKindInfo {
  kind: string;
  irql: number;
  /** Completion routines may run lower, but the linter assumes the worst. */
  irqlText: string;
  process: string;
  startedBy: string;
}

export const ROUTINE_KINDS: Readonly<Record<string, RoutineKindInfo>> = {
  entry: { kind: 'entry', irql: PASSIVE_LEVEL, irqlText: 'PASSIVE_LEVEL', process: 'System', startedBy: 'scenario `load` (DriverEntry)' },
  unload: { kind: 'unload', irql: PASSIVE_LEVEL, irqlText: 'PASSIVE_LEVEL', process: 'System', startedBy: 'scenario `unload`' },
  dispatch: {
    kind: 'dispatch',
    irql: PASSIVE_LEVEL,
    irqlText: 'PASSIVE_LEVEL',
    process: 'the requesting process',
    startedBy: 'scenario `irp IRP_MJ_X`',
  },
  dpc: {
    kind: 'dpc',
    irql: DISPATCH_LEVEL,
    irqlText: 'DISPATCH_LEVEL',
    process: 'arbitrary: whatever process is current (Idle by default)',
    startedBy: 'scenario `dpc`, KeInsertQueueDpc',
  },
  completion: {
    kind: 'completion',
    irql: DISPATCH_LEVEL,
    irqlText: 'DISPATCH_LEVEL (may be lower; assume the worst)',
    process: 'arbitrary (the simulator uses the process that called IoCallDriver)',
    startedBy: 'IoCallDriver on an IRP that has one',
  },
  workitem: {
    kind: 'workitem',
    irql: PASSIVE_LEVEL,
    irqlText: 'PASSIVE_LEVEL',
    process: 'System',
    startedBy: 'scenario `workitem`, IoQueueWorkItem, ExQueueWorkItem',
  },
  routine: { kind: 'routine', irql: PASSIVE_LEVEL, irqlText: "the caller's", process: "the caller's", startedBy: 'a call statement' },
};

