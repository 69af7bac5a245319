/**
 * The PoolHitTag in force — what `ed nt!poolhittag` would be set to on the test machine. The
 * server owns it (scenario `hittag` steps change it mid-run); this mirrors it for the status
 * bar and the Hit Tag view.
 */
import * as vscode from 'vscode';
import { GetHitTagRequest, HitTagChangedNotification, SetHitTagRequest, type HitTagState } from '../../server/src/protocol';
import type { LanguageServerConnection } from './languageServer';

const OFF: HitTagState = { tag: null, edCommand: null, ulong: null };

export class HitTagStore implements vscode.Disposable {
  private current: HitTagState = OFF;
  private readonly changed = new vscode.EventEmitter<HitTagState>();
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];

  constructor(private readonly server: LanguageServerConnection) {
    server.onNotification(HitTagChangedNotification, (state) => this.update(state));
    this.disposables.push(server.onDidChangeState((s) => s === 'running' && void this.sync()));
    if (server.state === 'running') void this.sync();
  }

  get state(): HitTagState {
    return this.current;
  }

  /** Sets (a tag) or clears (null) the PoolHitTag on the server. */
  async set(tag: string | null): Promise<HitTagState> {
    const state = await this.server.request(SetHitTagRequest, { tag });
    this.update(state);
    return state;
  }

  private async sync(): Promise<void> {
    try {
      this.update(await this.server.request(GetHitTagRequest, undefined));
    } catch {
      /* an older server without the request: keep what we have */
    }
  }

  private update(state: HitTagState): void {
    this.current = state ?? OFF;
    this.changed.fire(this.current);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
