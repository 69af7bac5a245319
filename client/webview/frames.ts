/** Stacks in `kb` form, with driver frames that open the script at their line. */
import type { StackFrame } from '../../server/src/protocol';
import { h } from './dom';
import { formatFrame, isDriverFrame, routineOf } from '../shared/format';

export interface FrameContext {
  uri: string;
  fileName: string;
  openLine(uri: string, line: number, column?: number): void;
}

export function kbStack(stack: StackFrame[], ctx: FrameContext): HTMLElement {
  return h(
    'div',
    { class: 'kb mono' },
    h('div', { class: 'kb-head' }, ' # Call Site'),
    ...stack.map((f, i) => h('div', { class: 'kb-frame' }, `${String(i).padStart(2, '0')} `, frameNode(f, ctx))),
  );
}

export function frameNode(f: StackFrame, ctx: FrameContext): Node {
  const text = formatFrame(f, ctx.fileName);
  if (!isDriverFrame(f)) return document.createTextNode(text);
  return lineLink(text, f.line!, f.column, ctx);
}

/** `ReadDispatch line 13` linking to the allocation site. */
export function siteLink(line: number, column: number | undefined, stack: StackFrame[], ctx: FrameContext): Node {
  const routine = routineOf(stack);
  return lineLink(`${routine ? `${routine} ` : ''}(${ctx.fileName}:${line})`, line, column, ctx);
}

function lineLink(text: string, line: number, column: number | undefined, ctx: FrameContext): HTMLElement {
  const a = h('a', { class: 'frame-link', role: 'link', 'data-line': line, title: `Open ${ctx.fileName} at line ${line}` }, text);
  a.tabIndex = 0;
  const open = () => ctx.openLine(ctx.uri, line, column);
  a.addEventListener('click', (e) => {
    e.preventDefault();
    open();
  });
  a.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      open();
    }
  });
  return a;
}
