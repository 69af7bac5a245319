/**
 * The runs the user has made in this window: the last run (what Pool Used, Hit Tag and the
 * Pool Report show) and the outcome of each scenario (what the Scenarios view shows).
 */
import * as vscode from 'vscode';
import type { ReportRun } from '../shared/reportProtocol';

/** `clean`, or the bug check code the run stopped at. */
export type ScenarioOutcome = { kind: 'clean' } | { kind: 'bugcheck'; code: string; name: string } | { kind: 'error'; message: string };

export class RunStore implements vscode.Disposable {
  private last: ReportRun | undefined;
  private readonly outcomes = new Map<string, ScenarioOutcome>();
  private readonly changed = new vscode.EventEmitter<ReportRun | undefined>();
  /** Fires after every run (and when an outcome changes). */
  readonly onDidChange = this.changed.event;

  get lastRun(): ReportRun | undefined {
    return this.last;
  }

  record(run: ReportRun): void {
    this.last = run;
    const bc = run.result.bugcheck;
    this.outcomes.set(key(run.uri, run.scenario), bc ? { kind: 'bugcheck', code: bc.code, name: bc.name } : { kind: 'clean' });
    void vscode.commands.executeCommand('setContext', 'poolscope.hasRun', true);
    this.changed.fire(run);
  }

  recordError(uri: string, scenario: string, message: string): void {
    this.outcomes.set(key(uri, scenario), { kind: 'error', message });
    this.changed.fire(this.last);
  }

  outcome(uri: string, scenario: string): ScenarioOutcome | undefined {
    return this.outcomes.get(key(uri, scenario));
  }

  dispose(): void {
    this.changed.dispose();
  }
}

function key(uri: string, scenario: string): string {
  return `${uri}#${scenario}`;
}
