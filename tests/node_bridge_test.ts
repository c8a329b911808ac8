/**
 * Unit tests of the Node bridge (fetch Request/Response ⇄ Node req/res) with
 * stand-in req/res objects, so every edge (backpressure, disconnects, HEAD,
 * HTTP/2 header rules) is checked deterministically on any runtime. The real
 * servers are judged by curl in serve_test.ts.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import {
  handleNodeRequest,
  type NodeRequest,
  type NodeResponse,
  requestBodyStream,
  toFetchRequest,
  writeFetchResponse,
} from "../src/serve/runtime/node_bridge.ts";
import { FastResponse } from "../src/serve/runtime/node_fast.ts";

class FakeRequest extends EventEmitter {
  pauses = 0;
  resumes = 0;
  constructor(
    public method: string,
    public url: string,
    public rawHeaders: string[],
    public httpVersionMajor = 1,
  ) {
    super();
  }
  get headers(): Record<string, string> {
    const out: Record<string, string> = {};
    for (let i = 0; i < this.rawHeaders.length; i += 2) {
      out[this.rawHeaders[i].toLowerCase()] = this.rawHeaders[i + 1];
    }
    return out;
  }
  pause() {
    this.pauses++;
    return this;
  }
  resume() {
    this.resumes++;
    return this;
  }
}

class FakeResponse extends EventEmitter {
  status = 0;
  statusMessage: string | undefined;
  headers: Record<string, string | string[]> = {};
  chunks: Uint8Array[] = [];
  ended = false;
  headersSent = false;
  writableEnded = false;
  writableFinished = false;
  destroyed = false;
  /** write() returns false (buffer full) while this is true. */
  full = false;
  log: string[] = [];
  writeHead(status: number, a?: unknown, b?: unknown) {
    assert.equal(this.headersSent, false, "writeHead twice");
    this.status = status;
    if (typeof a === "string") {
      this.statusMessage = a;
      this.headers = b as Record<string, string | string[]>;
    } else {
      this.headers = a as Record<string, string | string[]>;
    }
    this.headersSent = true;
    this.log.push("head");
    return this;
  }
  write(chunk: Uint8Array) {
    assert.equal(this.writableEnded, false, "write after end");
    this.chunks.push(chunk);
    this.log.push(`write ${chunk.byteLength}`);
    return !this.full;
  }
  end(data?: Uint8Array | string) {
    const chunk = typeof data === "string" ? new TextEncoder().encode(data) : data;
    if (chunk) this.chunks.push(chunk);
    this.log.push(chunk ? `end ${chunk.byteLength}` : "end");
    this.ended = true;
    this.writableEnded = true;
    this.writableFinished = true;
    return this;
  }
  destroy() {
    this.destroyed = true;
    this.emit("close");
  }
  get body(): string {
    return new TextDecoder().decode(
      this.chunks.reduce((acc, c) => {
        const out = new Uint8Array(acc.length + c.length);
        out.set(acc);
        out.set(c, acc.length);
        return out;
      }, new Uint8Array()),
    );
  }
}

const req = (r: FakeRequest) => r as unknown as NodeRequest;
const res = (r: FakeResponse) => r as unknown as NodeResponse;
const signal = new AbortController().signal;
const tick = () => new Promise((r) => setTimeout(r, 10));

