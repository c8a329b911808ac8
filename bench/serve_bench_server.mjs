// A server for bench/serve_bench.sh, runnable by Deno and Node:
//   <runtime> serve_bench_server.mjs <kind> <cert.pem> <key.pem> [arg]
// kind:
//   raw-http2     node:http2 secure server with HTTP/1.1 fallback (what tlsmith's bridge runs on)
//   raw-deno      Deno.serve
//   tlsmith       serve() from <arg>/src/serve/serve.{ts,js} (the source on Deno, the npm build on Node)
//   tlsmith-native  the same with `fastResponse: false` (globalThis.Response stays the native one)
//   srvx          srvx's serve() (node:http2 + allowHTTP1, the same TLS settings) with its FastResponse
//   srvx-plain    the same with a plain Response
//   static        tlsmith serve() + serveDir() of the directory in TLSMITH_BENCH_SITE, from <arg>
// Every handler answers "hello world" (text/plain), or TLSMITH_BENCH_BODY bytes of "x" when set.
// Prints "PORT <n>" once listening; stops on SIGTERM/SIGINT.
import { readFileSync } from "node:fs";
import process from "node:process";

const [kind, certFile, keyFile, arg] = process.argv.slice(2);
const cert = readFileSync(certFile, "utf8");
const key = readFileSync(keyFile, "utf8");
const BODY = process.env.TLSMITH_BENCH_BODY
  ? "x".repeat(Number(process.env.TLSMITH_BENCH_BODY))
  : "hello world";
const ext = typeof globalThis.Deno === "undefined" ? "js" : "ts";
let stop;

if (kind === "tlsmith" || kind === "tlsmith-native" || kind === "static") {
  const { serve } = await import(`${arg}/src/serve/serve.${ext}`);
  let handler = () => new Response(BODY);
  if (kind === "static") {
    const { serveDir } = await import(`${arg}/src/serve/static.${ext}`);
    const { getRuntime } = await import(`${arg}/src/serve/runtime/mod.${ext}`);
    handler = serveDir(await getRuntime(), process.env.TLSMITH_BENCH_SITE);
  }
  const fastResponse = kind !== "tlsmith-native";
  const server = await serve(handler, { cert: { cert, key }, port: 0, fastResponse });
  console.log(`PORT ${server.addr.port}`);
  stop = () => server.shutdown();
} else if (kind === "raw-deno") {
  const server = globalThis.Deno.serve(
    { hostname: "127.0.0.1", port: 0, cert, key, onListen() {} },
    () => new Response(BODY),
  );
  console.log(`PORT ${server.addr.port}`);
  stop = () => server.shutdown();
} else if (kind === "srvx" || kind === "srvx-plain") {
  const { serve, FastResponse } = await import(arg);
  const R = kind === "srvx" ? FastResponse : Response;
  const server = serve({
    fetch: () => new R(BODY),
    hostname: "127.0.0.1",
    port: 0,
    tls: { cert, key },
    silent: true,
    gracefulShutdown: false,
  });
  await server.ready();
  console.log(`PORT ${server.node.server.address().port}`);
  stop = () => server.close(true);
} else if (kind === "raw-http2") {
  const http2 = await import("node:http2");
  const headers = {
    "content-type": "text/plain;charset=UTF-8",
    "content-length": String(BODY.length),
  };
  const server = http2.createSecureServer({ cert, key, allowHTTP1: true }, (_req, res) => {
    res.writeHead(200, headers);
    res.end(BODY);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  console.log(`PORT ${server.address().port}`);
  stop = () => process.exit(0);
} else {
  console.error(`serve_bench_server: unknown kind ${kind}`);
  process.exit(2);
}
const onSignal = async () => {
  await stop();
  process.exit(0);
};
process.on("SIGTERM", onSignal);
process.on("SIGINT", onSignal);
