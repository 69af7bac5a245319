/**
 * Runs one scenario on the server (`poolscope/runScenario`) with the user's simulation
 * settings, shows progress that can be cancelled (cancelling the window's progress cancels
 * the request), and records the run for the views and the Pool Report.
 */
import * as vscode from 'vscode';
import { WorkDoneProgress, type WorkDoneProgressBegin, type WorkDoneProgressReport } from 'vscode-languageclient/node';
import { RunScenarioRequest, type RunScenarioParams } from '../../server/src/protocol';
import type { ReportRun } from '../shared/reportProtocol';
import { errorText, type LanguageServerConnection } from './languageServer';
import type { RunStore } from './runStore';

export interface RunOptions {
  /** PoolHitTag for this run only; undefined = the one in force. */
  hitTag?: string | null;
  /** Don't show error messages (tests, batch runs). */
  quiet?: boolean;
}

let nextToken = 1;

export class ScenarioRunner {
  constructor(
    private readonly server: LanguageServerConnection,
    private readonly runs: RunStore,
  ) {}

  /** Returns the run, or undefined when it could not run (the reason has been shown). */
  async run(uri: vscode.Uri, scenario: string, options: RunOptions = {}): Promise<ReportRun | undefined> {
    const config = vscode.workspace.getConfiguration('poolscope.simulation', uri);
    const params: RunScenarioParams = {
      uri: uri.toString(),
      scenario,
      seed: config.get<number>('seed', 1),
      maxSteps: config.get<number>('maxSteps', 100_000_000),
      lowResources: config.get<number>('lowResources', 0),
      workDoneToken: `poolscope-run-${nextToken++}`,
    };
    if (options.hitTag !== undefined) params.hitTag = options.hitTag;

    const title = `Running scenario ${scenario}`;
    const outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title, cancellable: true },
      async (progress, token) => {
        let client;
        try {
          // The server runs the open version of the script: make sure it is open (a code lens
          // or the Scenarios view always has it; a command with a URI may not).
          await vscode.workspace.openTextDocument(uri);
          client = await this.server.ready();
        } catch (e) {
          return { error: errorText(e) };
        }
        let lastPercent = 0;
        const sub = client.onProgress(WorkDoneProgress.type, params.workDoneToken!, (value) => {
          if (value.kind === 'end') return;
          const v = value as WorkDoneProgressBegin | WorkDoneProgressReport;
          const increment = v.percentage !== undefined ? Math.max(0, v.percentage - lastPercent) : undefined;
          if (v.percentage !== undefined) lastPercent = v.percentage;
          progress.report({ message: v.message, increment });
        });
        try {
          return { response: await client.sendRequest(RunScenarioRequest, params, token), cancelled: token.isCancellationRequested };
        } catch (e) {
          return { error: token.isCancellationRequested ? 'cancelled' : errorText(e), cancelled: token.isCancellationRequested };
        } finally {
          sub.dispose();
        }
      },
    );

    if ('error' in outcome && outcome.error !== undefined) {
      if (outcome.cancelled) {
        vscode.window.setStatusBarMessage(`PoolScope: ${scenario} cancelled`, 5_000);
        return undefined;
      }
      this.runs.recordError(uri.toString(), scenario, outcome.error);
      if (!options.quiet) void vscode.window.showErrorMessage(`PoolScope could not run ${scenario}: ${outcome.error}`);
      return undefined;
    }
    const response = outcome.response!;
    if (!response.result) {
      const message = response.error?.message ?? 'the server returned no result';
      this.runs.recordError(uri.toString(), scenario, message);
      if (!options.quiet) {
        const line = response.error?.line;
        void vscode.window.showErrorMessage(`PoolScope could not run ${scenario}: ${message}`, ...(line ? ['Go to Line'] : [])).then((choice) => {
          if (choice && line) void revealLine(uri, line, response.error?.column);
        });
      }
      return undefined;
    }
    const run: ReportRun = {
      uri: uri.toString(),
      fileName: uri.path.slice(uri.path.lastIndexOf('/') + 1),
      scenario: response.result.scenario || scenario,
      result: response.result,
      durationMs: response.durationMs,
    };
    this.runs.record(run);
    const bc = run.result.bugcheck;
    vscode.window.setStatusBarMessage(
      bc ? `PoolScope: ${run.scenario} → bug check ${bc.code} (${bc.name})` : `PoolScope: ${run.scenario} → clean, ${run.result.allocations} allocations`,
      10_000,
    );
    return run;
  }
}

/** Opens the script at a 1-based line (and column), selecting the position. */
export async function revealLine(uri: vscode.Uri | string, line: number, column?: number): Promise<vscode.TextEditor> {
  const target = typeof uri === 'string' ? vscode.Uri.parse(uri) : uri;
  const doc = await vscode.workspace.openTextDocument(target);
  const pos = new vscode.Position(Math.max(0, line - 1), Math.max(0, (column ?? 1) - 1));
  const editor = await vscode.window.showTextDocument(doc, { selection: new vscode.Range(pos, pos), preserveFocus: false });
  editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  return editor;
}
