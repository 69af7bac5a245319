/**
 * What the three Pool Tracking views share: the tree view registered under its id, the change
 * event VS Code listens to, and the disposables that go with them.
 */
import * as vscode from 'vscode';

export abstract class PoolTreeView<T> implements vscode.TreeDataProvider<T>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<T | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  protected readonly disposables: vscode.Disposable[] = [this.changed];
  readonly view: vscode.TreeView<T>;

  constructor(id: string, options: { showCollapseAll?: boolean } = {}) {
    this.view = vscode.window.createTreeView(id, { treeDataProvider: this, ...options });
    this.disposables.push(this.view);
  }

  abstract getChildren(node?: T): T[];
  abstract getTreeItem(node: T): vscode.TreeItem;

  /** Tells VS Code to ask for the whole tree again. */
  protected fireChanged(): void {
    this.changed.fire(undefined);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
