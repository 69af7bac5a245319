/**
 * The `!poolused` table: NonPaged and Paged Allocs (live blocks) and Used (live bytes) per
 * tag, with a TOTAL row, sortable columns, and a tag filter with `*` / `?` wildcards like
 * `!poolused 4 Ab*`.
 */
import type { PoolUsedRow } from '../../server/src/protocol';
import { matchTagPattern } from '../../server/src/core/poolTag';
import { h } from './dom';
import { formatNumber } from '../shared/format';
import type { SortColumn } from '../shared/reportProtocol';

const COLUMNS: Array<{ id: SortColumn; title: string; numeric: boolean }> = [
  { id: 'tag', title: 'Tag', numeric: false },
  { id: 'npAllocs', title: 'NonPaged Allocs', numeric: true },
  { id: 'npUsed', title: 'NonPaged Used', numeric: true },
  { id: 'pAllocs', title: 'Paged Allocs', numeric: true },
  { id: 'pUsed', title: 'Paged Used', numeric: true },
];

function value(row: PoolUsedRow, col: SortColumn): number | string {
  switch (col) {
    case 'tag':
      return row.tag;
    case 'npAllocs':
      return row.nonPaged.diff;
    case 'npUsed':
      return row.nonPaged.used;
    case 'pAllocs':
      return row.paged.diff;
    case 'pUsed':
      return row.paged.used;
  }
}

export function filterAndSort(rows: PoolUsedRow[], filter: string, sort: { column: SortColumn; descending: boolean }): PoolUsedRow[] {
  const pattern = filter.trim().replace(/^'(.*)'$/, '$1');
  const out = rows.filter((r) => matchTagPattern(r.tag, pattern));
  out.sort((a, b) => {
    const va = value(a, sort.column);
    const vb = value(b, sort.column);
    const c = va < vb ? -1 : va > vb ? 1 : a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0;
    return sort.descending && va !== vb ? -c : c;
  });
  return out;
}

export interface PoolUsedTableOptions {
  rows: PoolUsedRow[];
  filter: string;
  sort: { column: SortColumn; descending: boolean };
  onSort(column: SortColumn, descending: boolean): void;
  onFilter(filter: string): void;
}

export function poolUsedTable(o: PoolUsedTableOptions): { element: HTMLElement; shown: PoolUsedRow[] } {
  const shown = filterAndSort(o.rows, o.filter, o.sort);
  const input = h('input', { type: 'text', class: 'filter', placeholder: 'Tag filter, e.g. Ab* or ?bc', value: o.filter, 'aria-label': 'Tag filter' });
  input.spellcheck = false;
  input.addEventListener('input', () => o.onFilter(input.value));

  const head = h(
    'tr',
    null,
    ...COLUMNS.map((c) => {
      const active = o.sort.column === c.id;
      const th = h(
        'th',
        { class: `${c.numeric ? 'num ' : ''}sortable${active ? ' sorted' : ''}`, 'data-sort': c.id, 'aria-sort': active ? (o.sort.descending ? 'descending' : 'ascending') : 'none', title: `Sort by ${c.title}` },
        c.title,
        active ? (o.sort.descending ? ' ▼' : ' ▲') : '',
      );
      th.tabIndex = 0;
      const toggle = () => o.onSort(c.id, active ? !o.sort.descending : c.numeric);
      th.addEventListener('click', toggle);
      th.addEventListener('keydown', (e) => (e.key === 'Enter' || e.key === ' ') && (e.preventDefault(), toggle()));
      return th;
    }),
  );
  const total = shown.reduce(
    (t, r) => ({ np: t.np + r.nonPaged.diff, npU: t.npU + r.nonPaged.used, p: t.p + r.paged.diff, pU: t.pU + r.paged.used }),
    { np: 0, npU: 0, p: 0, pU: 0 },
  );
  const table = h(
    'table',
    { class: 'data poolused', 'data-poolused-table': '' },
    h('thead', null, head),
    h(
      'tbody',
      null,
      ...shown.map((r) =>
        h(
          'tr',
          { 'data-tag': r.tag, title: r.owner },
          h('td', { class: 'tag', 'data-col': 'tag' }, r.tag),
          h('td', { class: 'num' }, formatNumber(r.nonPaged.diff)),
          h('td', { class: 'num' }, formatNumber(r.nonPaged.used)),
          h('td', { class: 'num' }, formatNumber(r.paged.diff)),
          h('td', { class: 'num' }, formatNumber(r.paged.used)),
        ),
      ),
    ),
    h(
      'tfoot',
      null,
      h('tr', null, h('td', null, 'TOTAL'), h('td', { class: 'num' }, formatNumber(total.np)), h('td', { class: 'num' }, formatNumber(total.npU)), h('td', { class: 'num' }, formatNumber(total.p)), h('td', { class: 'num' }, formatNumber(total.pU))),
    ),
  );
  const command = `kd> !poolused ${o.sort.column === 'npUsed' ? 2 : o.sort.column === 'pUsed' ? 4 : 0}${o.filter.trim() ? ` ${o.filter.trim()}` : ''}`;
  const element = h(
    'section',
    { 'data-section': 'poolused' },
    h('h2', null, 'Pool Used'),
    h('div', { class: 'toolbar' }, input, h('span', { class: 'command mono' }, command), h('span', { class: 'count' }, `${shown.length} of ${o.rows.length} tags`)),
    shown.length || o.rows.length ? table : h('p', { class: 'empty' }, 'No pool was allocated.'),
  );
  return { element, shown };
}
