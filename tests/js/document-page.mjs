// Opens a rendered document in headless Chromium as a customer or an SPA does, with the outside world blocked:
//   node document-page.mjs '{"page": "http://127.0.0.1:PORT/documents/…?expires=…&signature=…",
//                            "screenshot": "/path.png"}'
//     the page alone is let through; every other request is aborted and recorded. Reports the page's
//     `dir`, its body's computed `direction`, its text, its response headers and CSP violations.
//   node document-page.mjs '{"spa": "http://127.0.0.1:OTHER/", "fetch": "http://127.0.0.1:PORT/documents/…",
//                            "token": "sf_…"}'
//     opens the SPA's page (another origin) and runs fetch(url, {headers: {Authorization: 'Bearer …'}}) in it,
//     as an SPA's code does; Chromium itself enforces CORS. Reports the status, content type, byte count and
//     SHA-256 of what the page could read, or the error fetch threw.
// Prints one JSON object (what happened); exits 1 if the browser could not do its part.
import { TIMEOUT, launch, offlineContext, watchedPage } from './offline.mjs';

const task = JSON.parse(process.argv[2]);
const report = { outside: [], requests: [], cspViolations: [], pageErrors: [], error: null };
// What may be asked for: the page itself (the exact URL), or in an SPA's case its own origin and the server's.
const allowed = task.page
  ? (url) => url === task.page
  : (url) => [new URL(task.spa).origin, new URL(task.fetch).origin].includes(new URL(url).origin);

const browser = await launch();
try {
  const context = await offlineContext(browser, report, { viewport: { width: 1000, height: 1300 }, allowed });
  const page = await watchedPage(context, report);

  if (task.page) {
    const response = await page.goto(task.page, { waitUntil: 'load', timeout: TIMEOUT });
    report.status = response.status();
    report.headers = await response.allHeaders();
    await page.evaluate(() => document.fonts.ready);
    Object.assign(report, await page.evaluate(() => ({
      htmlDir: document.documentElement.getAttribute('dir'),
      lang: document.documentElement.getAttribute('lang'),
      bodyDirection: getComputedStyle(document.body).direction,
      text: document.body.innerText,
      // where the first line-table row's first cell (#) sits: at the right of the table in a right-to-left page
      firstCellAtEnd: (() => {
        const row = document.querySelector('table tr');
        if (!row || row.cells.length < 2) return null;
        return row.cells[0].getBoundingClientRect().left > row.cells[1].getBoundingClientRect().left;
      })(),
    })));
    report.cspViolations = await page.evaluate(() => window.__cspViolations);
    if (task.screenshot) await page.screenshot({ path: task.screenshot, fullPage: true });
  } else {
    await page.goto(task.spa, { waitUntil: 'load', timeout: TIMEOUT });
    report.origin = await page.evaluate(() => window.location.origin);
    report.result = await page.evaluate(async ({ url, token }) => {
      try {
        const response = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
        const bytes = await response.arrayBuffer();
        const digest = await crypto.subtle.digest('SHA-256', bytes);
        return {
          status: response.status,
          contentType: response.headers.get('content-type'),
          length: bytes.byteLength,
          sha256: [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join(''),
        };
      } catch (error) {
        return { thrown: String(error) };
      }
    }, { url: task.fetch, token: task.token });
  }
} catch (error) {
  report.error = String(error && error.stack || error);
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
process.exit(report.error ? 1 : 0);
