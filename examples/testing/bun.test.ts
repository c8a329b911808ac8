// bun test with tlsmith/testing: bun test ./bun.test.ts
import { expect, test } from "bun:test";
import { testCA, testServer } from "tlsmith/testing";

test("a verified HTTPS request", async () => {
  await using server = await testServer(() => new Response("hello"));
  expect(await (await server.fetch("/")).text()).toBe("hello");
});

test("mutual TLS", async () => {
  await using ca = await testCA();
  await using server = await testServer(
    (_req, info) => new Response(info.clientCertificate ? "hi" : "?"),
    { ca, clientAuth: true },
  );
  const alice = await ca.client("alice@example.test");
  expect(await (await ca.fetcher({ client: alice })(server.url)).text()).toBe("hi");
});

test("Bun.serve with a test certificate, and Bun's fetch trusting the CA", async () => {
  await using ca = await testCA();
  using server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    tls: (await ca.issue("127.0.0.1")).serverOptions(),
    fetch: () => new Response("bun"),
  });
  expect(await (await fetch(server.url, { tls: ca.trustOptions() })).text()).toBe("bun");
});

test("Bun's fetch refuses a certificate for another host", async () => {
  await using ca = await testCA();
  await using server = await testServer(() => new Response("never"), {
    ca,
    cert: await ca.issue("127.0.0.1", { wrongHost: true }),
  });
  await expect(fetch(server.url, { tls: ca.trustOptions() })).rejects.toMatchObject({
    code: "ERR_TLS_CERT_ALTNAME_INVALID",
  });
});
