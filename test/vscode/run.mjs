// Runs the integration suite (test/vscode/suite) inside a real VS Code, offline:
// code-server (VS Code's web workbench + Node extension host) driven by Debian's Chromium
// through playwright-core. See docs/extension.md ("Testing in a real VS Code").
//
//   node test/vscode/run.mjs [--dev-only | --vsix-only | --untrusted-only] [--grep PATTERN] [--keep]
//
// Three runs:
//   dev   the extension loaded from this folder (extensionDevelopmentPath): the full suite,
//         plus screenshots of the sidebar and the Pool Report (light + dark) checked by reading
//         the webview DOM;
//   vsix  the packaged .vsix installed with `code-server --install-extension` into its own
//         extensions dir: the suite checks that the installed copy is the one that runs;
//   untrusted  the extension from this folder in a workspace that is NOT trusted (workspace
//         trust on, the folder in no trusted list, no startup prompt): a small suite of its own
//         (untrusted.test.ts) checks Restricted Mode — linting and runs work, pooltag.txt is
//         never read.
// The last stdout line is exactly `vscode: N passed, M failed`. Exit code 0 only when every
// test ran and passed; it never skips (a missing browser or server is a failure).
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { provision, root } from './provision.mjs';
import { handleHarnessRequest } from './harnessRequests.mjs';

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const KEEP = flag('--keep');
const GREP = option('--grep');
const ONLY = ['--dev-only', '--vsix-only', '--untrusted-only'].find(flag);
const RUN_DEV = !ONLY || ONLY === '--dev-only';
const RUN_VSIX = !ONLY || ONLY === '--vsix-only';
const RUN_UNTRUSTED = !ONLY || ONLY === '--untrusted-only';
const NO_BUILD = flag('--no-build'); // for iterating on the suite when dist/ is already built

const TOTAL_TIMEOUT_MS = Number(process.env.POOLSCOPE_VSCODE_TIMEOUT_MS ?? 12 * 60_000);
const SERVER_START_TIMEOUT_MS = 60_000;
const SUITE_TIMEOUT_MS = 6 * 60_000;

const resultsDir = join(root, 'test-results');
const t0 = Date.now();
const cleanups = [];
let totalPassed = 0;
let totalFailed = 0;

function log(msg) {
  process.stderr.write(`[vscode ${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}\n`);
}

async function cleanup() {
  while (cleanups.length) {
    const fn = cleanups.pop();
    try {
      await fn();
    } catch {
      /* best effort */
    }
  }
}

function finish(code, reason) {
  if (reason) log(reason);
  if (code !== 0 && totalFailed === 0) totalFailed = 1; // could not run = a failure, never a skip
  console.log(`vscode: ${totalPassed} passed, ${totalFailed} failed`);
  cleanup().finally(() => process.exit(code));
}

const watchdog = setTimeout(() => finish(1, `timed out after ${TOTAL_TIMEOUT_MS / 1000} s`), TOTAL_TIMEOUT_MS);
watchdog.unref();
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => finish(1, `interrupted (${sig})`));

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** console.log's printf-style formatting, as the extension host forwards the raw arguments. */
function formatConsole(items) {
  if (items.length === 0) return '';
  const [first, ...rest] = items;
  const str = (a) => (typeof a === 'string' ? a : a === undefined ? 'undefined' : JSON.stringify(a));
  if (typeof first !== 'string') return items.map(str).join(' ');
  let i = 0;
  const head = first.replace(/%[sdifjoOc%]/g, (m) => {
    if (m === '%%') return '%';
    if (i >= rest.length) return m;
    const a = rest[i++];
    if (m === '%c') return '';
    if (m === '%d' || m === '%i') return String(parseInt(a, 10));
    if (m === '%f') return String(Number(a));
    return str(a);
  });
  return [head, ...rest.slice(i).map(str)].join(' ');
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Settings for the test user: quiet, offline, no AI, no git, no auto-update, no telemetry. */
const userSettings = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.enableExperiments': false,
  'workbench.colorTheme': 'Default Dark Modern',
  'chat.disableAIFeatures': true,
  'chat.commandCenter.enabled': false,
  'chat.agent.enabled': false,
  'update.mode': 'none',
  'update.showReleaseNotes': false,
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  'git.autoRepositoryDetection': false,
  'scm.autoReveal': false,
  'telemetry.telemetryLevel': 'off',
  'security.workspace.trust.enabled': false,
  'files.autoSave': 'off',
  'window.restoreWindows': 'none',
  'editor.codeLens': true,
};

