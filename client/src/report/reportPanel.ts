/**
 * The Pool Report webview panel: one per window, showing the last run (or an imported
 * debugger log). Strict CSP with a nonce, only local resources (dist/ and media/), state kept
 * by the page with setState and restored after a reload through the panel serializer.
 */
import * as vscode from 'vscode';
import { RenderReportRequest } from '../../../server/src/protocol';
import type { FromWebview, ImportedLog, RenderedReportState, ReportRun, ReportViewState, ToWebview } from '../../shared/reportProtocol';
import { errorText, type LanguageServerConnection } from '../languageServer';
import { revealLine } from '../scenarioRunner';
import { makeNonce, reportHtml } from './reportHtml';

export type ReportContent = Exclude<ReportViewState['content'], { kind: 'empty' }>;

export class ReportPanel implements vscode.Disposable {
  static readonly viewType = 'poolscope.report';
  private panel: vscode.WebviewPanel | undefined;
  private content: ReportContent | undefined;
  private ready = false;
  private lastRendered: RenderedReportState | undefined;
  private loads = 0;
  private readonly rendered = new vscode.EventEmitter<RenderedReportState>();
  /** What the page rendered, after every render (the integration suite waits on it). */
  readonly onDidRender = this.rendered.event;
  private readonly handled = new vscode.EventEmitter<{ type: FromWebview['type']; error?: string }>();
  /** A button of the page (copy, export, run again) has done its work, or failed with `error`. */
  readonly onDidHandleAction = this.handled.event;
  private readonly disposables: vscode.Disposable[] = [this.rendered, this.handled];

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly server: LanguageServerConnection,
    private readonly actions: { exportReport(format: 'csv' | 'json'): Promise<unknown>; runAgain(run: ReportRun): Promise<unknown> },
  ) {
    this.disposables.push(
      vscode.window.registerWebviewPanelSerializer(ReportPanel.viewType, {
        deserializeWebviewPanel: async (panel) => this.attach(panel),
      }),
    );
  }

  get current(): ReportContent | undefined {
    return this.content;
  }

  get renderedState(): RenderedReportState | undefined {
    return this.lastRendered;
  }

  /** How many times the page has loaded (it reloads from its saved state after being hidden). */
  get pageLoads(): number {
    return this.loads;
  }

  get isOpen(): boolean {
    return this.panel !== undefined;
  }

  /** Shows the panel (creating it if needed) with the given content, or what it had. */
  show(content?: ReportContent, preserveFocus = false): void {
    if (content) this.content = content;
    if (!this.panel) {
      const panel = vscode.window.createWebviewPanel(ReportPanel.viewType, 'Pool Report', { viewColumn: vscode.ViewColumn.Beside, preserveFocus }, this.options());
      this.attach(panel);
    } else {
      this.panel.reveal(undefined, preserveFocus);
      this.push();
    }
  }

  /** Updates an open panel with a new run; a closed one stays closed. */
  update(content: ReportContent): void {
    this.content = content;
    if (this.panel) this.push();
  }

  post(message: ToWebview): void {
    void this.panel?.webview.postMessage(message);
  }

  /** "Copy as WinDbg text": the server renders the run the way the CLI's `--report all` does. */
  async windbgText(): Promise<string> {
    const c = this.content;
    if (!c) throw new Error('The Pool Report is empty: run a scenario first.');
    if (c.kind === 'import') return importText(c.log);
    // With the script's URI the server names it in `[leaky.drvm @ 14]` frames and adds the
    // owners from its poolscope.pooltagFile, as `poolscope simulate --pooltag` does.
    const { text } = await this.server.request(RenderReportRequest, { result: c.run.result, uri: c.run.uri, reports: ['all'] });
    return text;
  }

  private options(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      enableFindWidget: true,
      localResourceRoots: [vscode.Uri.joinPath(this.context.extensionUri, 'dist'), vscode.Uri.joinPath(this.context.extensionUri, 'media')],
    };
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    this.ready = false;
    panel.webview.options = this.options();
    panel.iconPath = vscode.Uri.joinPath(this.context.extensionUri, 'media', 'pool-tracking.svg');
    panel.webview.html = this.html(panel.webview);
    const subs = [
      panel.webview.onDidReceiveMessage((m: FromWebview) => this.onMessage(m)),
      panel.onDidDispose(() => {
        this.panel = undefined;
        this.ready = false;
        this.lastRendered = undefined;
        for (const s of subs) s.dispose();
      }),
    ];
  }

  private push(): void {
    if (!this.ready || !this.panel || !this.content) return;
    this.post(this.content.kind === 'run' ? { type: 'showRun', run: this.content.run } : { type: 'showImport', log: this.content.log });
  }

  private async onMessage(m: FromWebview): Promise<void> {
    switch (m.type) {
      case 'ready':
        this.ready = true;
        this.loads++;
        // After a reload the page shows what it had; adopt it when this window has nothing newer.
        if (!this.content && m.restored && m.restored.kind !== 'empty') this.content = m.restored;
        else this.push();
        return;
      case 'rendered':
        this.lastRendered = m.state;
        this.rendered.fire(m.state);
        return;
      case 'openLine':
        await revealLine(m.uri, m.line, m.column).catch((e) => vscode.window.showErrorMessage(`Cannot open ${m.uri}: ${errorText(e)}`));
        return;
      case 'copyWindbg':
        try {
          await vscode.env.clipboard.writeText(await this.windbgText());
          vscode.window.setStatusBarMessage('PoolScope: report copied as WinDbg text', 4_000);
          this.handled.fire({ type: m.type });
        } catch (e) {
          void vscode.window.showErrorMessage(`Copy as WinDbg text failed: ${errorText(e)}`);
          this.handled.fire({ type: m.type, error: errorText(e) });
        }
        return;
      case 'export':
        await this.actions.exportReport(m.format);
        this.handled.fire({ type: m.type });
        return;
      case 'runAgain':
        if (this.content?.kind === 'run') await this.actions.runAgain(this.content.run);
        this.handled.fire({ type: m.type });
        return;
    }
  }

  private html(webview: vscode.Webview): string {
    const asset = (...p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(this.context.extensionUri, ...p)).toString();
    return reportHtml(makeNonce(), { cspSource: webview.cspSource, chartCss: asset('dist', 'uPlot.min.css'), reportCss: asset('media', 'report.css'), script: asset('dist', 'webview.js') });
  }

  dispose(): void {
    this.panel?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}

/** An imported log as `!poolused` prints it. */
function importText(log: ImportedLog): string {
  const pad = (s: string | number, n: number) => String(s).padStart(n);
  const lines = [`${log.title} (${log.format})`, '', '  Pool Used:', '            NonPaged            Paged', ' Tag    Allocs     Used    Allocs     Used'];
  for (const r of log.rows) lines.push(` ${r.tag.padEnd(4)} ${pad(r.nonPaged.diff, 9)} ${pad(r.nonPaged.used, 8)} ${pad(r.paged.diff, 9)} ${pad(r.paged.used, 8)}`);
  if (log.diff) {
    lines.push('', ' Tag    +NP Allocs  +NP Bytes  +P Allocs  +P Bytes');
    for (const d of log.diff) lines.push(` ${d.tag.padEnd(4)} ${pad(d.nonPagedAllocs, 11)} ${pad(d.nonPagedBytes, 10)} ${pad(d.pagedAllocs, 10)} ${pad(d.pagedBytes, 9)}`);
  }
  return `${lines.join('\n')}\n`;
}
