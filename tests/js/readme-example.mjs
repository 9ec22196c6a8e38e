// Runs the README's own graphql-ws example (the ```js block under "Live updates") unchanged, but for
// the server's address: its `token` is SALESFLOW_TOKEN, its console.log reports each event, and its
// WebSocket handshake carries SALESFLOW_ORIGIN, as from a page served on another origin.
import { readFileSync } from "node:fs";
import { report, reportError, setting, webSocketFrom } from "./report.mjs";

const README_URL = "ws://127.0.0.1:8000/graphql"; // the address the example is written for

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const section = readme.slice(readme.indexOf("**Live updates.**"));
const block = /```js\n([\s\S]*?)```/.exec(section);
if (!block) {
  reportError("README.md has no ```js block after **Live updates.**");
  process.exit(2);
}
let code = block[1];
if (!code.includes(README_URL)) {
  reportError(`the README example no longer connects to ${README_URL}; update this harness`);
  process.exit(2);
}
code = code.replaceAll(README_URL, setting("SALESFLOW_WS_URL"));

// `import { a, b } from "pkg";` -> the module's exports, passed in (a function body cannot import).
const modules = {};
const imports = [...code.matchAll(/^import\s*\{([^}]*)\}\s*from\s*["']([^"']+)["'];?\s*$/gm)];
for (const [statement, names, specifier] of imports) {
  modules[specifier] = await import(specifier);
  code = code.replace(statement, `const {${names}} = modules[${JSON.stringify(specifier)}];`);
}

// The example runs in Node, where there is no browser WebSocket: give it one that sends Origin.
globalThis.WebSocket = webSocketFrom(setting("SALESFLOW_ORIGIN"));
console.log = (value) => report({ event: value });
console.error = (...values) => reportError(...values);

const example = new Function("modules", "token", code);
example(modules, setting("SALESFLOW_TOKEN"));
report({ started: "README example" });
