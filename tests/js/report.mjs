// What every client script here shares: it reports to the Python test as JSON lines on stdout
// ({"connected": …}, {"event": <documentEvents>}, {"error": …}), and reads its settings from the
// environment the test sets (SALESFLOW_WS_URL, SALESFLOW_TOKEN, SALESFLOW_ORIGIN).
import { inspect } from "node:util";
import WebSocket from "ws";

export function report(message) {
  process.stdout.write(JSON.stringify(message) + "\n");
}

export function reportError(...values) {
  report({ error: values.map((v) => (typeof v === "string" ? v : inspect(v, { depth: 6 }))).join(" ") });
}

export function setting(name) {
  const value = process.env[name];
  if (!value) {
    reportError(`${name} is not set`);
    process.exit(2);
  }
  return value;
}

/** A WebSocket class (the browser's constructor signature) whose handshake carries `Origin`, as a
 * page on that origin would send it; it reports whether the server accepted the handshake. */
export function webSocketFrom(origin) {
  return class extends WebSocket {
    constructor(url, protocols) {
      super(url, protocols, { origin });
      this.once("upgrade", () => report({ accepted: origin }));
      this.once("error", (error) => report({ refused: origin, reason: error.message }));
    }
  };
}

// The test ends a client by closing its stdin (or by a signal): leave quietly.
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
process.on("SIGTERM", () => process.exit(0));
