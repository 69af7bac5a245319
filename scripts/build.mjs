// Bundles every entry point with esbuild. Entries whose source does not exist yet are
// skipped, so the build works while parts of the product are still being written.
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync, copyFileSync, writeFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** Node bundles: the extension client, the language server, its simulation worker, the CLI. */
const nodeEntries = [
  { in: 'client/src/extension.ts', out: 'dist/client.js', external: ['vscode'] },
  { in: 'server/src/lsp/main.ts', out: 'dist/server.js' },
  { in: 'server/src/lsp/workers/analysisAndSimulationWorker.ts', out: 'dist/analysisAndSimulationWorker.js' },
  { in: 'server/src/cli/main.ts', out: 'dist/cli.js' },
  // The integration suite that runs inside VS Code's extension host (mocha `run()` entry).
  { in: 'test/vscode/suite/index.ts', out: 'out/test/vscode/suite/index.js', external: ['vscode', 'mocha'] },
];

/** Browser bundles: the Pool Report webview. */
const browserEntries = [{ in: 'client/webview/main.ts', out: 'dist/webview.js' }];

const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  legalComments: 'none',
};

const builds = [];
for (const e of nodeEntries) {
  if (!existsSync(join(root, e.in))) continue;
  builds.push({
    ...common,
    entryPoints: [join(root, e.in)],
    outfile: join(root, e.out),
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: e.external ?? [],
    mainFields: ['module', 'main'],
  });
}
for (const e of browserEntries) {
  if (!existsSync(join(root, e.in))) continue;
  builds.push({
    ...common,
    entryPoints: [join(root, e.in)],
    outfile: join(root, e.out),
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  });
}

mkdirSync(join(root, 'dist'), { recursive: true });
// uPlot's stylesheet ships beside the webview bundle (loaded from the extension, never a CDN).
const uplotCss = join(root, 'node_modules/uplot/dist/uPlot.min.css');
if (existsSync(uplotCss)) {
  const tmp = join(root, `dist/uPlot.min.css.${process.pid}.tmp`);
  copyFileSync(uplotCss, tmp);
  renameSync(tmp, join(root, 'dist/uPlot.min.css'));
}

if (watch) {
  for (const b of builds) (await esbuild.context(b)).watch();
  console.log(`watching ${builds.length} bundles`);
} else {
  // Tests rebuild while other test processes run the bundles: write each output to a temporary
  // file and rename it into place, so a reader sees the old bundle or the new one, never half.
  await Promise.all(
    builds.map(async (b) => {
      const result = await esbuild.build({ ...b, write: false });
      for (const f of result.outputFiles) {
        mkdirSync(dirname(f.path), { recursive: true });
        const tmp = `${f.path}.${process.pid}.tmp`;
        writeFileSync(tmp, f.contents);
        renameSync(tmp, f.path);
      }
    }),
  );
  console.log(`built ${builds.length} bundles${production ? ' (production)' : ''}`);
}
