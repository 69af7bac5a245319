// TextMate grammar tests: real tokenization of syntaxes/drvm.tmLanguage.json with
// vscode-textmate + vscode-oniguruma (the WASM build shipped in node_modules — no network),
// the same engine VS Code uses. Each assertion names a piece of text in a case and a scope
// that every token covering it must (or must not) carry.
//
//   node test/grammar/run.mjs            run every case
//   node test/grammar/run.mjs --dump F   print the tokens of file F (for writing new cases)
//
// Last line of output: `grammar: N passed, M failed` (N, M count assertions); exit 1 on failure.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { cases as handWritten } from './cases.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

const GRAMMAR_PATH = join(root, 'syntaxes/drvm.tmLanguage.json');

async function loadGrammar() {
  const wasm = readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (sources) => new oniguruma.OnigScanner(sources),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName) => {
      if (scopeName !== 'source.drvm') return null;
      return vsctm.parseRawGrammar(readFileSync(GRAMMAR_PATH, 'utf8'), GRAMMAR_PATH);
    },
  });
  return registry.loadGrammar('source.drvm');
}

/** Tokens of a whole document: { line (0-based), start, end (absolute offsets), text, scopes }. */
export function tokenize(grammar, source) {
  const out = [];
  let state = vsctm.INITIAL;
  let base = 0;
  const lines = source.split('\n');
  lines.forEach((line, i) => {
    const r = grammar.tokenizeLine(line, state);
    for (const t of r.tokens) {
      const end = Math.min(t.endIndex, line.length);
      if (end > t.startIndex) out.push({ line: i, start: base + t.startIndex, end: base + end, text: line.slice(t.startIndex, end), scopes: t.scopes });
    }
    state = r.ruleStack;
    base += line.length + 1;
  });
  return out;
}

function hasScope(scopes, want) {
  return scopes.some((s) => s === want || s.startsWith(want + '.'));
}

/**
 * An assertion: { text, scope } or { text, not }, optional `nth` (0-based occurrence of
 * `text` in the source, default 0), optional `after` (search starts after this text).
 */
function check(grammar, c) {
  const tokens = tokenize(grammar, c.source);
  const results = [];
  for (const a of c.expect) {
    const label = `${c.name}: ${JSON.stringify(a.text)} ${a.scope ? 'is ' + a.scope : 'is not ' + a.not}`;
    let from = a.after ? c.source.indexOf(a.after) + a.after.length : 0;
    let at = c.source.indexOf(a.text, from);
    for (let k = 0; k < (a.nth ?? 0) && at >= 0; k++) at = c.source.indexOf(a.text, at + 1);
    if (at < 0 || (a.after && from < a.after.length)) {
      results.push({ ok: false, label, why: 'text not found in the case source' });
      continue;
    }
    const end = at + a.text.length;
    const covering = tokens.filter((t) => t.end > at && t.start < end);
    const bad = covering.filter((t) => (a.scope ? !hasScope(t.scopes, a.scope) : hasScope(t.scopes, a.not)));
    results.push({
      ok: covering.length > 0 && bad.length === 0,
      label,
      why: bad.map((t) => `token ${JSON.stringify(t.text)} has [${t.scopes.join(' ')}]`).join('; ') || (covering.length ? '' : 'no token'),
    });
  }
  return results;
}

/** Cases generated from the API table, so the grammar cannot fall behind apis.ts. */
async function tableCases() {
  const apis = await tsImport(join(root, 'server/src/core/apis.ts'), import.meta.url);
  const out = [];
  out.push({
    name: 'every API of apis.ts',
    source: 'routine R {\n' + apis.APIS.map((a) => `    ${a.name}(x);`).join('\n') + '\n}\n',
    expect: apis.APIS.map((a, i) => ({ text: a.name, scope: 'support.function.api.drvm', nthLine: i + 1 })),
  });
  out.push({
    name: 'every pool type, pool flag and IRQL name',
    source:
      'routine R {\n' +
      apis.POOL_TYPES.map((p) => `    p = ExAllocatePoolWithTag(${p.name}, 8, 'Ab  ');\n`).join('') +
      apis.POOL_FLAGS.map((f) => `    p = ExAllocatePool2(${f.name}, 8, 'Ab  ');\n`).join('') +
      [...apis.IRQL_CONSTANTS.keys()].map((n) => `    KeRaiseIrql(${n});\n`).join('') +
      '}\n',
    expect: [
      ...apis.POOL_TYPES.map((p) => ({ text: `(${p.name},`, scope: 'support.constant.pool-type.drvm', trim: 1, trimEnd: 1 })),
      ...apis.POOL_FLAGS.map((f) => ({ text: `(${f.name},`, scope: 'support.constant.pool-flag.drvm', trim: 1, trimEnd: 1 })),
      ...[...apis.IRQL_CONSTANTS.keys()].map((n) => ({ text: `(${n})`, scope: 'support.constant.irql.drvm', trim: 1, trimEnd: 1 })),
    ],
  });
  out.push({
    name: 'every IRP_MJ code in dispatch declarations and irp steps',
    source:
      apis.IRP_MAJOR_FUNCTIONS.map((m, i) => `dispatch ${m} D${i} { }\n`).join('') +
      'scenario s {\n' +
      apis.IRP_MAJOR_FUNCTIONS.map((m) => `    irp ${m};\n`).join('') +
      '}\n',
    expect: [
      ...apis.IRP_MAJOR_FUNCTIONS.map((m, i) => ({ text: ` ${m} D${i} `, scope: 'constant.language.irp-major.drvm', trim: 1, trimEnd: ` D${i} `.length })),
      ...apis.IRP_MAJOR_FUNCTIONS.map((m) => ({ text: ` ${m};`, scope: 'constant.language.irp-major.drvm', trim: 1, trimEnd: 1, after: 'scenario s' })),
    ],
  });
  return out;
}

