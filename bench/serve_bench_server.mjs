// A server for bench/serve_bench.sh, runnable by Deno and Node:
//   <runtime> serve_bench_server.mjs <kind> <cert.pem> <key.pem> [serve module URL]
// kind: "tlsmith" (serve() from the given module), "raw-deno" (Deno.serve),
// "raw-http2" (node:http2 secure server with HTTP/1.1 fallback, as our bridge uses),
// "raw-https" (node:https). Prints "PORT <n>" once listening; stops on SIGTERM/SIGINT.
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
