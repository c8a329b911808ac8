/**
 * `serve()`'s `fastResponse` option: on Node the server makes `globalThis.Response` tlsmith's
 * FastResponse (default), or leaves it alone (`fastResponse: false`); Deno and Bun never touch
 * it. Either way curl (HTTP/1.1 and HTTP/2) gets the same answers: status, repeated
 * `set-cookie`, HEAD with the length and no body, a streamed body, and a `FastResponse` made
 * explicitly. The tests of this file run in order in one process: the one that keeps the
 * global comes first.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { FastResponse } from "../src/serve/mod.ts";
import { serve } from "../src/serve/serve.ts";
import type { Handler } from "../src/serve/serve.ts";
import { curl, rejectsWith, tempDir, withServe } from "./helpers.ts";

const NATIVE = globalThis.Response;
const ON_NODE = (globalThis as { Deno?: unknown }).Deno === undefined &&
  (globalThis as { Bun?: unknown }).Bun === undefined;

let dir: { path: string; cleanup: () => Promise<void> };
before(async () => (dir = await tempDir()));
after(async () => {
  // Leave the process as it was found, for anything that runs after this file.
  Object.defineProperty(globalThis, "Response", {
    value: NATIVE,
    writable: true,
    configurable: true,
    enumerable: false,
  });
  await dir.cleanup();
});

/** Answers made with whatever `Response` is global now, and one explicit FastResponse. */
const handler: Handler = (request) => {
  const path = new URL(request.url).pathname;
  if (path === "/cookies") {
    const headers = new Headers({ "x-kind": "cookies" });
    headers.append("set-cookie", "a=1; Path=/");
    headers.append("set-cookie", "b=2; Path=/");
    return new Response("two cookies", { status: 201, headers });
  }
  if (path === "/stream") {
    let i = 0;
    return new Response(
      new ReadableStream<Uint8Array>({
        pull(controller) {
          if (i === 3) controller.close();
          else controller.enqueue(new TextEncoder().encode(`chunk${i++};`));
        },
      }),
      { headers: { "content-type": "text/plain" } },
    );
  }
  if (path === "/explicit") return new FastResponse("explicit fast", { status: 202 });
  if (path === "/empty") return new Response(null, { status: 204 });
  return new Response("héllo");
};

/** The same answers, whatever the global `Response` is. */
async function checkAnswers(url: string, caFile: string): Promise<void> {
  for (const http of ["--http1.1", "--http2"]) {
    const get = async (path: string, extra: string[] = []) => {
      const r = await curl([http, "--cacert", caFile, "-i", ...extra, `${url}${path}`]);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.replace(/\r\n/g, "\n");
    };
    const hello = await get("");
    assert.match(hello, /^HTTP\/[12](\.1)? 200/);
    assert.match(hello, /\ncontent-type: text\/plain;charset=UTF-8\n/i);
    assert.match(hello, /\ncontent-length: 6\n/i);
    assert.ok(hello.endsWith("\n\nhéllo"), hello);

    const cookies = await get("cookies");
    assert.match(cookies, /^HTTP\/[12](\.1)? 201/);
    assert.deepEqual(cookies.match(/^set-cookie: .*$/gim), [
      "set-cookie: a=1; Path=/",
      "set-cookie: b=2; Path=/",
    ]);
    assert.ok(cookies.endsWith("\n\ntwo cookies"));

    const head = await get("cookies", ["--head"]);
    assert.match(head, /^HTTP\/[12](\.1)? 201/);
    assert.match(head, /\ncontent-length: 11\n/i);
    assert.equal(head.match(/^set-cookie:/gim)?.length, 2);
    assert.ok(head.endsWith("\n\n"), head); // no body

    const streamed = await get("stream");
    assert.doesNotMatch(streamed, /\ncontent-length:/i);
    assert.ok(streamed.endsWith("\n\nchunk0;chunk1;chunk2;"), streamed);

    const explicit = await get("explicit");
    assert.match(explicit, /^HTTP\/[12](\.1)? 202/);
    assert.ok(explicit.endsWith("\n\nexplicit fast"));

    const empty = await get("empty");
    assert.match(empty, /^HTTP\/[12](\.1)? 204/);
  }
}

describe("serve({ fastResponse })", () => {
  it("false: globalThis.Response stays the runtime's own, and every answer is the same", async () => {
    await withServe(dir.path, handler, { fastResponse: false }, async (server, caFile) => {
      await checkAnswers(server.url, caFile);
      assert.equal(globalThis.Response, NATIVE);
    });
    assert.equal(globalThis.Response, NATIVE);
    // The explicit class is the fast one only where the global would be replaced.
    assert.equal(FastResponse === NATIVE, !ON_NODE);
    assert.equal(new FastResponse("x") instanceof NATIVE, true);
  });

  it("refuses a value that is not a boolean", async () => {
    await rejectsWith(
      // deno-lint-ignore no-explicit-any
      serve(() => new Response("x"), { cert: "adhoc", port: 0, fastResponse: "no" as any }),
      "BAD_OPTION",
      /fastResponse must be true or false/,
    );
    assert.equal(globalThis.Response, NATIVE);
  });

  it("default: on Node the global becomes FastResponse (instanceof still holds), same answers", async () => {
    await withServe(dir.path, handler, {}, async (server, caFile) => {
      assert.equal(globalThis.Response === NATIVE, !ON_NODE);
      if (ON_NODE) assert.equal(globalThis.Response, FastResponse);
      const made = new Response("x");
      assert.equal(made instanceof Response, true);
      assert.equal(made instanceof NATIVE, true);
      assert.equal(new NATIVE("y") instanceof Response, true);
      await checkAnswers(server.url, caFile);
    });
  });
});
