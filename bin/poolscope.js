#!/usr/bin/env node
// The installed `poolscope` command: runs the bundled CLI (built by `npm install` / `npm run build`).
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const cli = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(cli)) {
  process.stderr.write('poolscope: dist/cli.js is missing; run `npm run build` first\n');
  process.exit(2);
}
const mod = require(cli);
if (mod.exitQuietlyOnBrokenPipe) mod.exitQuietlyOnBrokenPipe();
mod
  .main(process.argv.slice(2))
  .then(
    (code) => { process.exitCode = code; },
    (e) => { process.stderr.write(`poolscope: internal error: ${e && e.message}\n`); process.exitCode = 2; },
  );
