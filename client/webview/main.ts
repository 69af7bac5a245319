/**
 * The Pool Report page. It receives one run (or an imported debugger log) from the extension,
 * renders it with DOM calls only (dom.ts), keeps what it shows in `setState` so it survives
 * being hidden and a window reload, and posts back what it rendered.
 */
import { append, clear, h } from './dom';
import { bugcheckBanner } from './bugcheckBanner';
import type { FrameContext } from './frames';
import { formatNumber } from '../shared/format';
import { poolUsedTable } from './poolUsedTable';
import type { FromWebview, RenderedReportState, ReportViewState, SortColumn, ToWebview } from '../shared/reportProtocol';
import { diffSection, hitsSection, outstandingSection, quotaSection } from './sections';
import { usageChart } from './usageChart';

interface VsCodeApi {
  postMessage(message: FromWebview): void;
  getState(): ReportViewState | undefined;
  setState(state: ReportViewState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const DEFAULT_SORT = { column: 'pUsed' as SortColumn, descending: true };
let state: ReportViewState = vscode.getState() ?? { content: { kind: 'empty' }, filter: '', sort: DEFAULT_SORT };
const app = document.getElementById('app')!;
let disposeChart: (() => void) | undefined;
let chartTags: string[] = [];
let poolUsedHost: HTMLElement | undefined;
let shownTags: string[] = [];
let cspViolations = 0;
document.addEventListener('securitypolicyviolation', () => {
  cspViolations++;
});

function post(message: FromWebview): void {
  vscode.postMessage(message);
}

function theme(): RenderedReportState['theme'] {
  const c = document.body.classList;
  if (c.contains('vscode-high-contrast') || c.contains('vscode-high-contrast-light')) return 'high-contrast';
  return c.contains('vscode-light') ? 'light' : 'dark';
}

function frameContext(): FrameContext | undefined {
  if (state.content.kind !== 'run') return undefined;
  const run = state.content.run;
  return { uri: run.uri, fileName: run.fileName, openLine: (uri, line, column) => post({ type: 'openLine', uri, line, column }) };
}

function button(label: string, title: string, action: string, onClick: () => void): HTMLButtonElement {
  const b = h('button', { type: 'button', title, 'data-action': action }, label);
  b.addEventListener('click', onClick);
  return b;
}

function renderPoolUsed(focusFilter: boolean): void {
  if (!poolUsedHost) return;
  const rows = state.content.kind === 'run' ? state.content.run.result.poolused : state.content.kind === 'import' ? state.content.log.rows : [];
  const { element, shown } = poolUsedTable({
    rows,
    filter: state.filter,
    sort: state.sort,
    onSort: (column, descending) => update({ sort: { column, descending } }, false),
    onFilter: (filter) => update({ filter }, true),
  });
  shownTags = shown.map((r) => r.tag);
  clear(poolUsedHost);
  poolUsedHost.appendChild(element);
  if (focusFilter) {
    const input = element.querySelector('input.filter') as HTMLInputElement | null;
    input?.focus();
    input?.setSelectionRange(input.value.length, input.value.length);
  }
}

/** Filter and sort changes re-render only the table (the chart and the rest stay). */
function update(patch: Partial<ReportViewState>, focusFilter: boolean): void {
  state = { ...state, ...patch };
  vscode.setState(state);
  renderPoolUsed(focusFilter);
  postRendered();
}

function render(): void {
  disposeChart?.();
  disposeChart = undefined;
  chartTags = [];
  clear(app);
  const content = state.content;
  if (content.kind === 'empty') {
    append(
      app,
      h('h1', null, 'Pool Report'),
      h('p', { class: 'empty' }, 'No scenario has run yet. Run one from the Scenarios view, a "Run scenario" code lens, or "Pool: Run Scenario…".'),
    );
    poolUsedHost = undefined;
    shownTags = [];
  } else if (content.kind === 'run') {
    const { run } = content;
    const r = run.result;
    const ctx = frameContext()!;
    append(
      app,
      h(
        'header',
        null,
        h('h1', null, 'Pool Report — ', h('span', { 'data-scenario': '' }, run.scenario)),
        h(
          'div',
          { class: 'meta' },
          h('span', { 'data-driver': '' }, r.driver),
          ` · ${run.fileName} · seed ${r.seed} · ${formatNumber(r.steps)} steps · ${formatNumber(r.allocations)} allocations · ${formatNumber(r.frees)} frees · ${formatNumber(Math.round(run.durationMs))} ms`,
        ),
        h(
          'div',
          { class: 'actions' },
          button('Copy as WinDbg text', 'Copy the bug check, !poolused, !verifier 0x3 and kb text to the clipboard', 'copyWindbg', () => post({ type: 'copyWindbg' })),
          button('Export CSV', 'Save the !poolused table as CSV', 'exportCsv', () => post({ type: 'export', format: 'csv' })),
          button('Export JSON', 'Save the whole run as JSON (the same shape as poolscope simulate --json)', 'exportJson', () => post({ type: 'export', format: 'json' })),
          button('Run again', 'Run this scenario again', 'runAgain', () => post({ type: 'runAgain' })),
        ),
      ),
    );
    if (r.bugcheck) app.appendChild(bugcheckBanner(r.bugcheck, ctx));
    else app.appendChild(h('section', { class: 'clean', 'data-section': 'clean' }, 'No bug check: the run finished cleanly.'));
    for (const extra of (r.bugchecks ?? []).slice(1)) app.appendChild(bugcheckBanner(extra, ctx));
    poolUsedHost = h('div', null);
    app.appendChild(poolUsedHost);
    renderPoolUsed(false);
    const chart = usageChart(r.timeline);
    app.appendChild(chart.element);
    disposeChart = chart.dispose;
    chartTags = chart.tags;
    append(app, outstandingSection(r.outstanding, ctx), quotaSection(r.quota), hitsSection(r.hits, r.hitsDropped, r.hitTag, ctx));
  } else {
    const { log } = content;
    append(
      app,
      h(
        'header',
        null,
        h('h1', null, 'Debugger log — ', log.title),
        h('div', { class: 'meta' }, `format: ${log.format}`),
        h(
          'div',
          { class: 'actions' },
          button('Copy as WinDbg text', 'Copy the table the way !poolused prints it', 'copyWindbg', () => post({ type: 'copyWindbg' })),
          button('Export CSV', 'Save the table as CSV', 'exportCsv', () => post({ type: 'export', format: 'csv' })),
          button('Export JSON', 'Save the rows (and the growth between two logs) as JSON', 'exportJson', () => post({ type: 'export', format: 'json' })),
        ),
      ),
    );
    if (log.diff) app.appendChild(diffSection(log.diff));
    poolUsedHost = h('div', null);
    app.appendChild(poolUsedHost);
    renderPoolUsed(false);
  }
  vscode.setState(state);
  postRendered();
}

function postRendered(): void {
  const c = state.content;
  const r = c.kind === 'run' ? c.run.result : undefined;
  post({
    type: 'rendered',
    state: {
      kind: c.kind,
      scenario: c.kind === 'run' ? c.run.scenario : null,
      poolUsedRows: shownTags.length,
      poolUsedTags: shownTags,
      bugcheckCode: r?.bugcheck?.code ?? null,
      bugcheck: renderedBanner(),
      outstandingRows: document.querySelectorAll('[data-outstanding-table] tbody tr').length,
      quotaRows: document.querySelectorAll('[data-quota-table] tbody tr').length,
      quota: Array.from(document.querySelectorAll('[data-quota-table] tbody tr'), (tr) => texts(tr, 'td')),
      hitStacks: document.querySelectorAll('[data-hit]').length,
      diffRows: document.querySelectorAll('[data-diff-table] tbody tr').length,
      filter: state.filter,
      sort: state.sort,
      chartSeries: chartTags.length,
      chartTags,
      actions: texts(app, '.actions button'),
      theme: theme(),
      cspViolations,
    },
  });
}

function texts(root: ParentNode, selector: string): string[] {
  return Array.from(root.querySelectorAll(selector), (e) => e.textContent ?? '');
}

/** The first bug check banner, read back from the DOM (what the user sees, not what was sent). */
function renderedBanner(): RenderedReportState['bugcheck'] {
  const banner = document.querySelector('[data-section="bugcheck"]');
  if (!banner) return null;
  return {
    name: banner.querySelector('.name')?.textContent ?? '',
    params: texts(banner, '.params td'),
    meaning: banner.querySelector('.meaning')?.textContent ?? null,
    stack: texts(banner, '.stack .kb-frame'),
    culprits: banner.querySelectorAll('.culprits tbody tr').length,
  };
}

window.addEventListener('message', (event: MessageEvent<ToWebview>) => {
  const msg = event.data;
  switch (msg.type) {
    case 'showRun':
      state = { ...state, content: { kind: 'run', run: msg.run } };
      render();
      break;
    case 'showImport':
      state = { ...state, content: { kind: 'import', log: msg.log } };
      render();
      break;
    case 'setFilter':
      update({ filter: msg.filter }, false);
      break;
    case 'setSort':
      update({ sort: { column: msg.column, descending: msg.descending } }, false);
      break;
    case 'requestRendered':
      postRendered();
      break;
  }
});

// The theme changes by swapping the body's classes: re-render so the chart takes the new colours.
new MutationObserver(() => render()).observe(document.body, { attributes: true, attributeFilter: ['class'] });

render();
post({ type: 'ready', restored: state.content.kind === 'empty' ? undefined : state.content });