describe("node bridge: request", () => {
  it("builds the URL from the server's origin and the path, skips pseudo-headers, keeps repeated headers", () => {
    const r = new FakeRequest("GET", "/a/b?c=d", [
      ":method",
      "GET",
      ":authority",
      "example.test:8443",
      ":scheme",
      "https",
      ":path",
      "/a/b?c=d",
      "accept",
      "text/html",
      "x-multi",
      "1",
      "X-Multi",
      "2",
    ], 2);
    const request = toFetchRequest(req(r), "https://localhost:1", signal);
    assert.equal(request.url, "https://localhost:1/a/b?c=d");
    assert.equal(request.method, "GET");
    assert.equal(request.headers.get("x-multi"), "1, 2");
    assert.equal(request.headers.get("accept"), "text/html");
    assert.equal(request.headers.has("X-MULTI"), true);
    assert.deepEqual([...request.headers.keys()].filter((k) => k.startsWith(":")), []);
    assert.deepEqual([...request.headers.keys()], ["accept", "x-multi"]);
    assert.equal(request.body, null);
    assert.equal(request.signal.aborted, false);
    assert.ok(request instanceof Request);
    assert.ok(request.headers instanceof Headers);
    // Changing the headers works on a copy of the raw list, read back through the same object.
    request.headers.set("x-added", "yes");
    assert.equal(request.headers.get("x-added"), "yes");
    assert.equal(request.headers.get("accept"), "text/html");
    assert.throws(() => request.headers.get("bad name"), TypeError);
  });

  it("ignores Host and absolute-form targets: the URL is the server's origin plus the path", () => {
    const withHost = toFetchRequest(
      req(new FakeRequest("DELETE", "/x", ["Host", "localhost:9"])),
      "https://localhost:1",
      signal,
    );
    assert.equal(withHost.url, "https://localhost:1/x");
    assert.equal(withHost.method, "DELETE");
    assert.equal(withHost.headers.get("host"), "localhost:9");
    const noHost = toFetchRequest(req(new FakeRequest("GET", "/y", [])), "https://[::1]:5", signal);
    assert.equal(noHost.url, "https://[::1]:5/y");
    const absolute = toFetchRequest(
      req(new FakeRequest("GET", "https://other.test/z?q", ["Host", "localhost"])),
      "https://localhost:1",
      signal,
    );
    assert.equal(absolute.url, "https://localhost:1/z?q");
    // A path that looks like an authority stays a path.
    const doubleSlash = toFetchRequest(
      req(new FakeRequest("GET", "//evil.example/x", [])),
      "https://localhost:1",
      signal,
    );
    assert.equal(new URL(doubleSlash.url).host, "localhost:1");
    assert.equal(new URL(doubleSlash.url).pathname, "//evil.example/x");
  });

  it("rejects what fetch cannot represent and malformed targets or Host headers", () => {
    const origin = "https://localhost:1";
    for (const target of ["*", "file:///etc/passwd", "x", "/a b", "javascript:alert(1)", ""]) {
      assert.throws(
        () => toFetchRequest(req(new FakeRequest("GET", target, [])), origin, signal),
        TypeError,
        target,
      );
    }
    // A Host header that would move into the path or the userinfo of a URL is malformed.
    for (const host of ["bad host/", "localhost/admin", "evil@localhost", "a?b", "a#b", "a\\b"]) {
      assert.throws(
        () => toFetchRequest(req(new FakeRequest("GET", "/x", ["Host", host])), origin, signal),
        TypeError,
        host,
      );
    }
    for (const method of ["CONNECT", "TRACE", "track"]) {
      assert.throws(
        () => toFetchRequest(req(new FakeRequest(method, "/", ["Host", "a"])), origin, signal),
        TypeError,
        method,
      );
    }
  });

  it("passes the abort signal through", () => {
    const controller = new AbortController();
    const request = toFetchRequest(
      req(new FakeRequest("GET", "/", ["Host", "a"])),
      "https://localhost:1",
      controller.signal,
    );
    controller.abort();
    assert.equal(request.signal.aborted, true);
  });

  it("streams the body with backpressure (pause when full, resume on pull)", async () => {
    const r = new FakeRequest("POST", "/", ["Host", "a", "content-type", "text/plain"]);
    const request = toFetchRequest(req(r), "https://localhost:1", signal);
    assert.ok(request.body);
    const reader = request.body.getReader();
    // Fill the queue beyond its 64 KiB high-water mark without reading.
    for (let i = 0; i < 5; i++) r.emit("data", new Uint8Array(20_000).fill(i));
    assert.ok(r.pauses >= 1, "the socket was not paused");
    const resumesBefore = r.resumes;
    let total = 0;
    for (let i = 0; i < 5; i++) {
      const { value, done } = await reader.read();
      assert.equal(done, false);
      assert.equal(value![0], i);
      total += value!.byteLength;
    }
    assert.equal(total, 100_000);
    // The reader waits for more: the bridge resumes the socket.
    const pending = reader.read();
    await tick();
    assert.ok(r.resumes > resumesBefore, "the socket was not resumed");
    r.emit("data", new Uint8Array([7, 8]));
    assert.deepEqual((await pending).value, new Uint8Array([7, 8]));
    r.emit("end");
    r.emit("close");
    assert.equal((await reader.read()).done, true);
  });

  it("errors the body when the client leaves before the end, discards it on cancel", async () => {
    const r = new FakeRequest("PUT", "/", ["Host", "a"]);
    const stream = requestBodyStream(req(r));
    const reader = stream.getReader();
    r.emit("data", new Uint8Array([1]));
    await reader.read();
    r.emit("close");
    await assert.rejects(reader.read(), /closed the connection/);

    const r2 = new FakeRequest("PUT", "/", ["Host", "a"]);
    const s2 = requestBodyStream(req(r2));
    await s2.cancel();
    const resumes = r2.resumes;
    assert.ok(resumes >= 1);
    r2.emit("data", new Uint8Array([1])); // ignored, no throw
    r2.emit("end");

    const r3 = new FakeRequest("PUT", "/", ["Host", "a"]);
    const s3 = requestBodyStream(req(r3)).getReader();
    r3.emit("error", new Error("ECONNRESET"));
    await assert.rejects(s3.read(), /ECONNRESET/);
  });
});

