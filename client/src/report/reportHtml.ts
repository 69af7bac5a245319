/**
 * The Pool Report page's HTML shell (pure: no vscode, so the unit tests read the policy). The
 * page runs only its own bundle: `default-src 'none'`, scripts and style sheets only with this
 * page's nonce, no 'unsafe-inline', no 'unsafe-eval', nothing from the network.
 */
import { randomBytes } from 'node:crypto';

export interface ReportAssets {
  /** `webview.cspSource`: the origin VS Code serves the extension's local resources from. */
  cspSource: string;
  /** Webview URIs of dist/uPlot.min.css, media/report.css and dist/webview.js. */
  chartCss: string;
  reportCss: string;
  script: string;
}

export function reportCsp(nonce: string, cspSource: string): string {
  // uPlot sizes its canvas through the CSSOM, which CSP allows.
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

export function reportHtml(nonce: string, assets: ReportAssets): string {
  const attr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(reportCsp(nonce, assets.cspSource))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" nonce="${nonce}" href="${attr(assets.chartCss)}">
<link rel="stylesheet" nonce="${nonce}" href="${attr(assets.reportCss)}">
<title>Pool Report</title>
</head>
<body>
<main id="app" data-poolscope-report></main>
<script nonce="${nonce}" src="${attr(assets.script)}"></script>
</body>
</html>`;
}

/** 32 random alphanumerics (node:crypto: VS Code 1.82's Node 18 has no global `crypto`). */
export function makeNonce(): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(32)].map((b) => chars[b % chars.length]).join('');
}
