/**
 * The open documents and the model of their last analysis. Models are made by the validator
 * in the analysis worker; requests never parse. Hover and completion read whatever model is at
 * hand (they look names up, so an older version serves); requests that need exact positions
 * (references, rename, outline, …) wait for the model of the current version without blocking
 * the main thread.
 */
import { TextDocuments } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { DocumentModel } from '../services/model';

export class Workspace {
  readonly documents = new TextDocuments(TextDocument);
  private readonly models = new Map<string, DocumentModel>();
  workspaceFolders: string[] = [];
  /** Set by the validator: analyses the current version now (skipping the debounce). */
  analyzeNow: (uri: string) => Promise<DocumentModel | undefined> = async () => undefined;

  get(uri: string): TextDocument | undefined {
    return this.documents.get(uri);
  }

  /** The latest model of `uri`, whatever its version (may be older than the text). */
  lastModel(uri: string): DocumentModel | undefined {
    return this.models.get(uri);
  }

  /**
   * For requests that look names up (hover, completion, signature help): the last model of any
   * version, without waiting — unless the document has never been analysed, and then for at
   * most `maxWaitMs`.
   */
  async namesModel(uri: string, maxWaitMs = 250): Promise<DocumentModel | undefined> {
    const last = this.models.get(uri);
    if (last) return last;
    // A first analysis of a large file can take seconds: answer without names rather than wait.
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), maxWaitMs)));
    try {
      return await Promise.race([this.currentModel(uri), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The model of the document's current version (analysed now if needed). */
  async currentModel(uri: string): Promise<DocumentModel | undefined> {
    const doc = this.documents.get(uri);
    if (!doc) return undefined;
    const last = this.models.get(uri);
    if (last && last.version === doc.version) return last;
    const fresh = await this.analyzeNow(uri);
    const now = this.documents.get(uri);
    // The document moved on while it was analysed: the newest model is the best answer left.
    return fresh && now && fresh.version === now.version ? fresh : (this.models.get(uri) ?? fresh);
  }

  setModel(model: DocumentModel): void {
    const prev = this.models.get(model.uri);
    if (!prev || prev.version <= model.version) this.models.set(model.uri, model);
  }

  /** Tags of the other open documents (rules.md: a new tag must be unused in the workspace). */
  usedTagsOutside(uri: string): string[] {
    const tags = new Set<string>();
    for (const [other, model] of this.models) {
      if (other === uri) continue;
      for (const site of model.tags) tags.add(site.value);
    }
    return [...tags];
  }

  forget(uri: string): void {
    this.models.delete(uri);
  }
}