// Normalise the helpers used by generated cases (`trim`, `trimEnd`, `nthLine`) into plain
// text searches: find the decorated text, then assert only on the inner part.
function expand(c) {
  const expect = [];
  for (const a of c.expect) {
    if (a.nthLine !== undefined) {
      const lines = c.source.split('\n');
      const lineStart = lines.slice(0, a.nthLine).reduce((n, l) => n + l.length + 1, 0);
      const col = lines[a.nthLine].indexOf(a.text);
      expect.push({ text: a.text, scope: a.scope, at: col < 0 ? -1 : lineStart + col });
      continue;
    }
    if (a.trim !== undefined || a.trimEnd !== undefined) {
      const from = a.after ? c.source.indexOf(a.after) : 0;
      const at = c.source.indexOf(a.text, from);
      const inner = a.text.slice(a.trim ?? 0, a.text.length - (a.trimEnd ?? 0));
      expect.push({ text: inner, scope: a.scope, not: a.not, at: at < 0 ? -1 : at + (a.trim ?? 0) });
      continue;
    }
    expect.push(a);
  }
  return { ...c, expect };
}

function checkAt(grammar, c) {
  // Assertions with an absolute `at` offset; others go through check().
  const plain = { ...c, expect: c.expect.filter((a) => a.at === undefined) };
  const results = check(grammar, plain);
  const tokens = tokenize(grammar, c.source);
  for (const a of c.expect.filter((x) => x.at !== undefined)) {
    const label = `${c.name}: ${JSON.stringify(a.text)} ${a.scope ? 'is ' + a.scope : 'is not ' + a.not}`;
    if (a.at < 0 || c.source.slice(a.at, a.at + a.text.length) !== a.text) {
      results.push({ ok: false, label, why: 'text not found in the case source' });
      continue;
    }
    const covering = tokens.filter((t) => t.end > a.at && t.start < a.at + a.text.length);
    const bad = covering.filter((t) => (a.scope ? !hasScope(t.scopes, a.scope) : hasScope(t.scopes, a.not)));
    results.push({
      ok: covering.length > 0 && bad.length === 0,
      label,
      why: bad.map((t) => `token ${JSON.stringify(t.text)} has [${t.scopes.join(' ')}]`).join('; ') || (covering.length ? '' : 'no token'),
    });
  }
  return results;
}

async function main() {
  const grammar = await loadGrammar();
  const dump = process.argv.indexOf('--dump');
  if (dump >= 0) {
    const src = readFileSync(process.argv[dump + 1], 'utf8');
    for (const t of tokenize(grammar, src)) console.log(`${t.line + 1}\t${JSON.stringify(t.text)}\t${t.scopes.slice(1).join(' ')}`);
    return;
  }
  const all = [...handWritten, ...(await tableCases())].map(expand);
  let passed = 0;
  let failed = 0;
  for (const c of all) {
    for (const r of checkAt(grammar, c)) {
      if (r.ok) passed++;
      else {
        failed++;
        console.log(`not ok - ${r.label}\n    ${r.why}`);
      }
    }
  }
  // Robustness: hostile or huge text tokenizes in bounded time, every line ends in a state
  // (VS Code gives up on a line after a time limit and leaves it uncoloured; we want none).
  const robustness = [
    ['1,000 nested blocks', 'entry E ' + '{ '.repeat(1000) + 'x = NULL; ' + '} '.repeat(1000) + '\n'],
    ['1,000 nested blocks, one per line', 'entry E {\n' + '{\n'.repeat(1000) + '}\n'.repeat(1000) + '}\n'],
    ['100,000 quotes on one line', "entry E { p = X(" + "'".repeat(100_000) + '); }\n'],
    ['100,000 double quotes and backslashes', 'driver "' + '\\"'.repeat(50_000) + ';\n'],
    ['an unterminated block comment over 10,000 lines', '/* ' + 'entry E { }\n'.repeat(10_000)],
    ['control characters, NUL, lone surrogates, U+FFFD', "driver \"\u0000\u001b[31m\ud800\ufffd\";\nentry E { p = X('\u001b'); }\n"],
    ['examples/leaky.drvm x 200', readFileSync(join(root, 'examples/leaky.drvm'), 'utf8').repeat(200)],
  ];
  for (const [name, text] of robustness) {
    const t0 = performance.now();
    let ok = true;
    let why = '';
    try {
      const tokens = tokenize(grammar, text);
      if (tokens.length === 0 && text.trim()) {
        ok = false;
        why = 'no tokens';
      }
    } catch (e) {
      ok = false;
      why = String(e);
    }
    const ms = performance.now() - t0;
    if (ms > 10_000) {
      ok = false;
      why = `took ${ms.toFixed(0)} ms`;
    }
    if (ok) passed++;
    else {
      failed++;
      console.log(`not ok - robustness: ${name}\n    ${why}`);
    }
  }
  console.log(`${all.length} cases, ${robustness.length} robustness inputs`);
  console.log(`grammar: ${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 ? 1 : 0;
}

main().catch((e) => {
  console.error(e);
  console.log('grammar: 0 passed, 1 failed');
  process.exitCode = 1;
});
