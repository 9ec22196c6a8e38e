// A page served from another origin (SALESFLOW_PAGE_ORIGIN, another port) subscribes with graphql-ws
// in headless Chromium over a cross-origin WebSocket; what the page receives is reported here.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { chromium } from "playwright-core";
import { report, reportError, setting } from "./report.mjs";

const CHROMIUM = process.env.SALESFLOW_CHROMIUM || "/usr/bin/chromium";
const pageOrigin = new URL(setting("SALESFLOW_PAGE_ORIGIN"));
const wsUrl = setting("SALESFLOW_WS_URL");
const token = setting("SALESFLOW_TOKEN");

// graphql-ws's browser build (UMD, `window.graphqlWs`), as a page loads it from its own site
const bundle = readFileSync(new URL("./node_modules/graphql-ws/umd/graphql-ws.min.js", import.meta.url));
const PAGE = `<!doctype html>
<meta charset="utf-8"><title>salesflow live updates</title>
<script src="/graphql-ws.js"></script>
<ul id="events"></ul>
<script>
  const params = new URLSearchParams(location.search);
  const client = graphqlWs.createClient({
    url: params.get("ws"),
    connectionParams: { Authorization: "Bearer " + params.get("token") },
    on: { connected: () => window.report({ connected: location.origin }),
          closed: (event) => window.report({ closed: event.code + " " + event.reason }) },
  });
  client.subscribe({ query: \`subscription { documentEvents(types: [QUOTE, ORDER]) {
      sequence documentType documentId trigger fromState toState at actor { name }
      document { id ... on Quote { quoteStatus: status total } ... on Order { orderStatus: status } } } }\` }, {
    next: (event) => {
      const item = document.createElement("li");
      item.textContent = JSON.stringify(event.data.documentEvents);
      document.getElementById("events").append(item);
      window.report({ event: event.data.documentEvents, origin: location.origin });
    },
    error: (error) => window.report({ error: String(error && (error.reason || error.message) || error) }),
    complete: () => window.report({ error: "the subscription completed" }),
  });
</script>`;

const site = createServer((request, response) => {
  const path = new URL(request.url, pageOrigin).pathname;
  if (path === "/graphql-ws.js") {
    response.writeHead(200, { "content-type": "text/javascript" }).end(bundle);
  } else if (path === "/") {
    response.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(PAGE);
  } else {
    response.writeHead(404).end();
  }
});
await new Promise((resolve) => site.listen(Number(pageOrigin.port), pageOrigin.hostname, resolve));

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
const close = async () => {
  await browser.close().catch(() => {});
  site.close();
  process.exit(0);
};
process.stdin.removeAllListeners("end");
process.stdin.on("end", close);
process.removeAllListeners("SIGTERM");
process.on("SIGTERM", close);

const page = await browser.newPage();
await page.exposeFunction("report", (message) => report(message));
page.on("pageerror", (error) => reportError("page error:", error.message));
page.on("websocket", (socket) => report({ websocket: socket.url() }));
const address = `${pageOrigin.origin}/?ws=${encodeURIComponent(wsUrl)}&token=${encodeURIComponent(token)}`;
await page.goto(address);
report({ started: `Chromium ${browser.version()} on ${pageOrigin.origin}` });
