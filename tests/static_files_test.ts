import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { chmod, mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { getRuntime } from "../src/serve/runtime/mod.ts";
import type { Handler } from "../src/serve/runtime/types.ts";
import { contentTypeFor, parseRange, serveDir } from "../src/serve/static.ts";
import { tempDir } from "./helpers.ts";

const SECRET = "TOP-SECRET-2f9c1e";
const INFO = { remoteAddr: { hostname: "127.0.0.1", port: 50000 } };

let tmp: { path: string; cleanup: () => Promise<void> };
let root: string;
let handler: Handler;

async function get(
  path: string,
  init: RequestInit = {},
): Promise<{ res: Response; body: string }> {
  const res = await handler(new Request(`https://localhost${path}`, init), INFO);
  const body = res.body ? await res.text() : "";
  return { res, body };
}

before(async () => {
  tmp = await tempDir();
  root = join(tmp.path, "root");
  await mkdir(join(root, "sub"), { recursive: true });
  await mkdir(join(root, "list", "deeper"), { recursive: true });
  await writeFile(join(tmp.path, "secret.txt"), SECRET);
  await writeFile(join(root, "hello.txt"), "hello world\n");
  await writeFile(join(root, "app.mjs"), "export {};\n");
  await writeFile(join(root, "data.json"), "{}");
  await writeFile(join(root, "pic.png"), new Uint8Array([0x89, 0x50, 0x4e, 0x47]));
  await writeFile(join(root, "blob"), new Uint8Array([1, 2, 3]));
  await writeFile(join(root, "empty.txt"), "");
  await writeFile(join(root, ".hidden"), "dot");
  await writeFile(join(root, 'we<i>rd & "q".txt'), "weird");
  await writeFile(join(root, "sub", "index.html"), "<h1>sub</h1>");
  await writeFile(join(root, "list", "a.txt"), "a");
  await symlink(join(tmp.path, "secret.txt"), join(root, "out"));
  await symlink(tmp.path, join(root, "outdir"));
  await symlink(join(root, "hello.txt"), join(root, "in"));
  handler = serveDir(await getRuntime(), root);
});

after(async () => {
  await tmp.cleanup();
});

describe("serveDir: files", () => {
  it("serves a file with type, length, validators and nosniff", async () => {
    const { res, body } = await get("/hello.txt");
    assert.equal(res.status, 200);
    assert.equal(body, "hello world\n");
    assert.equal(res.headers.get("content-type"), "text/plain; charset=utf-8");
    assert.equal(res.headers.get("content-length"), "12");
    assert.match(res.headers.get("etag") ?? "", /^W\/"[0-9a-f]+-[0-9a-f]+"$/);
    assert.ok(!Number.isNaN(Date.parse(res.headers.get("last-modified") ?? "")));
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    assert.equal(res.headers.get("accept-ranges"), "bytes");
  });

  it("HEAD has the same headers and no body", async () => {
    const getRes = (await get("/hello.txt")).res;
    const { res, body } = await get("/hello.txt", { method: "HEAD" });
    assert.equal(res.status, 200);
    assert.equal(body, "");
    for (const h of ["content-type", "content-length", "etag", "last-modified"]) {
      assert.equal(res.headers.get(h), getRes.headers.get(h), h);
    }
  });

  it("serves binary and empty files and dotfiles", async () => {
    const png = await handler(new Request("https://localhost/pic.png"), INFO);
    assert.equal(png.headers.get("content-type"), "image/png");
    assert.deepEqual(
      new Uint8Array(await png.arrayBuffer()),
      new Uint8Array([0x89, 0x50, 0x4e, 0x47]),
    );
    const blob = await get("/blob");
    assert.equal(blob.res.headers.get("content-type"), "application/octet-stream");
    const empty = await get("/empty.txt");
    assert.equal(empty.res.status, 200);
    assert.equal(empty.body, "");
    assert.equal(empty.res.headers.get("content-length"), "0");
    assert.equal((await get("/.hidden")).body, "dot");
  });

  it("decodes percent-encoded names", async () => {
    const { res, body } = await get("/" + encodeURIComponent('we<i>rd & "q".txt'));
    assert.equal(res.status, 200);
    assert.equal(body, "weird");
  });

  it("maps common extensions to MIME types", () => {
    assert.equal(contentTypeFor("a.html"), "text/html; charset=utf-8");
    assert.equal(contentTypeFor("a.css"), "text/css; charset=utf-8");
    assert.equal(contentTypeFor("a.js"), "text/javascript; charset=utf-8");
    assert.equal(contentTypeFor("a.MJS"), "text/javascript; charset=utf-8");
    assert.equal(contentTypeFor("a.json"), "application/json; charset=utf-8");
    assert.equal(contentTypeFor("a.svg"), "image/svg+xml; charset=utf-8");
    assert.equal(contentTypeFor("a.wasm"), "application/wasm");
    assert.equal(contentTypeFor("a.woff2"), "font/woff2");
    assert.equal(contentTypeFor("a.jpg"), "image/jpeg");
    assert.equal(contentTypeFor("a.ico"), "image/vnd.microsoft.icon");
    assert.equal(contentTypeFor("a.pdf"), "application/pdf");
    assert.equal(contentTypeFor("a.xml"), "application/xml; charset=utf-8");
    assert.equal(contentTypeFor("a.js.map"), "application/json; charset=utf-8");
    assert.equal(contentTypeFor("dir.d/noext"), "application/octet-stream");
    assert.equal(contentTypeFor("a.unknownext"), "application/octet-stream");
  });

  it("404 for missing files, 405 with Allow for other methods", async () => {
    const missing = await get("/nope.txt");
    assert.equal(missing.res.status, 404);
    for (const method of ["POST", "PUT", "DELETE", "OPTIONS"]) {
      const { res } = await get("/hello.txt", { method });
      assert.equal(res.status, 405, method);
      assert.equal(res.headers.get("allow"), "GET, HEAD");
    }
  });
});

describe("serveDir: directories", () => {
  it("redirects a directory without a slash, then serves index.html", async () => {
    const redirect = await get("/sub?x=1");
    assert.equal(redirect.res.status, 301);
    assert.equal(redirect.res.headers.get("location"), "/sub/?x=1");
    const index = await get("/sub/");
    assert.equal(index.res.status, 200);
    assert.equal(index.body, "<h1>sub</h1>");
    assert.equal(index.res.headers.get("content-type"), "text/html; charset=utf-8");
  });

  it("a redirect never becomes protocol-relative", async () => {
    const { res } = await get("//list");
    assert.equal(res.status, 301);
    assert.equal(res.headers.get("location"), "/list/");
  });

  it("lists a directory, escaping names and hiding nothing", async () => {
    const { res, body } = await get("/");
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "text/html; charset=utf-8");
    assert.ok(body.includes("we&lt;i&gt;rd &amp; &quot;q&quot;.txt"), body);
    assert.ok(!body.includes("we<i>rd"), "raw name must not appear");
    assert.ok(body.includes(`href="${encodeURIComponent('we<i>rd & "q".txt')}"`));
    assert.ok(body.includes('href=".hidden"'));
    assert.ok(body.includes('href="sub/"'));
    assert.ok(body.includes('href="in"'), "inside symlink is linked");
    // Out-of-root symlinks are listed by name but not linked or followed.
    assert.ok(body.includes("outdir"));
    assert.ok(!body.includes('href="outdir'));
    assert.ok(!body.includes('href="out"'));
    assert.ok(!body.includes(SECRET));
    assert.ok(!body.includes('href="../"'), "no parent link at the root");
    const nested = await get("/list/");
    assert.ok(nested.body.includes('href="../"'));
    assert.ok(nested.body.includes('href="deeper/"'));
    assert.ok(nested.body.includes('href="a.txt"'));
  });
});

