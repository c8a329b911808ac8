// deno test with tlsmith/testing: deno test -A deno_test.ts
import assert from "node:assert/strict";
import { testCA, testServer } from "jsr:@tlsmith/tlsmith@^0.2.0/testing";

Deno.test("a verified HTTPS request", async () => {
  await using server = await testServer(() => new Response("hello"));
  assert.equal(await (await server.fetch("/")).text(), "hello");
});

Deno.test("mutual TLS", async () => {
  await using ca = await testCA();
  await using server = await testServer(
    (_req, info) => new Response(info.clientCertificate ? "hi" : "?"),
    { ca, clientAuth: true },
  );
  const alice = await ca.client("alice@example.test");
  assert.equal(await (await ca.fetcher({ client: alice })(server.url)).text(), "hi");
});

Deno.test("Deno.serve with a test certificate; Deno's client refuses it once expired", async () => {
  await using ca = await testCA();
  const expired = await ca.issue("127.0.0.1", { expired: true });
  await using server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    ...expired.serverOptions(),
    onListen() {},
  }, () => new Response("never"));
  using client = Deno.createHttpClient(ca.trustOptions());
  await assert.rejects(fetch(`https://127.0.0.1:${server.addr.port}/`, { client }), TypeError);
});