describe("node bridge: response", () => {
  it("sends an in-memory body in one piece with its Content-Length", async () => {
    const r = new FakeResponse();
    const headers = new Headers({ "content-type": "text/plain" });
    headers.append("set-cookie", "a=1");
    headers.append("set-cookie", "b=2");
    headers.append("x-list", "1");
    headers.append("x-list", "2");
    await writeFetchResponse(
      req(new FakeRequest("GET", "/", [])),
      res(r),
      new Response("hello", { status: 201, statusText: "Made", headers }),
    );
    assert.equal(r.status, 201);
    assert.equal(r.statusMessage, "Made");
    assert.deepEqual(r.headers["set-cookie"], ["a=1", "b=2"]);
    assert.equal(r.headers["x-list"], "1, 2");
    assert.equal(r.headers["content-length"], "5");
    assert.deepEqual(r.log, ["head", "end 5"]);
    assert.equal(r.body, "hello");

    // Content-Length counts UTF-8 bytes, for text and for bytes.
    const text = new FakeResponse();
    await writeFetchResponse(
      req(new FakeRequest("GET", "/", [])),
      res(text),
      new Response("héllo ✓"),
    );
    assert.equal(text.headers["content-length"], "10");
    assert.equal(text.body, "héllo ✓");
    const bytes = new FakeResponse();
    await writeFetchResponse(
      req(new FakeRequest("GET", "/", [])),
      res(bytes),
      new Response(new Uint8Array([1, 2, 3])),
    );
    assert.equal(bytes.headers["content-length"], "3");
    assert.deepEqual(bytes.chunks, [new Uint8Array([1, 2, 3])]);
    // A body the handler already started to read is streamed, not taken from memory.
    const started = new Response("abcdef");
    const reader = started.body!.getReader();
    const first = await reader.read();
    reader.releaseLock();
    const rest = new FakeResponse();
    await writeFetchResponse(req(new FakeRequest("GET", "/", [])), res(rest), started);
    assert.equal(new TextDecoder().decode(first.value) + rest.body, "abcdef");
  });

  it("HTTP/2: no status text, no connection-specific headers", async () => {
    const r = new FakeResponse();
    await writeFetchResponse(
      req(new FakeRequest("GET", "/", [], 2)),
      res(r),
      new Response("x", {
        statusText: "Fine",
        headers: { connection: "keep-alive", "keep-alive": "timeout=5", "x-ok": "1" },
      }),
    );
    assert.equal(r.statusMessage, undefined);
    assert.equal(r.headers["connection"], undefined);
    assert.equal(r.headers["keep-alive"], undefined);
    assert.equal(r.headers["x-ok"], "1");
  });

  it("HEAD: headers with the counted Content-Length, no body", async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new Uint8Array(10));
        c.enqueue(new Uint8Array(5));
        c.close();
      },
      cancel() {
        cancelled = true;
      },
    });
    const r = new FakeResponse();
    await writeFetchResponse(req(new FakeRequest("HEAD", "/", [])), res(r), new Response(body));
    assert.equal(r.headers["content-length"], "15");
    assert.deepEqual(r.log, ["head", "end"]);
    assert.equal(r.chunks.length, 0);
    assert.equal(cancelled, false); // fully read, nothing to cancel

    const given = new FakeResponse();
    await writeFetchResponse(
      req(new FakeRequest("HEAD", "/", [])),
      res(given),
      new Response("abc", { headers: { "content-length": "999" } }),
    );
    assert.equal(given.headers["content-length"], "999");
    assert.equal(given.chunks.length, 0);
  });

  it("empty bodies: Content-Length 0, none for 204/304", async () => {
    const empty = new FakeResponse();
    await writeFetchResponse(req(new FakeRequest("GET", "/", [])), res(empty), new Response(null));
    assert.equal(empty.headers["content-length"], "0");
    assert.deepEqual(empty.log, ["head", "end"]);
    for (const status of [204, 304]) {
      const r = new FakeResponse();
      await writeFetchResponse(
        req(new FakeRequest("GET", "/", [])),
        res(r),
        new Response(null, { status }),
      );
      assert.equal(r.status, status);
      assert.equal(r.headers["content-length"], undefined);
      assert.equal(r.chunks.length, 0);
    }
  });

  it("streams a body chunk by chunk and waits for 'drain' when the socket is full", async () => {
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        controller = c;
      },
    });
    const r = new FakeResponse();
    r.full = true;
    const done = writeFetchResponse(
      req(new FakeRequest("GET", "/", [])),
      res(r),
      new Response(body),
    );
    controller.enqueue(new Uint8Array(3));
    controller.enqueue(new Uint8Array(4));
    await tick();
    // Headers and the first chunk went out without a length; the second waits for 'drain'.
    assert.deepEqual(r.log, ["head", "write 3"]);
    assert.equal(r.headers["content-length"], undefined);
    r.full = false;
    r.emit("drain");
    await tick();
    assert.deepEqual(r.log, ["head", "write 3", "write 4"]);
    controller.enqueue(new Uint8Array(5));
    controller.close();
    await done;
    assert.deepEqual(r.log, ["head", "write 3", "write 4", "write 5", "end"]);
  });

  it("cancels the body when the client goes away mid-stream", async () => {
    let cancelled = false;
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        controller = c;
      },
      cancel() {
        cancelled = true;
      },
    });
    const r = new FakeResponse();
    const done = writeFetchResponse(
      req(new FakeRequest("GET", "/", [])),
      res(r),
      new Response(body),
    );
    controller.enqueue(new Uint8Array(1));
    controller.enqueue(new Uint8Array(1));
    await tick();
    r.emit("close"); // the client is gone; the body waits for its next chunk
    await done;
    assert.equal(cancelled, true);
    assert.equal(r.ended, false);

    // Gone while waiting for 'drain'.
    let cancelled2 = false;
    const r2 = new FakeResponse();
    r2.full = true;
    const done2 = writeFetchResponse(
      req(new FakeRequest("GET", "/", [])),
      res(r2),
      new Response(
        new ReadableStream<Uint8Array>({
          pull(c) {
            c.enqueue(new Uint8Array(8));
          },
          cancel() {
            cancelled2 = true;
          },
        }),
      ),
    );
    await tick();
    r2.emit("close");
    await done2;
    assert.equal(cancelled2, true);
    assert.equal(r2.ended, false);
  });

  it("rejects a body that yields something other than bytes", async () => {
    const r = new FakeResponse();
    const body = new ReadableStream({
      start(c) {
        c.enqueue("text, not bytes");
        c.close();
      },
    }) as unknown as ReadableStream<Uint8Array>;
    await assert.rejects(
      writeFetchResponse(req(new FakeRequest("GET", "/", [])), res(r), new Response(body)),
      /not a Uint8Array/,
    );
    assert.equal(r.headersSent, false);
  });
});

