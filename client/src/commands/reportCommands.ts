/**
 * Pool: Show Pool Report, Export Report…, Import Debugger Log…, Copy Report as WinDbg Text.
 * Each takes optional arguments so that it can be scripted (tests, keybindings, tasks).
 */
import * as vscode from 'vscode';
import { ImportLogRequest, type ImportLogResult } from '../../../server/src/protocol';
import { errorText, type LanguageServerConnection } from '../languageServer';
import { importJson, poolUsedCsv, runJson, type ExportFormat } from '../report/exportFormats';
import type { ReportPanel } from '../report/reportPanel';
import type { RunStore } from '../runStore';

export function registerReportCommands(panel: ReportPanel, runs: RunStore, server: LanguageServerConnection): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('poolscope.showReport', () => {
      const run = runs.lastRun;
      if (!panel.current && !run) {
        // An empty report still opens: it says how to run a scenario.
        panel.show();
        return;
      }
      panel.show(panel.current ?? (run ? { kind: 'run', run } : undefined));
    }),
    vscode.commands.registerCommand('poolscope.exportReport', (target?: vscode.Uri, format?: ExportFormat) => exportReport(panel, runs, target, format)),
    vscode.commands.registerCommand('poolscope.copyReportAsText', async () => {
      if (!panel.current && runs.lastRun) panel.update({ kind: 'run', run: runs.lastRun });
      try {
        const text = await panel.windbgText();
        await vscode.env.clipboard.writeText(text);
        vscode.window.setStatusBarMessage('PoolScope: report copied as WinDbg text', 4_000);
        return text;
      } catch (e) {
        void vscode.window.showErrorMessage(`Copy as WinDbg text failed: ${errorText(e)}`);
        return undefined;
      }
    }),
    vscode.commands.registerCommand('poolscope.importLog', async (files?: vscode.Uri[]): Promise<ImportLogResult | undefined> => {
      const picked =
        files ??
        (await vscode.window.showOpenDialog({
          title: 'Import Debugger Log — one !poolused / PoolMon capture, or two to diff (before, after)',
          canSelectMany: true,
          openLabel: 'Import',
          filters: { 'Debugger logs': ['txt', 'log'], 'All files': ['*'] },
        }));
      if (!picked || picked.length === 0) return undefined;
      if (picked.length > 2) {
        void vscode.window.showErrorMessage('Import one log, or two to see what grew between them.');
        return undefined;
      }
      // Arguments come in (before, after) order; from the dialog, the older file is "before".
      const [before, after] = files || picked.length < 2 ? picked : await byModificationTime(picked);
      const read = async (u: vscode.Uri) => new TextDecoder('utf-8').decode(await vscode.workspace.fs.readFile(u));
      let result: ImportLogResult;
      try {
        result = await server.request(ImportLogRequest, after ? { text: await read(before), after: await read(after) } : { text: await read(before) });
      } catch (e) {
        void vscode.window.showErrorMessage(`Import Debugger Log failed: ${errorText(e)}`);
        return undefined;
      }
      if (result.error) {
        const where = result.error.line ? ` (line ${result.error.line})` : '';
        void vscode.window.showErrorMessage(`${base(before)}: ${result.error.message}${where}`);
        return result;
      }
      const title = after ? `${base(before)} → ${base(after)}` : base(before);
      panel.show({ kind: 'import', log: { title, format: result.format, rows: result.rows, diff: result.diff } });
      return result;
    }),
  ];
}

/** Writes the report's content; asks where (and so which format) when not told. */
export async function exportReport(panel: ReportPanel, runs: RunStore, target?: vscode.Uri, format?: ExportFormat): Promise<vscode.Uri | undefined> {
  const content = panel.current ?? (runs.lastRun ? { kind: 'run' as const, run: runs.lastRun } : undefined);
  if (!content) {
    void vscode.window.showInformationMessage('Nothing to export yet: run a scenario or import a debugger log first.');
    return undefined;
  }
  const name = content.kind === 'run' ? `${content.run.scenario}` : 'debugger-log';
  let uri = target;
  if (!uri) {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const ext = format ?? 'csv';
    uri = await vscode.window.showSaveDialog({
      title: 'Export Pool Report',
      defaultUri: folder ? vscode.Uri.joinPath(folder, `${safeName(name)}.${ext}`) : undefined,
      filters: content.kind === 'run' ? { 'CSV (!poolused table)': ['csv'], 'JSON (whole run)': ['json'], 'WinDbg text': ['txt'] } : { 'CSV (table)': ['csv'], JSON: ['json'], Text: ['txt'] },
    });
    if (!uri) return undefined;
  }
  const fmt: ExportFormat = format ?? (uri.path.endsWith('.json') ? 'json' : uri.path.endsWith('.txt') ? 'txt' : 'csv');
  const rows = content.kind === 'run' ? content.run.result.poolused : content.log.rows;
  let text: string;
  try {
    if (fmt === 'csv') text = poolUsedCsv(rows);
    else if (fmt === 'json') text = content.kind === 'run' ? runJson(content.run) : importJson(content.log);
    else text = await panel.windbgText();
  } catch (e) {
    void vscode.window.showErrorMessage(`Export failed: ${errorText(e)}`);
    return undefined;
  }
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
  vscode.window.setStatusBarMessage(`PoolScope: exported ${base(uri)}`, 4_000);
  return uri;
}

async function byModificationTime(uris: readonly vscode.Uri[]): Promise<vscode.Uri[]> {
  const stats = await Promise.all(uris.map(async (u) => ({ u, mtime: (await vscode.workspace.fs.stat(u)).mtime })));
  return stats.sort((a, b) => a.mtime - b.mtime || a.u.path.localeCompare(b.u.path)).map((s) => s.u);
}

function base(u: vscode.Uri): string {
  return u.path.slice(u.path.lastIndexOf('/') + 1);
}

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 80) || 'report';
}
