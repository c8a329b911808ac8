// A server for bench/serve_bench.sh, runnable by Deno and Node:
//   <runtime> serve_bench_server.mjs <kind> <cert.pem> <key.pem> [serve module URL]
// kind: "tlsmith" (serve() from the given module), "raw-deno" (Deno.serve),
// "raw-http2" (node:http2 secure server with HTTP/1.1 fallback, as our bridge uses),
// "raw-https" (node:https), "naive-fetch" (node:http2 + the least a fetch adapter must do). Prints "PORT <n>" once listening; stops on SIGTERM/SIGINT.
import { readFileSync } from "node:fs";
import process from "node:process";

const [kind, certFile, keyFile, moduleUrl] = process.argv.slice(2);
const cert = readFileSync(certFile, "utf8");
const key = readFileSync(keyFile, "utf8");
const BODY = "hello world";
let stop;

if (kind === "tlsmith") {
  const { serve } = await import(moduleUrl);
  const server = await serve(() => new Response(BODY), { cert: { cert, key }, port: 0 });
  console.log(`PORT ${server.addr.port}`);
  stop = () => server.shutdown();
} else if (kind === "raw-deno") {
  const server = globalThis.Deno.serve(
    { hostname: "127.0.0.1", port: 0, cert, key, onListen() {} },
    () => new Response(BODY),
  );
  console.log(`PORT ${server.addr.port}`);
  stop = () => server.shutdown();
} else if (kind === "naive-fetch") {
  // The least any fetch-style adapter does on Node: build a Request, call the handler, read the
  // Response whole and write it (no streaming, no signal, no HEAD/HTTP/2 rules).
  const http2 = await import("node:http2");
  const handler = () => new Response(BODY);
  const server = http2.createSecureServer({ cert, key, allowHTTP1: true }, async (req, res) => {
    const headers = new Headers();
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      if (req.rawHeaders[i][0] !== ":") headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
    }
    const host = req.headers[":authority"] ?? req.headers.host;
    const response = await handler(new Request(`https://${host}${req.url}`, { headers }));
    const body = new Uint8Array(await response.arrayBuffer());
    const out = Object.fromEntries(response.headers);
    out["content-length"] = String(body.byteLength);
    res.writeHead(response.status, out);
    res.end(body);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  console.log(`PORT ${server.address().port}`);
  stop = () => server.close();
} else {
  const headers = {
    "content-type": "text/plain;charset=UTF-8",
    "content-length": String(BODY.length),
  };
  const handler = (_req, res) => {
    res.writeHead(200, headers);
    res.end(BODY);
  };
  const mod = kind === "raw-https" ? await import("node:https") : await import("node:http2");
  const server = kind === "raw-https"
    ? mod.createServer({ cert, key }, handler)
    : mod.createSecureServer({ cert, key, allowHTTP1: true }, handler);
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  console.log(`PORT ${server.address().port}`);
  stop = () => {
    server.close();
    process.exit(0);
  };
}
const onSignal = async () => {
  await stop();
  process.exit(0);
};
process.on("SIGTERM", onSignal);
process.on("SIGINT", onSignal);
