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

test('the client imports nothing from the server but the protocol and result types', () => {
  const allowed = new Set([join(root, 'server/src/protocol'), join(root, 'server/src/core/simulator/result')]);
  const offences: string[] = [];
  for (const f of [...sourceFiles(join(root, 'client/src')), ...sourceFiles(join(root, 'client/webview'))]) {
    for (const spec of importsOf(f)) {
      if (!spec.startsWith('.')) {
        if (/^vscode-languageserver($|\/)/.test(spec)) offences.push(`${relative(root, f)} imports ${spec}`);
        continue;
      }
      const target = resolve(dirname(f), spec).replace(/\.ts$/, '');
      if (target.startsWith(join(root, 'server')) && !allowed.has(target)) offences.push(`${relative(root, f)} imports ${spec}`);
    }
  }
  assert.deepEqual(offences, []);
});
