/**
 * The bug check, in the spirit of `!analyze -v`: the banner, `NAME (code)`, the description,
 * `Arguments:` with the meaning of each parameter, `BUGCHECK_*` lines, the STACK_TEXT in `kb`
 * form, and the culprits — the outstanding blocks as a `!verifier 3` table, or the offending site.
 *
 * Sources (Microsoft Learn):
 * - !analyze: https://learn.microsoft.com/windows-hardware/drivers/debuggercmds/-analyze
 * - Bug Check 0xC4: https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xc4--driver-verifier-detected-violation
 * - Bug Check 0xC2: https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xc2--bad-pool-caller
 * - Bug Check 0xCB: https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xcb--driver-left-locked-pages-in-process
 * - Pool Tracking (0xC4/0x62 at unload, 0xCB for locked pages): https://learn.microsoft.com/windows-hardware/drivers/devtest/pool-tracking
 */
import { padTag } from '../poolTag';
import type { BugCheck, OutstandingBlock, SourceSite, StackFrame } from '../simulator/result';
import { argument64, frameSymbol, innermostDriverFrame, scriptBaseName } from './format';
import { formatKbStack } from './kb';
import { formatVerifierTable } from './verifier';

type Culprit = BugCheck['culprits'][number];
type ArgMeanings = [string, string, string, string];

const BANNER = [
  '*******************************************************************************',
  '*                                                                             *',
  '*                        Bugcheck Analysis                                    *',
  '*                                                                             *',
  '*******************************************************************************',
];

/** Parameter meanings by bug check code and, where the code has subcodes, by Parameter 1. */
const ARGUMENTS: Record<string, Record<string, ArgMeanings> & { default?: ArgMeanings }> = {
  C4: {
    '62': [
      'A driver has forgotten to free its pool allocations prior to unloading.',
      'name of the driver having the issue.',
      'verifier internal structure with driver information.',
      "total # of (paged+nonpaged) allocations that weren't freed.",
    ],
    '10b': [
      'Quota charged from a DPC routine: the current process is arbitrary at DISPATCH_LEVEL.',
      'Reserved',
      'Reserved',
      'Reserved',
    ],
    '10a': ['Quota charged to the Idle process.', 'Reserved', 'Reserved', 'Reserved'],
    '1': [
      'Attempt to allocate paged pool at IRQL > APC_LEVEL.',
      'current IRQL',
      'pool type (1 = paged)',
      'number of bytes requested',
    ],
    '11': [
      'Attempt to free paged pool at IRQL > APC_LEVEL.',
      'current IRQL',
      'pool type (1 = paged)',
      'address of the pool block being freed',
    ],
    '105': [
      'ExFreePool called on an IRP: an IRP from IoAllocateIrp must be released with IoFreeIrp.',
      'Reserved',
      'Reserved',
      'Reserved',
    ],
    default: ['Driver Verifier violation code', 'Reserved', 'Reserved', 'Reserved'],
  },
  C2: {
    '7': [
      'Attempt to free pool which was already freed.',
      'Reserved',
      'pool header contents',
      'address of the block of pool being freed',
    ],
    a: [
      'Attempt to free pool with the wrong tag.',
      'address of the block of pool being freed',
      "allocator's tag (ULONG)",
      'tag used in the attempted free (ULONG)',
    ],
    '99': ['Attempt to free pool with an invalid address.', 'address being freed', 'Reserved', 'Reserved'],
    default: ['BAD_POOL_CALLER violation code', 'Reserved', 'Reserved', 'Reserved'],
  },
  CB: {
    default: [
      'address of the internal lock tracking structure',
      'Reserved',
      'address of the MDL containing the locked pages',
      'number of locked pages',
    ],
  },
};

