// The Pool Report page's shell: a strict Content-Security-Policy with a nonce, local resources only.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeNonce, reportCsp, reportHtml } from '../../../client/src/report/reportHtml';

const SOURCE = 'https://file+.vscode-resource.vscode-cdn.net';
const assets = {
  cspSource: SOURCE,
  chartCss: `${SOURCE}/ext/dist/uPlot.min.css`,
  reportCss: `${SOURCE}/ext/media/report.css`,
  script: `${SOURCE}/ext/dist/webview.js`,
};

test('the policy denies everything but the page nonce and the extension origin', () => {
  assert.equal(
    reportCsp('N0nce', SOURCE),
    `default-src 'none'; img-src ${SOURCE} data:; font-src ${SOURCE}; style-src ${SOURCE} 'nonce-N0nce'; script-src 'nonce-N0nce'`,
  );
});

test('the page loads one script and two style sheets, each with the nonce, all from the extension', () => {
  const html = reportHtml('N0nce', assets);
  assert.ok(html.includes(`content="${reportCsp('N0nce', SOURCE)}"`), 'the CSP meta tag');
  const scripts = [...html.matchAll(/<script\b([^>]*)>/g)].map((m) => m[1]);
  assert.deepEqual(scripts, [` nonce="N0nce" src="${assets.script}"`]);
  const links = [...html.matchAll(/<link\b([^>]*)>/g)].map((m) => m[1]);
  assert.deepEqual(links, [` rel="stylesheet" nonce="N0nce" href="${assets.chartCss}"`, ` rel="stylesheet" nonce="N0nce" href="${assets.reportCss}"`]);
  assert.ok(!/unsafe-inline|unsafe-eval|https?:\/\/(?!file\+)/.test(html.replace(/https:\/\/file\+\.vscode-resource\.vscode-cdn\.net/g, '')), 'nothing from the network');
  assert.ok(!/\son\w+=/.test(html), 'no inline event handlers');
});

test('a nonce is 32 fresh alphanumerics', () => {
  const a = makeNonce();
  assert.match(a, /^[A-Za-z0-9]{32}$/);
  assert.notEqual(a, makeNonce());
});
