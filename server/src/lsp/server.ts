/**
 * The PoolScope language server: wires LSP requests to the handlers (one module per concern
 * under `handlers/`), which sit on pure services (`services/`) over the core; the per-session
 * state (settings, open documents) is in `state/`, the worker threads that run analyses and
 * simulations and the main-thread side that drives them in `workers/`. Transport-free:
 * `main.ts` (IPC or stdio) and `poolscope lsp --stdio` both call `startServer`.
 */
import {
  CodeActionKind,
  LSPErrorCodes,
  ResponseError,
  ErrorCodes,
  TextDocumentSyncKind,
  DidChangeConfigurationNotification,
  type CancellationToken,
  type Connection,
  type InitializeParams,
  type InitializeResult,
} from 'vscode-languageserver';
import { lookupOwner, parsePoolTagFile, type PoolTagDatabase } from '../core/reports/index';
import {
  GetHitTagRequest,
  ImportLogRequest,
  ListScenariosRequest,
  PoolFindRequest,
  RenderReportRequest,
  RunScenarioRequest,
  ServerStatusRequest,
  SetHitTagRequest,
} from '../protocol';
import { provideCodeActions } from './handlers/codeActions';
import { provideCompletion, provideSignatureHelp } from './handlers/completion';
import { errorText, Validator } from './handlers/diagnostics';
import { provideHover } from './handlers/hover';
import { importLogRequest } from './handlers/logs';
import { provideDefinition, provideHighlights, providePrepareRename, provideReferences, provideRename } from './handlers/navigation';
import { documentSymbols, foldingRanges, scenarioLenses, semanticTokens, SEMANTIC_LEGEND } from './handlers/outline';
import { renderReportRequest, renderText } from './handlers/reports';
import { PoolTagFiles, SettingsCache } from './state/settings';
import { SimulationService } from './workers/simulationService';
import { Workspace } from './state/workspace';
import { AnalysisHost } from './workers/analysisHost';

export interface ServerOptions {
  /** Debounce between the last edit of a burst and its validation (ms). Default 50. */
  debounceMs?: number;
  /** Directory holding analysisAndSimulationWorker.js (default: next to this bundle). Without it, analyses run in-process. */
  workerDir?: string;
}

export const DEFAULT_DEBOUNCE_MS = 50;