describe("node bridge: fast paths", () => {
  it("a FastResponse with a string, bytes or Blob goes out in one writeHead + end", async () => {
    const text = new FakeResponse();
    await writeFetchResponse(
      req(new FakeRequest("GET", "/", [])),
      res(text),
      new FastResponse("héllo"),
    );
    assert.deepEqual(text.log, ["head", "end 6"]);
    assert.equal(text.headers["content-type"], "text/plain;charset=UTF-8");
    assert.equal(text.headers["content-length"], "6");
    assert.equal(text.body, "héllo");

    const bytes = new Uint8Array([1, 2, 3]);
    const fromBytes = new FastResponse(bytes, { status: 201, statusText: "Made" });
    bytes[0] = 9; // the body was copied, as fetch does
    const b = new FakeResponse();
    await writeFetchResponse(req(new FakeRequest("GET", "/", [])), res(b), fromBytes);
    assert.equal(b.status, 201);
    assert.equal(b.statusMessage, "Made");
    assert.deepEqual(b.chunks, [new Uint8Array([1, 2, 3])]);
    assert.equal(b.headers["content-type"], undefined);

    const blob = new FakeResponse();
    const html = new Blob(["<p>"], { type: "text/html" });
    await writeFetchResponse(
      req(new FakeRequest("GET", "/", [], 2)),
      res(blob),
      new FastResponse(html, {
        headers: { "set-cookie": "a=1", connection: "close", "x-a": "1" },
      }),
    );
    assert.deepEqual(blob.log, ["head", "end 3"]);
    assert.equal(blob.headers["content-type"], html.type); // Bun spells it with a charset
    assert.deepEqual(blob.headers["set-cookie"], ["a=1"]);
    assert.equal(blob.headers["connection"], undefined, "HTTP/2 drops connection headers");
    assert.equal(blob.headers["x-a"], "1");

    const head = new FakeResponse();
    await writeFetchResponse(
      req(new FakeRequest("HEAD", "/", [])),
      res(head),
      new FastResponse("abc"),
    );
    assert.deepEqual(head.log, ["head", "end"]);
    assert.equal(head.headers["content-length"], "3");
  });

  it("FastResponse behaves as a Response", async () => {
    const r = new FastResponse("hi", { headers: { "x-a": "1" } });
    assert.ok(r instanceof Response);
    assert.equal(r.headers.get("content-type"), "text/plain;charset=UTF-8");
    assert.equal(r.headers.get("x-a"), "1");
    assert.equal(r.bodyUsed, false);
    const copy = r.clone();
    assert.equal(await r.text(), "hi");
    assert.equal(r.bodyUsed, true);
    await assert.rejects(r.text(), TypeError);
    assert.equal(await copy.text(), "hi");
    assert.equal(new TextDecoder().decode(await new FastResponse("s").arrayBuffer()), "s");
    const json = FastResponse.json({ a: 1 }, { status: 202 });
    assert.equal(json.status, 202);
    assert.equal(json.headers.get("content-type"), "application/json");
    assert.deepEqual(await json.json(), { a: 1 });
    assert.throws(() => new FastResponse("x", { status: 204 }), TypeError);
    assert.throws(() => new FastResponse("x", { status: 99 }), RangeError);
    assert.throws(() => new FastResponse("x", { headers: { "bad name": "1" } }), TypeError);
    const streamed = new FastResponse(
      new ReadableStream({
        start(c) {
          c.enqueue(new TextEncoder().encode("st"));
          c.close();
        },
      }),
    );
    assert.equal(await streamed.text(), "st");
    // Read in JavaScript first: the bridge then streams what is left (nothing), as for any Response.
    const read = new FastResponse("gone");
    await read.text();
    const after = new FakeResponse();
    await assert.rejects(
      writeFetchResponse(req(new FakeRequest("GET", "/", [])), res(after), read),
    );
  });

  it("the lazy request makes the real one for its body, clone() and new Request(url, request)", async () => {
    const r = new FakeRequest("POST", "/in?q=1", ["Host", "x", "Content-Type", "text/plain"]);
    const request = toFetchRequest(req(r), "https://localhost:1", signal);
    const copy = new Request("https://upstream.test/in", request);
    assert.equal(copy.method, "POST");
    assert.equal(copy.headers.get("content-type"), "text/plain");
    const body = copy.text();
    r.emit("data", new TextEncoder().encode("payload"));
    r.emit("end");
    assert.equal(await body, "payload");

    const r2 = new FakeRequest("PUT", "/", []);
    const request2 = toFetchRequest(req(r2), "https://localhost:1", signal);
    const clone = request2.clone();
    assert.ok(clone instanceof Request);
    assert.equal(clone.url, "https://localhost:1/");
    const both = Promise.all([request2.text(), clone.text()]);
    r2.emit("data", new TextEncoder().encode("twice"));
    r2.emit("end");
    assert.deepEqual(await both, ["twice", "twice"]);
  });
});