describe("serveDir: path safety", () => {
  const attempts = [
    "/../secret.txt",
    "/../../etc/passwd",
    "/%2e%2e/secret.txt",
    "/..%2fsecret.txt",
    "/%2e%2e%2fsecret.txt",
    "/%2E%2E%2Fsecret.txt",
    "/sub/..%2f..%2fsecret.txt",
    "/a/../../secret.txt",
    "/..%5csecret.txt",
    "/sub/..%5C..%5Csecret.txt",
    "/..\\secret.txt",
    "/hello.txt%00.png",
    "/%00",
    "/out",
    "/outdir/secret.txt",
    "/outdir/",
  ];
  for (const path of attempts) {
    it(`never leaves the root: ${path}`, async () => {
      const { res, body } = await get(path);
      assert.ok([403, 404].includes(res.status), `${path} → ${res.status}`);
      assert.ok(!body.includes(SECRET), `${path} leaked the secret`);
    });
  }

  it("a symlink that stays inside the root is followed", async () => {
    const { res, body } = await get("/in");
    assert.equal(res.status, 200);
    assert.equal(body, "hello world\n");
  });

  it("bad percent-encoding is 400", async () => {
    for (const path of ["/%ff", "/%E0%A4%A", "/%c0%ae%c0%ae/secret.txt"]) {
      const { res, body } = await get(path);
      assert.equal(res.status, 400, path);
      assert.ok(!body.includes(SECRET));
    }
  });

  it("a root that does not exist serves 404, not an exception", async () => {
    const h = serveDir(await getRuntime(), join(tmp.path, "missing-root"));
    const res = await h(new Request("https://localhost/"), INFO);
    assert.equal(res.status, 404);
  });

  it("an unreadable file is 403 (skipped as root)", async (t) => {
    if (process.getuid?.() === 0) return t.skip("root can read everything");
    const path = join(root, "locked.txt");
    await writeFile(path, "locked");
    await chmod(path, 0);
    try {
      const { res } = await get("/locked.txt");
      assert.equal(res.status, 403);
    } finally {
      await chmod(path, 0o644);
    }
  });
});