export function startServer(connection: Connection, options: ServerOptions = {}): void {
  const workspace = new Workspace();
  const settings = new SettingsCache(connection);
  const log = (m: string): void => connection.console.error(m);
  const host = new AnalysisHost(options.workerDir ?? __dirname, log);
  const validator = new Validator(connection, workspace, settings, host, options.debounceMs ?? DEFAULT_DEBOUNCE_MS);
  const pooltagFiles = new PoolTagFiles<PoolTagDatabase>(parsePoolTagFile, log);
  /** In an untrusted workspace (initializationOptions.workspaceTrusted === false), workspace settings name no files to read. */
  let workspaceTrusted = true;
  const pooltagFor = async (uri: string | undefined): Promise<PoolTagDatabase | undefined> => {
    if (!uri || !workspaceTrusted) return undefined;
    const s = await settings.get(uri);
    return pooltagFiles.load(s.pooltagFile, uri, workspace.workspaceFolders);
  };
  const simulations = new SimulationService(
    connection,
    workspace,
    settings,
    (uri, result) => renderText(result, [], uri, pooltagFor),
    () => ({ restarts: host.restarts, workerAlive: host.workerAlive, workerCount: host.workerCount, current: host.current }),
    options.workerDir,
  );
  let snippetSupport = false;
  let dynamicConfiguration = false;

  /**
   * Every handler goes through here: a failure in one request is logged and answered with a
   * ResponseError; it never takes the server down. Cancelled requests get RequestCancelled.
   */
  function guard<P, R>(name: string, handler: (params: P, token: CancellationToken) => R | Promise<R>) {
    return async (params: P, token: CancellationToken): Promise<R | ResponseError<void>> => {
      if (token?.isCancellationRequested) return new ResponseError(LSPErrorCodes.RequestCancelled, `${name} cancelled`);
      try {
        const result = await handler(params, token);
        if (token?.isCancellationRequested) return new ResponseError(LSPErrorCodes.RequestCancelled, `${name} cancelled`);
        return result;
      } catch (e) {
        if (e instanceof ResponseError) return e;
        log(`poolscope: ${name} failed: ${errorText(e)}`);
        return new ResponseError(ErrorCodes.InternalError, `poolscope: ${name} failed: ${(e as Error)?.message ?? String(e)}`);
      }
    };
  }

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    const caps = params.capabilities;
    settings.configurationSupported = !!caps.workspace?.configuration;
    dynamicConfiguration = !!caps.workspace?.didChangeConfiguration?.dynamicRegistration;
    snippetSupport = !!caps.textDocument?.completion?.completionItem?.snippetSupport;
    simulations.workDoneProgressSupported = !!caps.window?.workDoneProgress;
    workspace.workspaceFolders = (params.workspaceFolders ?? []).map((f) => f.uri);
    if (!workspace.workspaceFolders.length && params.rootUri) workspace.workspaceFolders = [params.rootUri];
    const init = params.initializationOptions as { diagnosticsDelay?: unknown; workspaceTrusted?: unknown; analysisRestartCostMs?: unknown } | undefined;
    workspaceTrusted = init?.workspaceTrusted !== false;
    if (typeof init?.diagnosticsDelay === 'number' && init.diagnosticsDelay >= 0) validator.debounceMs = init.diagnosticsDelay;
    if (typeof init?.analysisRestartCostMs === 'number' && init.analysisRestartCostMs >= 0) host.restartCostMs = init.analysisRestartCostMs;
    const prepareSupport = !!caps.textDocument?.rename?.prepareSupport;
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        hoverProvider: true,
        completionProvider: { triggerCharacters: ['(', ',', "'", '|'], resolveProvider: false },
        signatureHelpProvider: { triggerCharacters: ['(', ','], retriggerCharacters: [','] },
        definitionProvider: true,
        referencesProvider: true,
        documentHighlightProvider: true,
        renameProvider: prepareSupport ? { prepareProvider: true } : true,
        documentSymbolProvider: true,
        foldingRangeProvider: true,
        semanticTokensProvider: { legend: SEMANTIC_LEGEND, full: true },
        codeLensProvider: { resolveProvider: false },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.Source] },
        workspace: { workspaceFolders: { supported: true, changeNotifications: false } },
      },
      serverInfo: { name: 'poolscope', version: '0.1.0' },
    };
  });

  connection.onInitialized(() => {
    if (dynamicConfiguration) void connection.client.register(DidChangeConfigurationNotification.type, { section: 'poolscope' });
    simulations.listenForProgressCancel();
  });

  connection.onDidChangeConfiguration((change) => {
    settings.onDidChange(change.settings);
    validator.scheduleAll();
  });

  // Documents: validate at once when opened, debounced while typing.
  const justOpened = new Set<string>();
  workspace.documents.onDidOpen((e) => justOpened.add(e.document.uri));
  workspace.documents.onDidChangeContent((e) => {
    const uri = e.document.uri;
    if (justOpened.delete(uri)) validator.schedule(uri, 0);
    else validator.edited(uri);
  });
  workspace.documents.onDidClose((e) => {
    justOpened.delete(e.document.uri);
    validator.close(e.document.uri);
    workspace.forget(e.document.uri);
    settings.forget(e.document.uri);
  });
  workspace.documents.listen(connection);

  connection.onHover(
    guard('hover', (p) =>
      provideHover(workspace, p, async (uri, tag) => {
        const db = await pooltagFor(uri);
        return db ? lookupOwner(db, tag) : undefined;
      }),
    ),
  );
  connection.onCompletion(guard('completion', (p) => provideCompletion(workspace, p, snippetSupport)));
  connection.onSignatureHelp(guard('signatureHelp', (p) => provideSignatureHelp(workspace, p)));
  connection.onDefinition(guard('definition', (p) => provideDefinition(workspace, p)));
  connection.onReferences(guard('references', (p) => provideReferences(workspace, p)));
  connection.onDocumentHighlight(guard('documentHighlight', (p) => provideHighlights(workspace, p)));
  connection.onPrepareRename(guard('prepareRename', (p) => providePrepareRename(workspace, p)));
  connection.onRenameRequest(guard('rename', (p) => provideRename(workspace, p)));
  /** Outline-like requests: the model of the current version, awaited (never computed here). */
  const model = (uri: string) => workspace.currentModel(uri);
  connection.onDocumentSymbol(guard('documentSymbol', async (p) => {
    const m = await model(p.textDocument.uri);
    return m ? documentSymbols(m) : null;
  }));
  connection.onFoldingRanges(guard('foldingRange', async (p) => {
    const m = await model(p.textDocument.uri);
    return m ? foldingRanges(m) : null;
  }));
  connection.languages.semanticTokens.on(guard('semanticTokens', async (p) => {
    const m = await model(p.textDocument.uri);
    return m ? semanticTokens(m) : { data: [] };
  }));
  connection.onCodeLens(guard('codeLens', async (p) => {
    const m = await model(p.textDocument.uri);
    return m ? scenarioLenses(p.textDocument.uri, m) : null;
  }));
  connection.onCodeAction(guard('codeAction', (p) => provideCodeActions(workspace, validator, p)));

  connection.onRequest(RunScenarioRequest, guard('runScenario', (p, token) => simulations.runScenario(p, token)));
  connection.onRequest(SetHitTagRequest, guard('setHitTag', (p) => simulations.setHitTag(p?.tag ?? null)));
  connection.onRequest(GetHitTagRequest, guard('getHitTag', () => simulations.getHitTag()));
  connection.onRequest(PoolFindRequest, guard('poolFind', (p) => simulations.poolFind(p)));
  connection.onRequest(ListScenariosRequest, guard('listScenarios', (p) => simulations.listScenarios(p?.uri)));
  connection.onRequest(RenderReportRequest, guard('renderReport', (p) => renderReportRequest(p, pooltagFor)));
  connection.onRequest(ImportLogRequest, guard('importLog', (p) => importLogRequest(p)));
  connection.onRequest(ServerStatusRequest, guard('serverStatus', () => simulations.status()));

  connection.onShutdown(() => {
    simulations.dispose();
    validator.dispose();
  });

  connection.listen();
}