describe("node bridge: handleNodeRequest", () => {
  it("request.signal aborts when the client goes away, whenever the handler reads it", async () => {
    const info = { remoteAddr: { hostname: "127.0.0.1", port: 1 } };
    const report = (err: unknown) => assert.fail(String(err));
    // Read before the client leaves.
    let early: Request | undefined;
    const r1 = new FakeResponse();
    handleNodeRequest(
      (request) => {
        early = request;
        assert.equal(request.signal.aborted, false);
        return new Promise<Response>(() => {}); // never answers
      },
      req(new FakeRequest("GET", "/", [])),
      res(r1),
      "https://localhost:1",
      info,
      report,
    );
    r1.destroy(); // the client went away: 'close' before the end
    assert.equal(early!.signal.aborted, true);
    // Read only after the client left.
    let late: Request | undefined;
    const r2 = new FakeResponse();
    handleNodeRequest(
      (request) => {
        late = request;
        return new Promise<Response>(() => {});
      },
      req(new FakeRequest("GET", "/", [])),
      res(r2),
      "https://localhost:1",
      info,
      report,
    );
    r2.destroy();
    assert.equal(late!.signal.aborted, true);
    // A response that finished: the signal never aborts.
    let done: Request | undefined;
    const r3 = new FakeResponse();
    handleNodeRequest(
      (request) => {
        done = request;
        return new Response("ok");
      },
      req(new FakeRequest("GET", "/", [])),
      res(r3),
      "https://localhost:1",
      info,
      report,
    );
    await tick(); // a native Response (Deno, Bun) streams its body
    r3.emit("close");
    assert.equal(r3.body, "ok");
    assert.equal(done!.signal.aborted, false);
  });
});
