// node:test with tlsmith/testing (Node ≥ 20.19): node --test node_test.mjs
import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import https from "node:https";
import { testCA, testServer } from "tlsmith/testing";

test("a verified HTTPS request", async (t) => {
  const server = await testServer(() => new Response("hello"));
  t.after(() => server.close());
  assert.equal(await (await server.fetch("/")).text(), "hello");
});

test("mutual TLS", async (t) => {
  const ca = await testCA();
  const server = await testServer(
    (_req, info) => new Response(info.clientCertificate ? "hi" : "?"),
    { ca, clientAuth: true },
  );
  t.after(() => server.close());
  const alice = await ca.client("alice@example.test");
  assert.equal(await (await ca.fetcher({ client: alice })(server.url)).text(), "hi");
});

test("your own node:https server, with a certificate from the test CA", async (t) => {
  const ca = await testCA();
  const server = https.createServer(
    (await ca.issue("127.0.0.1")).serverOptions(),
    (_req, res) => res.end("mine"),
  );
  t.after(() => server.close());
  await once(server.listen(0, "127.0.0.1"), "listening");
  assert.equal(
    await (await ca.fetch(`https://127.0.0.1:${server.address().port}/`)).text(),
    "mine",
  );
});

test("node:https refuses an expired certificate", async (t) => {
  const ca = await testCA();
  const server = await testServer(() => new Response("never"), {
    ca,
    cert: await ca.issue("127.0.0.1", { expired: true }),
  });
  t.after(() => server.close());
  const get = (url) =>
    new Promise((resolve, reject) =>
      https.get(url, ca.trustOptions(), resolve).on("error", reject)
    );
  await assert.rejects(get(server.url), { code: "CERT_HAS_EXPIRED" });
});
