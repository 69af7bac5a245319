/**
 * `poolscope.*` settings per resource, read with `workspace/configuration` and cached until
 * `workspace/didChangeConfiguration` (the lsp-sample pattern). Clients without the
 * configuration capability get the settings pushed in didChangeConfiguration, or defaults.
 */
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { URI } from 'vscode-uri';
import type { Connection } from 'vscode-languageserver';
import type { ConfiguredSeverity } from '../../core/diagnostics';

export interface PoolScopeSettings {
  rules: Record<string, ConfiguredSeverity>;
  /** Path of a pooltag.txt (absolute, or relative to the workspace folder). */
  pooltagFile: string;
  simulation: { seed: number; maxSteps: number; lowResources: number };
}

export const DEFAULT_SETTINGS: PoolScopeSettings = {
  rules: {},
  pooltagFile: '',
  simulation: { seed: 1, maxSteps: 100_000_000, lowResources: 0 },
};

const SEVERITIES = new Set(['off', 'hint', 'info', 'warning', 'error']);

/** Accepts anything a client sends; keeps only well-formed values. */
export function normalizeSettings(raw: unknown): PoolScopeSettings {
  const r = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const rules: Record<string, ConfiguredSeverity> = {};
  if (r.rules && typeof r.rules === 'object') {
    for (const [k, v] of Object.entries(r.rules as Record<string, unknown>)) {
      if (typeof v === 'string' && SEVERITIES.has(v)) rules[k] = v as ConfiguredSeverity;
    }
  }
  const sim = (r.simulation && typeof r.simulation === 'object' ? r.simulation : {}) as Record<string, unknown>;
  const num = (v: unknown, d: number, min: number, max: number): number =>
    typeof v === 'number' && Number.isFinite(v) ? Math.min(max, Math.max(min, v)) : d;
  return {
    rules,
    pooltagFile: typeof r.pooltagFile === 'string' ? r.pooltagFile : '',
    simulation: {
      seed: Math.trunc(num(sim.seed, DEFAULT_SETTINGS.simulation.seed, 0, 2 ** 32 - 1)),
      maxSteps: Math.trunc(num(sim.maxSteps, DEFAULT_SETTINGS.simulation.maxSteps, 1, Number.MAX_SAFE_INTEGER)),
      lowResources: num(sim.lowResources, 0, 0, 100),
    },
  };
}

export class SettingsCache {
  private readonly perResource = new Map<string, Promise<PoolScopeSettings>>();
  private pushed: PoolScopeSettings = DEFAULT_SETTINGS;
  /** Set after initialize from the client's capabilities. */
  configurationSupported = false;

  constructor(private readonly connection: Connection) {}

  get(uri: string): Promise<PoolScopeSettings> {
    if (!this.configurationSupported) return Promise.resolve(this.pushed);
    let p = this.perResource.get(uri);
    if (!p) {
      p = this.connection.workspace
        .getConfiguration({ scopeUri: uri, section: 'poolscope' })
        .then(normalizeSettings, (e: unknown) => {
          this.connection.console.warn(`poolscope: could not read settings for ${uri}: ${String(e)}`);
          return DEFAULT_SETTINGS;
        });
      this.perResource.set(uri, p);
    }
    return p;
  }

  onDidChange(settings: unknown): void {
    this.perResource.clear();
    const s = settings as { poolscope?: unknown } | undefined;
    if (s && typeof s === 'object' && 'poolscope' in s) this.pushed = normalizeSettings(s.poolscope);
  }

  forget(uri: string): void {
    this.perResource.delete(uri);
  }
}

/**
 * pooltag.txt files, read by the server (the core never does I/O) and parsed by the core,
 * cached by path and modification time.
 */
export class PoolTagFiles<Db> {
  private readonly cache = new Map<string, { mtimeMs: number; db: Db | undefined }>();

  constructor(
    private readonly parse: (text: string) => Db,
    private readonly log: (message: string) => void,
  ) {}

  async load(setting: string, documentUri: string, workspaceFolders: readonly string[]): Promise<Db | undefined> {
    if (!setting) return undefined;
    const path = resolvePoolTagPath(setting, documentUri, workspaceFolders);
    try {
      const st = await stat(path);
      const hit = this.cache.get(path);
      if (hit && hit.mtimeMs === st.mtimeMs) return hit.db;
      const db = this.parse(await readFile(path, 'utf8'));
      this.cache.set(path, { mtimeMs: st.mtimeMs, db });
      return db;
    } catch (e) {
      // Said once per path until it becomes readable, not on every hover.
      if (this.cache.get(path)?.mtimeMs !== -1) this.log(`poolscope: cannot read poolscope.pooltagFile '${path}': ${(e as Error).message}`);
      this.cache.set(path, { mtimeMs: -1, db: undefined });
      return undefined;
    }
  }
}

/** A file: URI's path; any other URI (an `untitled:` document) stays as it is. */
function fsPathOf(uri: string): string {
  return uri.startsWith('file:') ? URI.parse(uri).fsPath : uri;
}

export function resolvePoolTagPath(setting: string, documentUri: string, workspaceFolders: readonly string[]): string {
  const expanded = setting.replace(/^~(?=$|[\\/])/, process.env.HOME ?? process.env.USERPROFILE ?? '~');
  if (isAbsolute(expanded)) return expanded;
  const folder = workspaceFolders.find((f) => documentUri.startsWith(f.endsWith('/') ? f : f + '/')) ?? workspaceFolders[0];
  if (folder) return join(fsPathOf(folder), expanded);
  const doc = fsPathOf(documentUri);
  return join(doc.replace(/[\\/][^\\/]*$/, ''), expanded);
}
