// What the page drivers (graphiql.mjs, document-page.mjs) share: Debian's Chromium, headless, in a context
// that reaches nothing but what the task allows. Every other request and WebSocket is aborted and recorded in
// `report.outside`; each request the page makes goes to `report.requests`, each script error to
// `report.pageErrors`, and CSP violations are kept in the page as `window.__cspViolations`.
import { chromium } from 'playwright-core';

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const TIMEOUT = 30000;

export function launch() {
  return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

// allowed(url): may this request go out? socketAllowed(url): may this WebSocket connect (default: none)?
export async function offlineContext(browser, report, { viewport, allowed, socketAllowed = () => false }) {
  const context = await browser.newContext({ viewport, serviceWorkers: 'block' });
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (allowed(url)) return route.continue();
    report.outside.push(url);
    return route.abort('blockedbyclient');
  });
  await context.routeWebSocket(() => true, (socket) => {
    if (socketAllowed(socket.url())) return socket.connectToServer();
    report.outside.push(socket.url());
    return socket.close();
  });
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation',
      (e) => window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  return context;
}

export async function watchedPage(context, report) {
  const page = await context.newPage();
  page.on('request', (request) => report.requests.push(`${request.method()} ${request.url()}`));
  page.on('pageerror', (error) => report.pageErrors.push(String(error)));
  return page;
}
