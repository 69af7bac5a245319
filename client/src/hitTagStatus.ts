/**
 * The status bar item that shows the PoolHitTag in force — what `ed nt!poolhittag` is set to —
 * and changes it when clicked (Pool: Set PoolHitTag…).
 */
import * as vscode from 'vscode';
import type { HitTagState } from '../../server/src/protocol';
import type { HitTagStore } from './hitTagStore';

export class HitTagStatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('poolscope.hitTag', vscode.StatusBarAlignment.Left, 50);
  private readonly subscription: vscode.Disposable;

  constructor(store: HitTagStore) {
    this.item.name = 'PoolHitTag';
    this.item.command = 'poolscope.setHitTag';
    this.render(store.state);
    this.subscription = store.onDidChange((s) => this.render(s));
    this.item.show();
  }

  /** What the item shows now (the integration suite reads it). */
  get shown(): { text: string; tooltip: string; command: string } {
    return { text: this.item.text, tooltip: String(this.item.tooltip ?? ''), command: String(this.item.command) };
  }

  private render(s: HitTagState): void {
    this.item.text = s.tag ? `$(debug-breakpoint) PoolHitTag '${s.tag}'` : '$(debug-breakpoint-unverified) PoolHitTag off';
    this.item.tooltip = s.tag ? `${s.edCommand}\nThe simulator breaks on every allocation and free of '${s.tag}'. Click to change.` : 'No PoolHitTag. Click to set one.';
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}