/**
 * The untrusted run turns workspace trust on (the others turn it off). Trust is decided in the
 * browser: code-server's web workbench trusts a folder only when it is in the trusted list kept
 * in the browser's storage (a fresh profile per run: empty) or when the remote authority says
 * so (code-server does not); `startupPrompt: never` keeps the "Do you trust…?" dialog away, so
 * the window opens in Restricted Mode. code-server runs without --disable-workspace-trust.
 */
const untrustedUserSettings = {
  'security.workspace.trust.enabled': true,
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.banner': 'never',
  'security.workspace.trust.emptyWindow': false,
  // A user value of the restricted setting: VS Code passes it on even in Restricted Mode (it
  // only ignores the workspace's value), so only PoolScope itself keeps the server from
  // reading the file. './pooltag.txt' (not the workspace's 'pooltag.txt') tells them apart.
  'poolscope.pooltagFile': './pooltag.txt',
};

function prepareDirs(name, { untrusted = false } = {}) {
  const base = mkdtempSync(join(tmpdir(), `poolscope-vscode-${name}-`));
  if (!KEEP) cleanups.push(() => rmSync(base, { recursive: true, force: true }));
  const dirs = {
    base,
    userData: join(base, 'user-data'),
    extensions: join(base, 'extensions'),
    xdgConfig: join(base, 'xdg-config'),
    xdgData: join(base, 'xdg-data'),
    xdgCache: join(base, 'xdg-cache'),
    browser: join(base, 'browser'),
    workspace: join(base, 'workspace'),
    handshake: join(base, 'handshake'),
    config: join(base, 'config.yaml'),
  };
  for (const d of Object.values(dirs)) if (!d.endsWith('.yaml')) mkdirSync(d, { recursive: true });
  mkdirSync(join(dirs.userData, 'User'), { recursive: true });
  const settings = untrusted ? { ...userSettings, ...untrustedUserSettings } : userSettings;
  writeFileSync(join(dirs.userData, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  writeFileSync(dirs.config, 'bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n');
  // The workspace is a copy: tests edit files (quick fixes) and must not touch the repo.
  cpSync(join(root, 'test', 'vscode', 'fixtures', 'workspace'), dirs.workspace, { recursive: true });
  cpSync(join(root, 'examples', 'leaky.drvm'), join(dirs.workspace, 'leaky.drvm'));
  if (untrusted) {
    // The workspace names the fixture's pooltag.txt (which exists): a trusted window would
    // show its owners in hovers and !poolused rows. Its seed is not restricted: the runs show
    // that the workspace's settings do reach the server.
    mkdirSync(join(dirs.workspace, '.vscode'), { recursive: true });
    const workspaceSettings = { 'poolscope.pooltagFile': 'pooltag.txt', 'poolscope.simulation.seed': 7 };
    writeFileSync(join(dirs.workspace, '.vscode', 'settings.json'), JSON.stringify(workspaceSettings, null, 2));
  }
  return dirs;
}

function envFor(dirs, extra) {
  return {
    ...process.env,
    XDG_CONFIG_HOME: dirs.xdgConfig,
    XDG_DATA_HOME: dirs.xdgData,
    XDG_CACHE_HOME: dirs.xdgCache,
    // Read by the suite (the extension host inherits code-server's environment).
    POOLSCOPE_HARNESS_DIR: dirs.handshake,
    ...(GREP ? { POOLSCOPE_TEST_GREP: GREP } : {}),
    ...extra,
  };
}

async function startCodeServer(paths, dirs, env, { untrusted = false } = {}) {
  const port = await freePort();
  const serverLog = join(dirs.base, 'code-server.log');
  const out = [];
  // detached: the server leads its own process group (setsid); the extension host and the
  // language server are its grandchildren and would otherwise outlive it.
  const child = spawn(
    paths.node,
    [
      paths.codeServer,
      '--config', dirs.config,
      '--bind-addr', `127.0.0.1:${port}`,
      '--auth', 'none',
      '--disable-telemetry',
      '--disable-update-check',
      ...(untrusted ? [] : ['--disable-workspace-trust']),
      '--disable-getting-started-override',
      '--reconnection-grace-time', '5',
      '--user-data-dir', dirs.userData,
      '--extensions-dir', dirs.extensions,
      '--vscode-option', 'enable-smoke-test-driver',
    ],
    { cwd: dirs.base, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const record = (b) => {
    out.push(b.toString());
    if (out.length > 2000) out.shift();
  };
  child.stdout.on('data', record);
  child.stderr.on('data', record);
  let exited = null;
  child.on('exit', (code, sig) => (exited = { code, sig }));
  cleanups.push(async () => {
    writeFileSync(serverLog, out.join(''));
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return;
    }
    for (let i = 0; i < 30 && exited === null; i++) await sleep(100);
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  });
  const deadline = Date.now() + SERVER_START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`code-server exited early (${JSON.stringify(exited)}):\n${out.join('').slice(-3000)}`);
    try {
      const r = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (r.ok) return { port, output: () => out.join('') };
    } catch {
      /* not yet */
    }
    await sleep(250);
  }
  throw new Error(`code-server did not answer /healthz within ${SERVER_START_TIMEOUT_MS / 1000} s:\n${out.join('').slice(-3000)}`);
}

async function launchBrowser(paths, dirs) {
  const { chromium } = await import('playwright-core');
  const context = await chromium.launchPersistentContext(dirs.browser, {
    executablePath: paths.chromium,
    headless: true,
    viewport: { width: 1400, height: 900 },
    // "Copy as WinDbg text" goes through the browser's clipboard; the suite reads it back.
    permissions: ['clipboard-read', 'clipboard-write'],
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
  cleanups.push(() => context.close());
  return context;
}

/**
 * Opens the workbench with the smoke-test payload that makes it run the mocha suite in the
 * extension host, and waits for `codeAutomationExit`. Meanwhile it answers the suite's
 * screenshot / DOM-check requests (test/vscode/harnessRequests.mjs).
 */
async function runSuite(name, paths, { developmentPath, env, phases = ['main'], untrusted = false }) {
  log(`${name}: preparing`);
  const dirs = prepareDirs(name, { untrusted });
  const fullEnv = envFor(dirs, env);
  if (name === 'vsix') await installVsix(paths, dirs, fullEnv);
  const server = await startCodeServer(paths, dirs, fullEnv, { untrusted });
  log(`${name}: code-server on 127.0.0.1:${server.port}`);
  const context = await launchBrowser(paths, dirs);
  const page = context.pages()[0] ?? (await context.newPage());

  // The URIs' authority must be host:port exactly as the browser sees it, or documents open
  // twice and no diagnostics show.
  const authority = `127.0.0.1:${server.port}`;
  const remote = (p) => `vscode-remote://${authority}${p}`;
  const testsPath = join(root, 'out', 'test', 'vscode', 'suite', 'index.js');
  const payload = [
    ['skipWelcome', 'true'],
    ['skipReleaseNotes', 'true'],
    ['extensionDevelopmentPath', remote(developmentPath)],
    ['extensionTestsPath', remote(testsPath)],
  ];
  const url = `http://${authority}/?folder=${encodeURIComponent(dirs.workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;

  const lines = [];
  let exitInfo = null;
  await page.exposeFunction('codeAutomationLog', (type, logArgs) => {
    const text = formatConsole(Array.isArray(logArgs) ? logArgs : [logArgs]);
    lines.push(text);
    if (process.env.POOLSCOPE_VSCODE_VERBOSE) log(`[${type}] ${text}`);
  });
  await page.exposeFunction('codeAutomationExit', (code, logs) => {
    exitInfo = { code, logs };
  });
  page.on('pageerror', (e) => process.env.POOLSCOPE_VSCODE_VERBOSE && log(`pageerror: ${e.message}`));

  mkdirSync(resultsDir, { recursive: true });
  const handled = new Set();
  // Phases: the suite, then (dev) a reload of the window, after which the suite runs again in
  // its "restore" phase and checks what VS Code restored (the Pool Report panel).
  for (const phase of phases) {
    lines.length = 0;
    exitInfo = null;
    writeFileSync(join(dirs.handshake, 'phase'), phase);
    if (phase === phases[0]) await page.goto(url, { timeout: 60_000 });
    else await page.reload({ timeout: 60_000 });
    log(`${name}/${phase}: workbench opened, suite running`);

    const deadline = Date.now() + SUITE_TIMEOUT_MS;
    while (exitInfo === null && Date.now() < deadline) {
      for (const f of readdirSync(dirs.handshake)) {
        if (!f.startsWith('req-') || !f.endsWith('.json') || handled.has(`${phase}/${f}`)) continue;
        handled.add(`${phase}/${f}`);
        const req = JSON.parse(readFileSync(join(dirs.handshake, f), 'utf8'));
        let res;
        try {
          res = await handleHarnessRequest(page, req, { resultsDir, runName: name });
        } catch (e) {
          res = { ok: false, error: String(e?.stack ?? e) };
        }
        log(`${name}: request ${req.kind} ${req.name ?? ''} → ${res.ok ? 'ok' : `FAILED ${res.error ?? ''}`}`);
        const out = join(dirs.handshake, f.replace(/^req-/, 'res-'));
        writeFileSync(`${out}.tmp`, JSON.stringify(res));
        renameSync(`${out}.tmp`, out); // the suite never reads half a file
      }
      await sleep(150);
    }
    // Requests are numbered per extension host: clear them before the next phase.
    for (const f of readdirSync(dirs.handshake)) if (/^(req|res)-/.test(f)) rmSync(join(dirs.handshake, f), { force: true });

    const output = lines.join('\n');
    // Only what the suite printed (mocha's spec reporter), not the workbench's own chatter.
    const begin = output.lastIndexOf('@@poolscope-begin');
    const suiteOutput = (begin >= 0 ? output.slice(begin + '@@poolscope-begin'.length) : output)
      .split('\n')
      .filter((l) => !l.startsWith('@@poolscope-results') && !/ENOTFOUND open-vsx\.org|^\s+at async .*workbench\.js/.test(l))
      .join('\n');
    console.log(`\n--- ${name}/${phase} suite output${suiteOutput.trimEnd()}`);
    if (exitInfo === null) {
      writeFileSync(join(resultsDir, `${name}-${phase}-timeout.png`), await page.screenshot().catch(() => Buffer.alloc(0)));
      throw new Error(`${name}/${phase}: the suite did not finish within ${SUITE_TIMEOUT_MS / 1000} s`);
    }
    const m = /@@poolscope-results (\{.*\})/.exec(output);
    if (!m) {
      const hostLogs = (exitInfo.logs ?? []).map((l) => `${l.relativePath}:\n${l.contents}`).join('\n').slice(-6000);
      throw new Error(`${name}/${phase}: the suite exited with code ${exitInfo.code} without reporting results\n${hostLogs}\n${server.output().slice(-3000)}`);
    }
    const r = JSON.parse(m[1]);
    if (r.passed + r.failed === 0) throw new Error(`${name}/${phase}: no test ran`);
    totalPassed += r.passed;
    totalFailed += r.failed;
    if (exitInfo.code !== 0 && r.failed === 0) totalFailed++;
    log(`${name}/${phase}: ${r.passed} passed, ${r.failed} failed (exit ${exitInfo.code})`);
  }
  await cleanup();
}

/** Builds the .vsix with vsce (no network) and installs it into the run's extensions dir. */
async function installVsix(paths, dirs, env) {
  const vsix = join(dirs.base, 'poolscope.vsix');
  log('vsix: packaging (npm run package)');
  // Exactly what users and the release run: `npm run package` (vsce, no network).
  const pack = spawnSync('npm', ['run', '--silent', 'package', '--', '--out', vsix], {
    cwd: root,
    encoding: 'utf8',
    timeout: 180_000,
  });
  if (pack.status !== 0 || !existsSync(vsix)) throw new Error(`vsce package failed:\n${pack.stdout}\n${pack.stderr}`);
  const inst = spawnSync(paths.node, [paths.codeServer, '--extensions-dir', dirs.extensions, '--user-data-dir', dirs.userData, '--install-extension', vsix, '--force'], {
    cwd: dirs.base,
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (inst.status !== 0) throw new Error(`code-server --install-extension failed:\n${inst.stdout}\n${inst.stderr}`);
  log(`vsix: installed into ${dirs.extensions}`);
}

async function main() {
  log('provisioning');
  const paths = provision();
  if (!NO_BUILD) {
    log('building');
    const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], timeout: 180_000 });
    if (build.status !== 0) throw new Error('build failed');
  }
  if (!existsSync(join(root, 'out', 'test', 'vscode', 'suite', 'index.js'))) throw new Error('the suite bundle is missing');

  if (RUN_DEV) await runSuite('dev', paths, { developmentPath: root, env: { POOLSCOPE_TEST_MODE: 'dev' }, phases: GREP ? ['main'] : ['main', 'restore'] });
  if (RUN_VSIX) {
    // The installed extension must be the one under test, so the development path is a
    // minimal host extension that contributes nothing (the suite needs one to run).
    await runSuite('vsix', paths, { developmentPath: join(root, 'test', 'vscode', 'fixtures', 'test-host'), env: { POOLSCOPE_TEST_MODE: 'vsix' } });
  }
  if (RUN_UNTRUSTED) await runSuite('untrusted', paths, { developmentPath: root, env: { POOLSCOPE_TEST_MODE: 'untrusted' }, untrusted: true });
  clearTimeout(watchdog);
  finish(totalFailed === 0 ? 0 : 1);
}

main().catch((e) => finish(1, String(e?.stack ?? e)));
