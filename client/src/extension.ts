/**
 * PoolScope's VS Code client. It only wires things together: the language server connection,
 * the Pool Tracking views, the Pool Report panel and the commands. Every answer about a script
 * comes from the language server (server/src/protocol.ts).
 */
import * as vscode from 'vscode';
import { registerHitTagCommands } from './commands/hitTagCommands';
import { registerPoolFindCommand } from './commands/poolFindCommand';
import { exportReport, registerReportCommands } from './commands/reportCommands';
import { registerRunCommands } from './commands/runCommands';
import { HitTagStatusItem } from './hitTagStatus';
import { HitTagStore } from './hitTagStore';
import { LanguageServerConnection } from './languageServer';
import { ReportPanel } from './report/reportPanel';
import { RunStore } from './runStore';
import { ScenarioCatalog } from './scenarioCatalog';
import { ScenarioRunner } from './scenarioRunner';
import { snapshotTree, type PoolScopeApi } from './testApi';
import { HitTagView } from './views/hitTagView';
import { PoolUsedView } from './views/poolUsedView';
import { ScenariosView } from './views/scenariosView';

let connection: LanguageServerConnection | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<PoolScopeApi> {
  const server = new LanguageServerConnection(context);
  connection = server;
  const runs = new RunStore();
  const hitTag = new HitTagStore(server);
  const catalog = new ScenarioCatalog(server);
  const runner = new ScenarioRunner(server, runs);
  const investigations = vscode.window.createOutputChannel('PoolScope');

  const report: ReportPanel = new ReportPanel(context, server, {
    exportReport: (format) => exportReport(report, runs, undefined, format),
    runAgain: (run) => runner.run(vscode.Uri.parse(run.uri), run.scenario),
  });
  // Every run updates an open report; the first run with a bug check offers to open it.
  runs.onDidChange((run) => run && report.update({ kind: 'run', run }));

  const scenarios = new ScenariosView(catalog, runs);
  const poolUsed = new PoolUsedView(runs);
  const hitTagView = new HitTagView(runs, hitTag);
  const hitTagStatus = new HitTagStatusItem(hitTag);

  context.subscriptions.push(
    runs,
    hitTag,
    catalog,
    investigations,
    report,
    scenarios,
    poolUsed,
    hitTagView,
    hitTagStatus,
    ...registerRunCommands(catalog, runner, runs, hitTag, (run) => {
      if (!report.isOpen && run.result.bugcheck) {
        void vscode.window
          .showWarningMessage(`${run.scenario}: bug check ${run.result.bugcheck.code} ${run.result.bugcheck.name}`, 'Show Pool Report')
          .then((c) => c && vscode.commands.executeCommand('poolscope.showReport'));
      }
    }),
    ...registerHitTagCommands(hitTag),
    ...registerPoolFindCommand(server, runs, investigations),
    ...registerReportCommands(report, runs, server),
    vscode.commands.registerCommand('poolscope.restartServer', () => server.restart()),
  );

  // The server starts in the background: the views and commands work (and say why) without it.
  void server.start();

  return {
    extensionPath: context.extensionPath,
    serverState: () => server.state,
    serverPid: () => server.serverPid,
    restartServerFrom: (module) => server.restartWith(module ?? context.asAbsolutePath('dist/server.js')),
    lastRun: () => runs.lastRun,
    hitTag: () => hitTag.state,
    hitTagStatus: () => hitTagStatus.shown,
    snapshot: (view, depth = 0) => snapshotTree<unknown>((view === 'scenarios' ? scenarios : view === 'poolUsed' ? poolUsed : hitTagView) as vscode.TreeDataProvider<unknown>, depth),
    setPoolUsedMode: (mode) => poolUsed.setMode(mode),
    expandPoolUsedTag: (tag) => poolUsed.expandTag(tag),
    reportState: () => report.renderedState,
    onReportRendered: report.onDidRender,
    reportPageLoads: () => report.pageLoads,
    rawRequest: async (method, params) => (await server.ready()).sendRequest(method, params),
    setReportFilter: (filter) => report.post({ type: 'setFilter', filter }),
    setReportSort: (column, descending) => report.post({ type: 'setSort', column, descending }),
    onReportAction: report.onDidHandleAction,
  };
}

export async function deactivate(): Promise<void> {
  await connection?.dispose();
  connection = undefined;
}
