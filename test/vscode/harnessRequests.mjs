// What the harness does when the suite (running inside the extension host) asks for
// something only the browser side can do: screenshots, and reading the rendered webview DOM.
// The suite writes `req-N.json` into POOLSCOPE_HARNESS_DIR and waits for `res-N.json`.
import { join } from 'node:path';

/** The Pool Report's document: webview content lives two iframes deep. */
async function reportFrame(page) {
  const outer = page.locator('iframe.webview');
  const n = await outer.count();
  for (let i = 0; i < n; i++) {
    const inner = page.frameLocator('iframe.webview').nth(i).frameLocator('iframe#active-frame');
    if ((await inner.locator('[data-poolscope-report]').count().catch(() => 0)) > 0) return inner;
  }
  return null;
}

export async function handleHarnessRequest(page, req, { resultsDir, runName }) {
  const file = join(resultsDir, `${runName}-${req.name}.png`);
  if (req.kind === 'screenshot') {
    await page.waitForTimeout(req.settleMs ?? 500);
    await page.screenshot({ path: file });
    return { ok: true, file };
  }
  if (req.kind === 'report') {
    // Wait for the report to show the expected run, then screenshot and read it back.
    const deadline = Date.now() + (req.timeoutMs ?? 20_000);
    let frame = null;
    let rows = [];
    while (Date.now() < deadline) {
      frame = await reportFrame(page);
      if (frame) {
        rows = await frame.locator('[data-poolused-table] tbody tr [data-col="tag"]').allTextContents().catch(() => []);
        if ((req.expectRows ?? []).every((t) => rows.includes(t))) break;
      }
      await page.waitForTimeout(250);
    }
    if (!frame) return { ok: false, error: 'no Pool Report webview in the page' };
    await page.waitForTimeout(req.settleMs ?? 400);
    // Two pictures: the top of the report (bug check banner), then scrolled to the !poolused table.
    await page.screenshot({ path: file.replace(/\.png$/, '-top.png') });
    await frame.locator('[data-poolused-table]').scrollIntoViewIfNeeded({ timeout: 2000 }).catch(() => undefined);
    await page.waitForTimeout(200);
    await page.screenshot({ path: file });
    const result = { ok: true, file, rows };
    result.banner = await frame.locator('[data-bugcheck-code]').first().textContent({ timeout: 1000 }).catch(() => null);
    result.bodyClass = await frame.locator('body').getAttribute('class').catch(() => null);
    if (req.countSelectors) {
      result.counts = {};
      for (const sel of req.countSelectors) result.counts[sel] = await frame.locator(sel).count();
    }
    if (req.literalTexts) {
      const text = await frame.locator('body').textContent();
      result.literal = Object.fromEntries(req.literalTexts.map((t) => [t, (text ?? '').includes(t)]));
    }
    result.scripts = await frame
      .locator('script')
      .evaluateAll((els) => els.map((e) => ({ src: e.getAttribute('src') ?? '', nonce: e.nonce !== '' || e.hasAttribute('nonce'), text: (e.textContent ?? '').slice(0, 200) })))
      .catch(() => []);
    result.pwned = await frame.locator('body').evaluate(() => Boolean(window.__pwned)).catch(() => null);
    const missing = (req.expectRows ?? []).filter((t) => !rows.includes(t));
    if (missing.length) return { ...result, ok: false, error: `rows missing from the !poolused table: ${JSON.stringify(missing)} (saw ${JSON.stringify(rows)})` };
    return result;
  }
  if (req.kind === 'click') {
    // A real click inside the report page (e.g. a driver frame of a kb stack).
    // The page may be (re)loading: wait for it and for the target.
    const deadline = Date.now() + (req.timeoutMs ?? 20_000);
    let frame = null;
    while (Date.now() < deadline) {
      frame = await reportFrame(page);
      if (frame && (await frame.locator(req.selector).count().catch(() => 0)) > 0) break;
      frame = null;
      await page.waitForTimeout(200);
    }
    if (!frame) return { ok: false, error: `no ${req.selector} in the Pool Report page` };
    // The page may re-render under us (a theme change, a late message): retry on a detached node.
    let lastError;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const target = frame.locator(req.selector).first();
        await target.scrollIntoViewIfNeeded({ timeout: 5000 });
        const text = await target.textContent({ timeout: 5000 });
        await target.click({ timeout: 5000 });
        return { ok: true, text };
      } catch (e) {
        lastError = e;
        await page.waitForTimeout(300);
      }
    }
    return { ok: false, error: String(lastError?.message ?? lastError) };
  }
  if (req.kind === 'cancelProgress') {
    // The progress notification of a run: read it, then press its Cancel button.
    // A toast, or a row of the notification center (toasts are not shown in every mode).
    const toast = page.locator('.notification-toast, .notifications-center .monaco-list-row').filter({ hasText: req.text });
    try {
      await toast.first().waitFor({ state: 'visible', timeout: req.timeoutMs ?? 20_000 });
    } catch (e) {
      await page.screenshot({ path: file });
      const toasts = await page.locator('.notification-toast, .notifications-center .monaco-list-row').allTextContents().catch(() => []);
      return { ok: false, error: `no progress notification "${req.text}" (toasts: ${JSON.stringify(toasts)}; see ${file})` };
    }
    await page.waitForTimeout(req.settleMs ?? 800);
    const text = (await toast.first().textContent()) ?? '';
    await page.screenshot({ path: file });
    // The notification re-renders on every progress report, so the button found can be
    // detached before the click lands: retry on a fresh lookup (force skips the wait for a
    // "stable" element that a re-rendering toast never is).
    const cancelDeadline = Date.now() + 15_000;
    let cancelError;
    while (Date.now() < cancelDeadline) {
      try {
        await toast.first().getByRole('button', { name: 'Cancel' }).click({ timeout: 1500, force: true });
        return { ok: true, text, file };
      } catch (e) {
        cancelError = e;
        await page.waitForTimeout(150);
      }
    }
    return { ok: false, error: String(cancelError?.message ?? cancelError), file };
  }
  if (req.kind === 'sidebar') {
    // The Pool Tracking container's tree rows, read from the workbench DOM.
    const side = page.locator('.part.sidebar');
    const deadline = Date.now() + (req.timeoutMs ?? 20_000);
    let text = '';
    while (Date.now() < deadline) {
      text = (await side.textContent().catch(() => '')) ?? '';
      if ((req.expectTexts ?? []).every((t) => text.includes(t))) break;
      await page.waitForTimeout(250);
    }
    await page.waitForTimeout(req.settleMs ?? 400);
    await page.screenshot({ path: file });
    const texts = Object.fromEntries((req.expectTexts ?? []).map((t) => [t, text.includes(t)]));
    const missing = Object.entries(texts).filter(([, v]) => !v).map(([k]) => k);
    return missing.length ? { ok: false, file, texts, error: `not in the sidebar: ${JSON.stringify(missing)}` } : { ok: true, file, texts };
  }
  if (req.kind === 'statusBar') {
    // A status bar item, found by its text; clicked when asked (as the user would).
    const item = page.locator('.part.statusbar .statusbar-item').filter({ hasText: req.text });
    try {
      await item.first().waitFor({ state: 'visible', timeout: req.timeoutMs ?? 20_000 });
    } catch {
      const all = await page.locator('.part.statusbar .statusbar-item').allTextContents().catch(() => []);
      return { ok: false, error: `no status bar item with "${req.text}" (items: ${JSON.stringify(all)})` };
    }
    const text = ((await item.first().textContent()) ?? '').trim();
    await page.screenshot({ path: file });
    if (req.click) await item.first().locator('a, .statusbar-item-label').first().click({ timeout: 5000 });
    return { ok: true, text, file };
  }
  if (req.kind === 'inputBox') {
    // The quick input of an input box: type into it, read the validation message under it,
    // then accept (Enter) or dismiss (Escape) it.
    const widget = page.locator('.quick-input-widget');
    try {
      await widget.waitFor({ state: 'visible', timeout: req.timeoutMs ?? 20_000 });
    } catch {
      await page.screenshot({ path: file });
      return { ok: false, error: `no input box appeared (see ${file})` };
    }
    const title = ((await widget.locator('.quick-input-title').textContent().catch(() => '')) ?? '').trim();
    const initial = await widget.locator('.quick-input-box input').first().inputValue().catch(() => null);
    await widget.locator('.quick-input-box input').first().fill(req.text);
    const deadline = Date.now() + 10_000;
    let message = '';
    while (Date.now() < deadline) {
      message = ((await widget.locator('.quick-input-message').textContent().catch(() => '')) ?? '').trim();
      if (!req.expectMessage || message.includes(req.expectMessage)) break;
      await page.waitForTimeout(100);
    }
    await page.screenshot({ path: file });
    await page.keyboard.press(req.accept ? 'Enter' : 'Escape');
    if (req.expectMessage && !message.includes(req.expectMessage)) return { ok: false, title, initial, message, error: `the input box said "${message}", not "${req.expectMessage}"` };
    return { ok: true, title, initial, message, file };
  }
  return { ok: false, error: `unknown request kind ${req.kind}` };
}
