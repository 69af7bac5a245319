/**
 * The open documents and their analyses. An analysis is made by the validator (debounced, off
 * the request path) or on demand by a request that needs exact positions (rename, references);
 * hover and completion read whatever analysis is at hand, because they look names up rather
 * than positions.
 */
import { TextDocuments } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { performance } from 'node:perf_hooks';
import { analyze, type Analysis } from '../services/analysis';
import { buildIndex, type ScriptIndex } from '../services/occurrences';
import { DEFAULT_SETTINGS, type PoolScopeSettings } from './settings';

export class Workspace {
  readonly documents = new TextDocuments(TextDocument);
  private readonly analyses = new Map<string, Analysis>();
  private readonly indexes = new WeakMap<Analysis, ScriptIndex>();
  /** The settings each document was last analysed with (on-demand analyses reuse them). */
  private readonly lastSettings = new Map<string, PoolScopeSettings>();
  workspaceFolders: string[] = [];

  get(uri: string): TextDocument | undefined {
    return this.documents.get(uri);
  }

  /** The latest analysis of `uri`, whatever its version (may be older than the text). */
  lastAnalysis(uri: string): Analysis | undefined {
    return this.analyses.get(uri);
  }

  /** The analysis of the document's current version, made now if needed. */
  currentAnalysis(uri: string): Analysis | undefined {
    const doc = this.documents.get(uri);
    if (!doc) return undefined;
    const last = this.analyses.get(uri);
    if (last && last.version === doc.version) return last;
    return this.analyzeDocument(doc, this.lastSettings.get(uri) ?? DEFAULT_SETTINGS);
  }

  analyzeDocument(doc: TextDocument, settings: PoolScopeSettings): Analysis {
    this.lastSettings.set(doc.uri, settings);
    const analysis = analyze(
      doc.getText(),
      doc.version,
      { file: doc.uri, rules: settings.rules, usedTags: this.usedTagsOutside(doc.uri) },
      () => performance.now(),
    );
    this.analyses.set(doc.uri, analysis);
    return analysis;
  }

  /** Tags of the other open documents (rules.md: a new tag must be unused in the workspace). */
  usedTagsOutside(uri: string): Set<string> | undefined {
    let tags: Set<string> | undefined;
    for (const [other, analysis] of this.analyses) {
      if (other === uri) continue;
      for (const site of this.index(analysis).tags) (tags ??= new Set()).add(site.value);
    }
    return tags;
  }

  index(analysis: Analysis): ScriptIndex {
    let index = this.indexes.get(analysis);
    if (!index) {
      index = buildIndex(analysis.script, analysis.symbols);
      this.indexes.set(analysis, index);
    }
    return index;
  }

  forget(uri: string): void {
    this.analyses.delete(uri);
    this.lastSettings.delete(uri);
  }
}
