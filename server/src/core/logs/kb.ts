/**
 * Reads `k` / `kb` stack backtraces (and `!analyze -v`'s STACK_TEXT) into `StackFrame`s:
 *   ` # Child-SP          RetAddr           Call Site`
 *   `00 ffffd000`10000f38 fffff800`20000a10 nt!ExAllocatePoolWithTag`
 *   `01 ffffd000`10000f40 fffff800`20001c2c Leaky!ReadDispatch+0x9 [leaky.drvm @ 9]`
 * kb on x64 adds `: Args to Child … :` between RetAddr and the call site; x86 prints ChildEBP and
 * three argument words. `[file @ line]` appears when line loading is on; its line becomes the
 * frame's `line` (for PoolScope's own stacks, the script line).
 *
 * Source (Microsoft Learn): https://learn.microsoft.com/windows-hardware/drivers/debuggercmds/k--kb--kc--kd--kp--kp--kv--display-stack-backtrace-
 * Several stacks in one text (a PoolHitTag session: one `Break instruction exception` and one
 * table per break) are kept apart in `stacks`.
 */
import { isBlank, isChatter, normaliseAddress, type LogLine } from './lines';
import { LogParseError, type ParsedFrame, type ParsedLog } from './types';

const KB_HEADER = /^\s*#?\s*(Child-SP|ChildEBP)\s+RetAddr\b/;
const STACK_TEXT = /^\s*STACK_TEXT:\s*$/;
const BREAK_BANNER = /^\s*Break instruction exception\b/;
const DROPPED = /PoolHitTag breaks? (was|were) dropped/;
// What the debugger prints when a break stops it, before anyone types kb:
// `nt!ExAllocatePoolWithTag+0x49:` and `fffff802`1d3ff4f0 cc              int     3`.
const SYMBOL_LABEL = /^\s*[\w.$@?]+![\w.$@?<>:~]+(\+0x[0-9a-fA-F]+)?:\s*$/;
const DISASSEMBLY = /^\s*[0-9a-fA-F`]{8,17} [0-9a-fA-F]{2,16}\s{2,}[a-z][a-z0-9.]*\b/;
const POINTER = String.raw`(?:[0-9a-fA-F]{8}(?:\x60?[0-9a-fA-F]{8})?|-{8}\x60-{8}|\(Inline Function\))`;
const FRAME_ROW = new RegExp(String.raw`^\s*(?:([0-9a-fA-F]{2,4})\s+)?(${POINTER})\s+(${POINTER})\s+(.*\S)\s*$`);
const CALL_SITE = /^(.*?)(?:\+(0x[0-9a-fA-F]+))?(?:\s+\[(.*) @ (\d+)\])?$/;

export function isKbAnchor(text: string): boolean {
  return KB_HEADER.test(text) || STACK_TEXT.test(text) || BREAK_BANNER.test(text);
}

/** Drops the argument words between RetAddr and the call site (`: a b c :` on x64, `a b c` on x86). */
function callSiteText(rest: string): string {
  if (rest.startsWith(':')) {
    const second = rest.indexOf(':', 1);
    return second < 0 ? '' : rest.slice(second + 1).trim();
  }
  let text = rest;
  let m: RegExpExecArray | null;
  while ((m = /^[0-9a-fA-F]{8}(?:`[0-9a-fA-F]{8})?\s+(?=\S)/.exec(text))) text = text.slice(m[0].length);
  return text;
}

export function parseCallSite(site: string): Pick<ParsedFrame, 'frame' | 'line' | 'offset' | 'file'> {
  const m = CALL_SITE.exec(site.trim());
  const out: Pick<ParsedFrame, 'frame' | 'line' | 'offset' | 'file'> = { frame: (m?.[1] ?? site).trim() };
  if (m?.[2]) out.offset = m[2].toLowerCase();
  if (m?.[3] !== undefined) {
    out.file = m[3];
    out.line = Number(m[4]);
  }
  return out;
}

export function parseKb(lines: readonly LogLine[], start: number): ParsedLog {
  const stacks: ParsedFrame[][] = [];
  let current: ParsedFrame[] | undefined;
  for (let i = start; i < lines.length; i++) {
    const { number, text } = lines[i];
    if (isBlank(text) || isChatter(text) || DROPPED.test(text) || SYMBOL_LABEL.test(text) || DISASSEMBLY.test(text)) continue;
    if (BREAK_BANNER.test(text)) {
      current = undefined;
      continue;
    }
    if (KB_HEADER.test(text) || STACK_TEXT.test(text)) {
      current = [];
      stacks.push(current);
      continue;
    }
    const m = FRAME_ROW.exec(text);
    const site = m ? callSiteText(m[4]) : '';
    if (!m || !current || site === '') {
      throw new LogParseError(
        number,
        text,
        current ? 'expected a kb frame: [##] Child-SP RetAddr Call Site' : 'expected a kb header (# Child-SP RetAddr Call Site)',
      );
    }
    const frame: ParsedFrame = { ...parseCallSite(site) };
    if (m[1] !== undefined) frame.number = parseInt(m[1], 16);
    frame.childSp = m[2].startsWith('(') || m[2].startsWith('-') ? m[2] : normaliseAddress(m[2]);
    frame.retAddr = m[3].startsWith('(') || m[3].startsWith('-') ? m[3] : normaliseAddress(m[3]);
    current.push(frame);
  }
  const nonEmpty = stacks.filter((s) => s.length > 0);
  if (nonEmpty.length === 0) {
    const last = lines[lines.length - 1] ?? { number: 1, text: '' };
    throw new LogParseError(last.number, last.text, 'kb output without any frame');
  }
  const log: ParsedLog = { format: 'kb', frames: nonEmpty[0] };
  if (nonEmpty.length > 1) log.stacks = nonEmpty;
  return log;
}

/** Reprints parsed frames as a kb table, keeping the debugger's own Child-SP and RetAddr. */
export function formatParsedStack(frames: readonly ParsedFrame[]): string {
  const lines = [' # Child-SP          RetAddr           Call Site'];
  frames.forEach((f, i) => {
    let site = f.frame + (f.offset ? `+${f.offset}` : '');
    if (f.file !== undefined && f.line !== undefined) site += ` [${f.file} @ ${f.line}]`;
    const number = (f.number ?? i).toString(16).padStart(2, '0');
    lines.push(`${number} ${(f.childSp ?? '').padEnd(17)} ${(f.retAddr ?? '').padEnd(17)} ${site}`);
  });
  return lines.join('\n') + '\n';
}