function normaliseHex(value: string): string {
  const digits = value.trim().replace(/^0x/i, '').replace(/`/g, '').replace(/^0+(?=.)/, '');
  return digits.toLowerCase();
}

function argumentMeanings(bugcheck: BugCheck): ArgMeanings {
  const table = ARGUMENTS[normaliseHex(bugcheck.code).toUpperCase()];
  if (!table) return ['Parameter 1', 'Parameter 2', 'Parameter 3', 'Parameter 4'];
  return table[normaliseHex(bugcheck.params[0])] ?? table.default ?? ['Parameter 1', 'Parameter 2', 'Parameter 3', 'Parameter 4'];
}

/** Word-wraps a paragraph at 79 columns, as `!analyze -v` prints its descriptions. */
export function wrapParagraph(text: string, width = 79): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split(/\n/)) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      if (line && line.length + 1 + word.length > width) {
        lines.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    lines.push(line);
  }
  return lines;
}

function isBlock(c: Culprit): c is OutstandingBlock {
  return typeof (c as OutstandingBlock).size === 'number' && typeof (c as OutstandingBlock).pool === 'string';
}

/** The module of the first driver frame found in the stack or the culprits (`Leaky` of `Leaky!ReadDispatch`). */
function faultingModule(bugcheck: BugCheck): string | undefined {
  const stacks: StackFrame[][] = [bugcheck.stack, ...bugcheck.culprits.map((c) => c.stack ?? [])];
  for (const stack of stacks) {
    const frame = innermostDriverFrame(stack);
    if (frame && frame.frame.includes('!')) return frame.frame.slice(0, frame.frame.indexOf('!'));
  }
  return undefined;
}

function formatSiteCulprit(c: { site: SourceSite; stack: StackFrame[]; address?: string; tag?: string }, file: string): string {
  const frame = innermostDriverFrame(c.stack);
  const where = `${file}:${c.site.line}, column ${c.site.column}`;
  let text = frame ? `${frameSymbol(frame)} (${where})` : where;
  const extra: string[] = [];
  if (c.tag !== undefined) extra.push(`tag '${padTag(c.tag)}'`);
  if (c.address !== undefined) extra.push(`block ${c.address}`);
  if (extra.length) text += ` — ${extra.join(', ')}`;
  return `OFFENDING_SITE: ${text}`;
}

/** The culprit lines: a `!verifier 3` table of the outstanding blocks, then any offending sites. */
function formatCulprits(culprits: readonly Culprit[], file: string): string[] {
  const blocks = culprits.filter(isBlock);
  const sites = culprits.filter((c) => !isBlock(c)) as Array<Exclude<Culprit, OutstandingBlock>>;
  const lines: string[] = [];
  if (blocks.length > 0) {
    lines.push(`CULPRITS: ${blocks.length} outstanding ${blocks.length === 1 ? 'allocation' : 'allocations'}`);
    lines.push(...formatVerifierTable(blocks, file));
  }
  for (const site of sites) lines.push(formatSiteCulprit(site, file));
  return lines;
}

/** The `!analyze -v`-style text of one bug check, or the clean-run line for null. */
export function formatBugCheck(bugcheck: BugCheck | null | undefined, file?: string): string {
  if (!bugcheck) return 'No bug check: the scenario ran clean.\n';
  const name = scriptBaseName(file);
  const code = normaliseHex(bugcheck.code);
  const meanings = argumentMeanings(bugcheck);
  const module = faultingModule(bugcheck);
  const lines = [...BANNER, '', `${bugcheck.name} (${code})`, ...wrapParagraph(bugcheck.description), 'Arguments:'];
  bugcheck.params.forEach((p, i) => lines.push(`Arg${i + 1}: ${argument64(p)}, ${meanings[i]}`));
  if (code === 'c4' && normaliseHex(bugcheck.params[0]) === '62') {
    lines.push(`\tType !verifier 3 ${module ? module + '.sys' : 'drivername.sys'} for info on the allocations`);
    lines.push('\tthat were leaked that caused the bugcheck.');
  }
  lines.push('', 'Debugging Details:', '------------------', '');
  lines.push(`BUGCHECK_CODE:  ${code}`);
  bugcheck.params.forEach((p, i) => lines.push(`BUGCHECK_P${i + 1}: ${normaliseHex(p)}`));
  lines.push(`SCENARIO_STEP:  ${bugcheck.step}`);
  lines.push('', 'STACK_TEXT:');
  // The machine stops in KeBugCheckEx; show it innermost, as every real STACK_TEXT does.
  const stack = bugcheck.stack[0]?.frame === 'nt!KeBugCheckEx' ? bugcheck.stack : [{ frame: 'nt!KeBugCheckEx' }, ...bugcheck.stack];
  lines.push(...formatKbStack(stack, name));
  const culprits = formatCulprits(bugcheck.culprits, name);
  if (culprits.length) lines.push('', ...culprits);
  if (module) lines.push('', `MODULE_NAME: ${module}`, '', `IMAGE_NAME:  ${module}.sys`);
  return lines.join('\n') + '\n';
}

/** Every bug check of a `--continue-on-bugcheck` run, numbered, a blank line apart. */
export function formatBugChecks(bugchecks: readonly BugCheck[], file?: string): string {
  if (bugchecks.length === 0) return formatBugCheck(null, file);
  if (bugchecks.length === 1) return formatBugCheck(bugchecks[0], file);
  return bugchecks
    .map((b, i) => `Bug check ${i + 1} of ${bugchecks.length} (step ${b.step}):\n` + formatBugCheck(b, file))
    .join('\n');
}