describe("serveDir: caching", () => {
  it("If-None-Match with the ETag gives 304 without a body", async () => {
    const first = await get("/hello.txt");
    const etag = first.res.headers.get("etag")!;
    const { res, body } = await get("/hello.txt", { headers: { "if-none-match": etag } });
    assert.equal(res.status, 304);
    assert.equal(body, "");
    assert.equal(res.headers.get("etag"), etag);
    const strong = etag.replace(/^W\//, "");
    assert.equal(
      (await get("/hello.txt", { headers: { "if-none-match": `"x", ${strong}` } })).res.status,
      304,
    );
    assert.equal((await get("/hello.txt", { headers: { "if-none-match": "*" } })).res.status, 304);
    assert.equal(
      (await get("/hello.txt", { headers: { "if-none-match": '"other"' } })).res.status,
      200,
    );
  });

  it("If-Modified-Since gives 304 when not modified, 200 when older", async () => {
    const first = await get("/hello.txt");
    const lm = first.res.headers.get("last-modified")!;
    assert.equal(
      (await get("/hello.txt", { headers: { "if-modified-since": lm } })).res.status,
      304,
    );
    const old = new Date(Date.parse(lm) - 3600_000).toUTCString();
    assert.equal(
      (await get("/hello.txt", { headers: { "if-modified-since": old } })).res.status,
      200,
    );
    assert.equal(
      (await get("/hello.txt", { headers: { "if-modified-since": "garbage" } })).res.status,
      200,
    );
  });
});

describe("serveDir: ranges", () => {
  const range = (r: string, init: RequestInit = {}) =>
    get("/hello.txt", { ...init, headers: { range: r, ...(init.headers ?? {}) } });

  it("serves a-b, a- and -n as 206 with Content-Range", async () => {
    let { res, body } = await range("bytes=0-4");
    assert.equal(res.status, 206);
    assert.equal(body, "hello");
    assert.equal(res.headers.get("content-range"), "bytes 0-4/12");
    assert.equal(res.headers.get("content-length"), "5");
    ({ res, body } = await range("bytes=6-"));
    assert.equal(res.status, 206);
    assert.equal(body, "world\n");
    assert.equal(res.headers.get("content-range"), "bytes 6-11/12");
    ({ res, body } = await range("bytes=-6"));
    assert.equal(body, "world\n");
    ({ res, body } = await range("bytes=6-1000"));
    assert.equal(res.headers.get("content-range"), "bytes 6-11/12");
    assert.equal(body, "world\n");
    ({ res, body } = await range("bytes=-100"));
    assert.equal(res.headers.get("content-range"), "bytes 0-11/12");
    ({ res, body } = await range("bytes=3-3"));
    assert.equal(body, "l");
  });

  it("HEAD with a range: 206 headers, no body", async () => {
    const { res, body } = await range("bytes=0-4", { method: "HEAD" });
    assert.equal(res.status, 206);
    assert.equal(body, "");
    assert.equal(res.headers.get("content-length"), "5");
  });

  it("unsatisfiable ranges are 416 with bytes */size", async () => {
    for (const r of ["bytes=12-", "bytes=100-200", "bytes=-0"]) {
      const { res } = await range(r);
      assert.equal(res.status, 416, r);
      assert.equal(res.headers.get("content-range"), "bytes */12");
    }
    const empty = await get("/empty.txt", { headers: { range: "bytes=0-" } });
    assert.equal(empty.res.status, 416);
    assert.equal(empty.res.headers.get("content-range"), "bytes */0");
  });

  it("multiple, malformed or other-unit ranges serve the whole file", async () => {
    for (
      const r of ["bytes=0-1,3-4", "bytes=5-2", "bytes=x-y", "items=0-1", "bytes=-", "bytes=1e3-"]
    ) {
      const { res, body } = await range(r);
      assert.equal(res.status, 200, r);
      assert.equal(body, "hello world\n");
    }
  });

  it("If-Range with our (weak) ETag serves the whole file", async () => {
    const etag = (await get("/hello.txt")).res.headers.get("etag")!;
    const { res } = await range("bytes=0-1", { headers: { "if-range": etag } });
    assert.equal(res.status, 200);
    const lm = (await get("/hello.txt")).res.headers.get("last-modified")!;
    assert.equal((await range("bytes=0-1", { headers: { "if-range": lm } })).res.status, 206);
  });

  it("parseRange edge cases", () => {
    assert.deepEqual(parseRange("bytes=0-0", 1), { kind: "range", start: 0, end: 0 });
    assert.deepEqual(parseRange("bytes=0-", 0), { kind: "unsatisfiable" });
    assert.deepEqual(parseRange("bytes=-5", 0), { kind: "unsatisfiable" });
    assert.deepEqual(parseRange("bytes=99999999999999999999-", 10), { kind: "none" });
    assert.deepEqual(parseRange("", 10), { kind: "none" });
  });
});
