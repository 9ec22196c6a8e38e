// Drives the GraphiQL page in headless Chromium as a user does, with the outside world blocked:
// node graphiql.mjs '{"url": "http://127.0.0.1:PORT/graphql", "headers": "{...}", "query": "...",
//                     "expect": "text the result pane must show", "screenshot": "/path.png",
//                     "probe": "http://elsewhere/x (optional: fetched first from a blank page, to test the guard)"}'
// Every request (HTTP or WebSocket) to another origin than the page's is aborted and recorded.
// Prints one JSON object (what happened); exits 1 if the page did not get as far as the result.
import { TIMEOUT, launch, offlineContext, watchedPage } from './offline.mjs';

const task = JSON.parse(process.argv[2]);
const origin = new URL(task.url).origin;
const report = { outside: [], requests: [], websockets: [], introspections: [], cspViolations: [],
  pageErrors: [], headersEditorVisible: false, response: null, error: null };

const browser = await launch();
try {
  const context = await offlineContext(browser, report, {
    viewport: { width: 1280, height: 720 },
    allowed: (url) => new URL(url).origin === origin,
    socketAllowed: (url) => new URL(url).host === new URL(origin).host,
  });
  const page = await watchedPage(context, report);
  page.on('websocket', (socket) => report.websockets.push(socket.url()));
  page.on('response', (response) => {
    const body = response.request().postData() || '';
    if (body.includes('IntrospectionQuery')) report.introspections.push(response.status());
  });

  if (task.probe) { // a request to another host from a page of this browser: the guard must catch it
    const blank = await context.newPage();
    report.probe = await blank.evaluate((url) => fetch(url, { mode: 'no-cors' }).then(() => 'reached', () => 'failed'),
      task.probe);
    await blank.close();
  }
  await page.goto(task.url, { waitUntil: 'load' });
  const queryEditor = page.locator('.graphiql-query-editor .CodeMirror');
  await queryEditor.waitFor({ timeout: TIMEOUT });
  const headersTab = page.locator('.graphiql-editor-tools button[data-name="headers"]');
  const headersEditor = page.locator('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror');
  report.headersEditorVisible = (await headersTab.getAttribute('class')).includes('active')
    && await headersEditor.isVisible();

  // Paste the headers and the query, as a user does (keyboard text input, no auto-closed brackets).
  await headersEditor.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.insertText(task.headers);
  await queryEditor.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.insertText(task.query);
  // The page fetches the schema again once the headers stop changing: wait for it (as long as the
  // other waits) so that the report has its answer; the test says what it must have been.
  const deadline = Date.now() + TIMEOUT;
  while (!report.introspections.includes(200) && Date.now() < deadline) await page.waitForTimeout(100);
  await page.getByRole('button', { name: /^Execute query/ }).click();

  const pane = page.locator('.graphiql-response .CodeMirror');
  await page.waitForFunction((expected) => {
    const editor = document.querySelector('.graphiql-response .CodeMirror');
    return editor && editor.CodeMirror.getValue().includes(expected);
  }, task.expect, { timeout: TIMEOUT }).catch((error) => { report.error = String(error); });
  report.response = await pane.evaluate((editor) => editor.CodeMirror.getValue());
  report.cspViolations = await page.evaluate(() => window.__cspViolations);
  if (task.screenshot) await page.screenshot({ path: task.screenshot });
} catch (error) {
  report.error = String(error && error.stack || error);
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
process.exit(report.error ? 1 : 0);
