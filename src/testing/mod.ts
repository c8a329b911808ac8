/**
 * `tlsmith/testing`: verified HTTPS in tests, on Deno, Node and Bun, with no flag that turns
 * verification off. An in-memory CA issues certificates (and failure fixtures that clients
 * must refuse); its `fetch`, `trustOptions()` and `env()` make clients trust it without any
 * global setting.
 *
 * @example A server and a client that verifies it
 * ```ts
 * import assert from "node:assert/strict";
 * import { testServer } from "./mod.ts";
 * await using server = await testServer(() => new Response("ok"));
 * assert.equal(await (await server.fetch("/")).text(), "ok");
 * ```
 *
 * @example Mutual TLS, and a fixture the client must refuse
 * ```ts
 * import assert from "node:assert/strict";
 * import { testCA, testServer } from "./mod.ts";
 * await using ca = await testCA();
 * const alice = await ca.client("alice@example.test");
 * await using server = await testServer(() => new Response("hi"), { ca, clientAuth: true });
 * assert.equal((await ca.fetcher({ client: alice })(server.url)).status, 200);
 * await using expired = await testServer(() => new Response(), {
 *   ca,
 *   cert: await ca.issue("localhost", "127.0.0.1", { expired: true }),
 * });
 * await assert.rejects(ca.fetch(expired.url), { code: "FETCH_FAILED" });
 * ```
 *
 * @module
 */

export {
  type ClientOptions,
  type Fixture,
  FIXTURES,
  type ServerOptions,
  type TestCA,
  testCA,
  type TestCAOptions,
  type TestCert,
  type TestChildOptions,
  type TestIssueOptions,
  type TrustOptions,
} from "./ca.ts";
export type { FetchFunction } from "./fetch.ts";
export { type TestServer, testServer, type TestServerOptions } from "./server.ts";
export type { Handler, ServeHandlerInfo, ServerAddr } from "../serve/serve.ts";
export type { KeyType } from "../keys/keys.ts";
