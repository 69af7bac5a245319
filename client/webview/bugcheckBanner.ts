/**
 * The bug check banner: what the Driver Verifier machine would have shown on its blue screen
 * and in `!analyze -v` — code, name, the four parameters, what it means, the stack at the
 * moment it was raised, and the culprit allocations.
 */
import type { BugCheck } from '../../server/src/protocol';
import { h } from './dom';
import { kbStack, siteLink, type FrameContext } from './frames';
import { hex } from '../shared/format';

/** What P1 of bug check 0xC4 / 0xC2 means (the subset the simulator raises). */
const PARAM1: Record<string, Record<string, string>> = {
  '0xC4': {
    '0x1': 'paged-pool allocation at IRQL > APC_LEVEL',
    '0x11': 'free of a paged block at IRQL > APC_LEVEL',
    '0x62': 'the driver unloaded without freeing its pool allocations',
    '0x105': 'ExFreePool on an IRP',
    '0x10a': 'quota charged to the Idle process',
    '0x10b': 'quota charged from a DPC routine',
  },
  '0xC2': {
    '0x7': 'the block was already freed',
    '0xa': 'the free used a different tag than the allocation',
    '0x99': 'free of an address that is not a live pool block',
  },
};

export function bugcheckBanner(bc: BugCheck, ctx: FrameContext): HTMLElement {
  const meaning = PARAM1[bc.code.toUpperCase().replace('0X', '0x')]?.[bc.params[0].toLowerCase().replace(/^0x0*(?=.)/, '0x')];
  const stop = `*** STOP: ${padCode(bc.code)} (${bc.params.join(', ')})`;
  return h(
    'section',
    { class: 'bugcheck', role: 'alert', 'data-section': 'bugcheck' },
    h('div', { class: 'bugcheck-title' }, h('span', { class: 'code', 'data-bugcheck-code': bc.code }, bc.code), ' ', h('span', { class: 'name' }, bc.name)),
    h('div', { class: 'stop mono' }, stop),
    meaning ? h('div', { class: 'meaning' }, `Arg1 ${bc.params[0]}: ${meaning}.`) : null,
    h(
      'table',
      { class: 'params' },
      h('tbody', null, ...bc.params.map((p, i) => h('tr', null, h('th', null, `Arg${i + 1}`), h('td', { class: 'mono' }, p)))),
    ),
    h('p', { class: 'description' }, bc.description),
    h('div', { class: 'step' }, `Raised at step ${bc.step}`),
    bc.stack.length ? opened(h('details', { class: 'stack' }, h('summary', null, 'Stack at the bug check (kb)'), kbStack(bc.stack, ctx))) : null,
    bc.culprits.length
      ? h(
          'details',
          { class: 'culprits' },
          h('summary', null, `Culprits (${bc.culprits.length})`),
          h(
            'table',
            { class: 'data' },
            h('thead', null, h('tr', null, h('th', null, 'Address'), h('th', null, 'Tag'), h('th', { class: 'num' }, 'Size'), h('th', null, 'Site'))),
            h(
              'tbody',
              null,
              ...bc.culprits.slice(0, 200).map((c) =>
                h(
                  'tr',
                  null,
                  h('td', { class: 'mono' }, c.address ?? ''),
                  h('td', { class: 'tag' }, c.tag ?? ''),
                  h('td', { class: 'num mono' }, 'size' in c ? hex(c.size) : ''),
                  h('td', null, siteLink(c.site.line, c.site.column, c.stack, ctx)),
                ),
              ),
            ),
          ),
        )
      : null,
  );
}

function opened(d: HTMLDetailsElement): HTMLDetailsElement {
  d.open = true;
  return d;
}

function padCode(code: string): string {
  const n = parseInt(code, 16);
  return Number.isNaN(n) ? code : `0x${n.toString(16).toUpperCase().padStart(8, '0')}`;
}
