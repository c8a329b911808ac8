// Vitest with tlsmith/testing: npx vitest run vitest.test.ts
import { expect, test } from "vitest";
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

test("a client that refuses a certificate signed with SHA-1 by an RSA-1024 key", async () => {
  await using ca = await testCA();
  await using server = await testServer(() => new Response("never"), {
    ca,
    cert: await ca.issue("127.0.0.1", { weak: true }),
  });
  await expect(ca.fetch(server.url)).rejects.toMatchObject({ code: "FETCH_FAILED" });
});
