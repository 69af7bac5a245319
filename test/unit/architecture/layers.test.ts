// The layering of ARCHITECTURE.md, enforced: the core stays pure, the client talks only to
// the server. Reads import statements as text, so it also catches imports in code no test runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';

const root = resolve(__dirname, '..', '..', '..');

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (/\.tsx?$/.test(name)) out.push(p);
  }
  return out;
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs: string[] = [];
  const re = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) specs.push(m[1] ?? m[2]);
  return specs;
}

const FORBIDDEN_IN_CORE = [
  /^vscode$/,
  /^vscode-languageserver/,
  /^vscode-languageclient/,
  /^vscode-jsonrpc/,
  /^(node:)?(fs|fs\/promises|child_process|net|http|https|dgram|worker_threads|cluster|os)$/,
];

test('core imports no editor, protocol or I/O module', () => {
  const files = sourceFiles(join(root, 'server/src/core'));
  assert.ok(files.length > 5, 'core sources found');
  const offences: string[] = [];
  for (const f of files) {
    for (const spec of importsOf(f)) {
      if (FORBIDDEN_IN_CORE.some((re) => re.test(spec))) offences.push(`${relative(root, f)} imports ${spec}`);
      if (spec.startsWith('.')) {
        const target = resolve(dirname(f), spec);
        if (!target.startsWith(join(root, 'server/src/core'))) offences.push(`${relative(root, f)} reaches outside core: ${spec}`);
      }
    }
  }
  assert.deepEqual(offences, []);
});

test('core never reads the clock or an unseeded random source (determinism)', () => {
  const offences: string[] = [];
  for (const f of sourceFiles(join(root, 'server/src/core'))) {
    const text = readFileSync(f, 'utf8').replace(/\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '');
    for (const needle of ['Math.random(', 'Date.now(', 'new Date(', 'performance.now(', 'process.hrtime']) {
      if (text.includes(needle)) offences.push(`${relative(root, f)} uses ${needle}`);
    }
  }
  assert.deepEqual(offences, []);
});

/** The file a relative import names (`./x` → `./x.ts` or `./x/index.ts`), without its extension. */
function targetOf(file: string, spec: string): string {
  const target = resolve(dirname(file), spec).replace(/\.ts$/, '');
  return !existsSync(`${target}.ts`) && existsSync(join(target, 'index.ts')) ? join(target, 'index') : target;
}

function inside(target: string, dir: string): boolean {
  return target.startsWith(join(root, dir) + '/');
}

// The client reaches the server through the protocol only. The one exception is the core's
// pool-tag module (parse, pad, ULONG, C constant, wildcard match): the tag input boxes and the
// Pool Report's filter must read a tag exactly as the server and the CLI do, and the module is
// pure and imports nothing, so it brings no server code along.
const CLIENT_MAY_IMPORT = new Set([join(root, 'server/src/protocol'), join(root, 'server/src/core/poolTag')]);

test('the client imports nothing from the server but the protocol and the core pool-tag module', () => {
  const offences: string[] = [];
  for (const f of ['client/src', 'client/webview', 'client/shared'].flatMap((d) => sourceFiles(join(root, d)))) {
    for (const spec of importsOf(f)) {
      if (!spec.startsWith('.')) {
        if (/^vscode-languageserver($|\/)/.test(spec)) offences.push(`${relative(root, f)} imports ${spec}`);
        continue;
      }
      const target = targetOf(f, spec);
      if (target.startsWith(join(root, 'server')) && !CLIENT_MAY_IMPORT.has(target)) offences.push(`${relative(root, f)} imports ${spec}`);
    }
  }
  assert.deepEqual(offences, []);
});

test('the core pool-tag module the client may import imports nothing', () => {
  assert.deepEqual(importsOf(join(root, 'server/src/core/poolTag.ts')), []);
});

test('the extension and the webview share code only through client/shared', () => {
  const rules: Array<[string, string[]]> = [
    ['client/src', ['client/webview']],
    ['client/webview', ['client/src']],
    ['client/shared', ['client/src', 'client/webview']],
  ];
  const offences: string[] = [];
  for (const [dir, forbidden] of rules) {
    for (const f of sourceFiles(join(root, dir))) {
      for (const spec of importsOf(f)) {
        if (!spec.startsWith('.')) {
          if (dir !== 'client/src' && /^vscode$/.test(spec)) offences.push(`${relative(root, f)} imports ${spec} (the webview and shared code run outside the extension host)`);
          continue;
        }
        const target = targetOf(f, spec);
        for (const d of forbidden) if (inside(target, d)) offences.push(`${relative(root, f)} imports ${spec}`);
      }
    }
  }
  assert.deepEqual(offences, []);
});

// The language server's rooms: handlers/ (LSP glue, one module per concern) sit on state/
// (settings, open documents), workers/ (the analysis worker pool, the simulation service, the
// worker thread and its messages) and services/ (LSP-free logic). Nothing below handlers/
// imports it, and services/ know nothing of LSP or of the rooms above them.
test('language server: handlers on top of state and workers, services at the bottom and LSP-free', () => {
  const lsp = 'server/src/lsp';
  const rules: Array<[string, string[]]> = [
    ['state', ['handlers', 'workers']],
    ['workers', ['handlers']],
    ['services', ['handlers', 'state', 'workers']],
  ];
  const offences: string[] = [];
  for (const [room, forbidden] of rules) {
    const files = sourceFiles(join(root, lsp, room));
    assert.ok(files.length > 0, `${lsp}/${room} has sources`);
    for (const f of files) {
      for (const spec of importsOf(f)) {
        if (room === 'services' && /^vscode-languageserver/.test(spec)) offences.push(`${relative(root, f)} imports ${spec}`);
        if (!spec.startsWith('.')) continue;
        const target = targetOf(f, spec);
        for (const d of forbidden) if (inside(target, `${lsp}/${d}`)) offences.push(`${relative(root, f)} imports ${spec}`);
      }
    }
  }
  assert.deepEqual(offences, []);
});

test('handlers/ holds only handlers: no worker thread is started there (workers/ does that)', () => {
  const offences: string[] = [];
  for (const f of sourceFiles(join(root, 'server/src/lsp/handlers'))) {
    for (const spec of importsOf(f)) if (/^(node:)?worker_threads$/.test(spec)) offences.push(`${relative(root, f)} imports ${spec} (worker threads live in server/src/lsp/workers)`);
  }
  assert.deepEqual(offences, []);
});

test('core has no import cycle (the simulator parts meet in simulator/routine.ts and simulator/machine.ts)', () => {
  const graph = new Map<string, string[]>();
  for (const f of sourceFiles(join(root, 'server/src/core'))) {
    const deps = importsOf(f).filter((s) => s.startsWith('.')).map((s) => `${targetOf(f, s)}.ts`);
    graph.set(f, deps);
  }
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (f: string): void => {
    state.set(f, 'open');
    path.push(f);
    for (const d of graph.get(f) ?? []) {
      if (!graph.has(d)) continue;
      if (state.get(d) === 'open') cycles.push([...path.slice(path.indexOf(d)), d].map((p) => relative(root, p)).join(' → '));
      else if (!state.has(d)) visit(d);
    }
    path.pop();
    state.set(f, 'done');
  };
  for (const f of graph.keys()) if (!state.has(f)) visit(f);
  assert.deepEqual(cycles, []);
});
