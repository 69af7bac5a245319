/** The report's other sections: `!verifier 0x3`, quota per process, PoolHitTag breaks, log diffs. */
import type { HitTagBreak, OutstandingBlock, QuotaRow } from '../../server/src/protocol';
import { h } from './dom';
import { kbStack, siteLink, type FrameContext } from './frames';
import { formatNumber, hex } from '../shared/format';
import type { ImportedLog } from '../shared/reportProtocol';

/** Rows shown before "N more" — a leak of 30,000 blocks should not freeze the page. */
const MAX_ROWS = 500;
const MAX_BREAKS = 200;

const hex8 = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

export function outstandingSection(blocks: OutstandingBlock[], ctx: FrameContext): HTMLElement {
  const np = blocks.filter((b) => b.pool === 'NonPagedPool');
  const p = blocks.filter((b) => b.pool === 'PagedPool');
  const bytes = (list: OutstandingBlock[]) => list.reduce((s, b) => s + b.size, 0);
  return h(
    'section',
    { 'data-section': 'outstanding' },
    h('h2', null, 'Outstanding allocations (!verifier 0x3)'),
    h(
      'div',
      { class: 'mono verifier-stats' },
      h('div', null, 'Pool Allocation Statistics: ( NonPagedPool / PagedPool )'),
      h('div', null, `Current Pool Allocations: ( ${hex8(np.length)} / ${hex8(p.length)} )`),
      h('div', null, `Current Pool Bytes:       ( ${hex8(bytes(np))} / ${hex8(bytes(p))} )`),
    ),
    blocks.length === 0
      ? h('p', { class: 'empty' }, 'The driver owns no pool blocks.')
      : h(
          'table',
          { class: 'data', 'data-outstanding-table': '' },
          h('thead', null, h('tr', null, h('th', null, 'Address'), h('th', { class: 'num' }, 'Length'), h('th', null, 'Tag'), h('th', null, 'Kind'), h('th', null, 'Caller'))),
          h(
            'tbody',
            null,
            ...blocks.slice(0, MAX_ROWS).map((b) =>
              h(
                'tr',
                null,
                h('td', { class: 'mono' }, b.address),
                h('td', { class: 'num mono' }, hex8(b.size)),
                h('td', { class: 'tag' }, b.tag),
                h('td', null, b.kind),
                h('td', null, siteLink(b.site.line, b.site.column, b.stack, ctx)),
              ),
            ),
          ),
        ),
    blocks.length > MAX_ROWS ? h('p', { class: 'more' }, `… and ${formatNumber(blocks.length - MAX_ROWS)} more (export to CSV or JSON for all of them)`) : null,
  );
}

export function quotaSection(rows: QuotaRow[]): HTMLElement {
  return h(
    'section',
    { 'data-section': 'quota' },
    h('h2', null, 'Quota charged per process'),
    rows.length === 0
      ? h('p', { class: 'empty' }, 'No allocation charged quota.')
      : h(
          'table',
          { class: 'data', 'data-quota-table': '' },
          h('thead', null, h('tr', null, h('th', null, 'Process'), h('th', { class: 'num' }, 'NonPaged bytes'), h('th', { class: 'num' }, 'Paged bytes'))),
          h('tbody', null, ...rows.map((q) => h('tr', null, h('td', null, q.process), h('td', { class: 'num' }, formatNumber(q.nonPaged)), h('td', { class: 'num' }, formatNumber(q.paged))))),
        ),
  );
}

export function hitsSection(hits: HitTagBreak[], dropped: number, hitTag: string | null | undefined, ctx: FrameContext): HTMLElement {
  return h(
    'section',
    { 'data-section': 'hits' },
    h('h2', null, `PoolHitTag breaks${hitTag ? ` ('${hitTag}')` : ''}`),
    hits.length === 0
      ? h('p', { class: 'empty' }, hitTag ? `No allocation or free of '${hitTag}' happened.` : 'No PoolHitTag was set for this run (Pool: Set PoolHitTag…).')
      : h(
          'div',
          { class: 'hits' },
          ...hits.slice(0, MAX_BREAKS).map((b) =>
            h(
              'div',
              { class: 'hit', 'data-hit': '' },
              h('div', { class: 'mono hit-title' }, `Break instruction exception - PoolHitTag '${b.tag}' (${b.event === 'alloc' ? 'allocate' : 'free'}, ${b.pool}, ${hex(b.size)} bytes, ${b.address})`),
              kbStack(b.stack, ctx),
            ),
          ),
        ),
    hits.length > MAX_BREAKS ? h('p', { class: 'more' }, `… and ${formatNumber(hits.length - MAX_BREAKS)} more breaks`) : null,
    dropped > 0 ? h('p', { class: 'more' }, `${formatNumber(dropped)} breaks were not recorded (cap reached).`) : null,
  );
}

export function diffSection(diff: NonNullable<ImportedLog['diff']>): HTMLElement {
  return h(
    'section',
    { 'data-section': 'diff' },
    h('h2', null, 'Growth between the two logs (after − before)'),
    h(
      'table',
      { class: 'data', 'data-diff-table': '' },
      h(
        'thead',
        null,
        h('tr', null, h('th', null, 'Tag'), h('th', { class: 'num' }, 'NonPaged Allocs'), h('th', { class: 'num' }, 'NonPaged Bytes'), h('th', { class: 'num' }, 'Paged Allocs'), h('th', { class: 'num' }, 'Paged Bytes')),
      ),
      h(
        'tbody',
        null,
        ...diff.map((d) =>
          h(
            'tr',
            { class: d.pagedBytes + d.nonPagedBytes > 0 ? 'grew' : d.pagedBytes + d.nonPagedBytes < 0 ? 'shrank' : undefined },
            h('td', { class: 'tag', 'data-col': 'tag' }, d.tag),
            h('td', { class: 'num' }, signed(d.nonPagedAllocs)),
            h('td', { class: 'num' }, signed(d.nonPagedBytes)),
            h('td', { class: 'num' }, signed(d.pagedAllocs)),
            h('td', { class: 'num' }, signed(d.pagedBytes)),
          ),
        ),
      ),
    ),
  );
}

function signed(n: number): string {
  return n > 0 ? `+${formatNumber(n)}` : formatNumber(n);
}
