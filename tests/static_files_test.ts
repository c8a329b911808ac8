import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { chmod, mkdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { getRuntime } from "../src/serve/runtime/mod.ts";
import type { Handler } from "../src/serve/runtime/types.ts";
import {
  contentTypeFor,
  findKeyFiles,
  holdsPrivateKey,
  isSecretFileName,
  parseRange,
  serveDir,
} from "../src/serve/static.ts";
import { isDeno, openssl, run, tempDir } from "./helpers.ts";

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

  it("serves binary and empty files; dotfiles only when asked", async () => {
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
    assert.equal((await get("/.hidden")).res.status, 404);
    const withDotfiles = serveDir(await getRuntime(), root, { dotfiles: true });
    const dot = await withDotfiles(new Request("https://localhost/.hidden"), INFO);
    assert.equal(dot.status, 200);
    assert.equal(await dot.text(), "dot");
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

  it("lists a directory, escaping names, hiding dotfiles", async () => {
    const { res, body } = await get("/");
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "text/html; charset=utf-8");
    assert.ok(body.includes("we&lt;i&gt;rd &amp; &quot;q&quot;.txt"), body);
    assert.ok(!body.includes("we<i>rd"), "raw name must not appear");
    assert.ok(body.includes(`href="${encodeURIComponent('we<i>rd & "q".txt')}"`));
    assert.ok(!body.includes(".hidden"), "dotfiles are not listed by default");
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

  it("an unreadable file is 403", async () => {
    const path = join(root, "locked.txt");
    await writeFile(path, "locked");
    await chmod(path, 0);
    try {
      if (process.getuid?.() !== 0) {
        const { res } = await get("/locked.txt");
        assert.equal(res.status, 403);
        return;
      }
      // Root reads every file: ask in a child that keeps uid 0 (so it reads this checkout and
      // the runtime's cache) without the capabilities that bypass file modes.
      const ext = import.meta.url.endsWith(".js") ? "js" : "ts";
      const script = join(tmp.path, `locked-child.${ext === "js" ? "mjs" : "ts"}`);
      await writeFile(
        script,
        `import { getRuntime } from ${
          JSON.stringify(new URL(`../src/serve/runtime/mod.${ext}`, import.meta.url).href)
        };
import { serveDir } from ${
          JSON.stringify(new URL(`../src/serve/static.${ext}`, import.meta.url).href)
        };
const h = serveDir(await getRuntime(), ${JSON.stringify(root)});
const info = { remoteAddr: { hostname: "127.0.0.1", port: 1 } };
const locked = await h(new Request("https://localhost/locked.txt"), info);
const readable = await h(new Request("https://localhost/hello.txt"), info);
console.log(JSON.stringify([locked.status, readable.status]));
`,
      );
      const runtime = isDeno
        ? [process.execPath, "run", "-A", "--node-modules-dir=manual", script]
        : [process.execPath, script];
      const r = await run("setpriv", ["--inh-caps=-all", "--bounding-set=-all", ...runtime], {
        cwd: new URL("..", import.meta.url).pathname,
      });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout.trim()), [403, 200]);
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

describe("serveDir: secrets are never served", () => {
  let keyRoot: string;
  let keys: Handler;
  const KEYS = [
    "localhost+2-key.pem",
    "rsa.key",
    "bundle.pem",
    "id_ed25519",
    "enc.pem",
    "sub/deep-key.txt",
    "big-key.pem",
  ];
  const NAMES = ["store.p12", "store.PFX", ".localhost-key.pem.0123456789ab.tmp"];
  const DOT = [".env", ".git/config", ".htpasswd"];

  before(async () => {
    keyRoot = join(tmp.path, "keys");
    await mkdir(join(keyRoot, "sub"), { recursive: true });
    await mkdir(join(keyRoot, ".git"), { recursive: true });
    await mkdir(join(keyRoot, ".well-known", "acme-challenge"), { recursive: true });
    const key = await openssl([
      "genpkey",
      "-algorithm",
      "EC",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
    ]);
    const rsa = await openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"]);
    const rsaTraditional = await openssl(["pkey", "-traditional"], { input: rsa });
    const encrypted = await openssl(["pkcs8", "-topk8", "-passout", "pass:pw"], { input: key });
    const cert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    await writeFile(join(keyRoot, "localhost+2-key.pem"), key);
    await writeFile(join(keyRoot, "rsa.key"), rsaTraditional);
    await writeFile(join(keyRoot, "bundle.pem"), `Bag Attributes\n${cert}${key}`);
    await writeFile(
      join(keyRoot, "id_ed25519"),
      `-----BEGIN OPENSSH PRIVATE KEY-----\n${
        "b3BlbnNzaC1rZXktdjEAAAAA".repeat(4)
      }\n-----END OPENSSH PRIVATE KEY-----\n`,
    );
    await writeFile(join(keyRoot, "enc.pem"), encrypted);
    await writeFile(join(keyRoot, "sub", "deep-key.txt"), `notes\n${key}`);
    // Larger than what is kept in memory: the key is found in the file's first bytes.
    await writeFile(join(keyRoot, "big-key.pem"), key + "#".repeat(400 * 1024));
    for (const name of NAMES) await writeFile(join(keyRoot, name), "not really a key store");
    await writeFile(join(keyRoot, ".env"), "API_TOKEN=secret");
    await writeFile(join(keyRoot, ".git", "config"), "[core]");
    await writeFile(join(keyRoot, ".htpasswd"), "u:x");
    await writeFile(join(keyRoot, ".well-known", "acme-challenge", "token"), "challenge");
    await writeFile(join(keyRoot, "cert.pem"), cert);
    await writeFile(join(keyRoot, "index.txt"), "public");
    keys = serveDir(await getRuntime(), keyRoot, { listing: true });
  });

  const fetchKeys = async (path: string, h: Handler = keys) => {
    const res = await h(new Request(`https://localhost${path}`), INFO);
    return { res, body: res.body ? await res.text() : "" };
  };

  it("private keys, PKCS#12 files, temporary files and dotfiles are 404", async () => {
    for (const name of [...KEYS, ...NAMES, ...DOT]) {
      const { res, body } = await fetchKeys(
        "/" + name.split("/").map(encodeURIComponent).join("/"),
      );
      assert.equal(res.status, 404, name);
      assert.ok(!body.includes("PRIVATE KEY"), name);
      const head = await keys(new Request(`https://localhost/${name}`, { method: "HEAD" }), INFO);
      assert.equal(head.status, 404, `HEAD ${name}`);
    }
    // Certificates and other files are served; so is /.well-known/.
    assert.equal((await fetchKeys("/cert.pem")).res.status, 200);
    assert.equal((await fetchKeys("/.well-known/acme-challenge/token")).body, "challenge");
    // A range request does not get around it either.
    const ranged = await keys(
      new Request("https://localhost/big-key.pem", { headers: { range: "bytes=0-40" } }),
      INFO,
    );
    assert.equal(ranged.status, 404);
  });

  it("they are left out of listings", async () => {
    const { body } = await fetchKeys("/");
    for (const name of [...KEYS, ...NAMES, ...DOT]) {
      const top = name.split("/")[0];
      if (top === "sub") continue;
      assert.ok(!body.includes(top), `${top} is listed`);
    }
    assert.ok(body.includes('href="cert.pem"'));
    assert.ok(body.includes('href="sub/"'));
    assert.ok(body.includes('href=".well-known/"'), "/.well-known/ is listed");
    assert.ok(!(await fetchKeys("/sub/")).body.includes("deep-key"));
  });

  it("dotfiles: true serves dotfiles, never keys or temporary files", async () => {
    const open = serveDir(await getRuntime(), keyRoot, { dotfiles: true });
    assert.equal((await fetchKeys("/.env", open)).body, "API_TOKEN=secret");
    assert.equal((await fetchKeys("/.git/config", open)).res.status, 200);
    for (const name of [...KEYS, ...NAMES]) {
      assert.equal((await fetchKeys("/" + name, open)).res.status, 404, name);
    }
    const listing = (await fetchKeys("/", open)).body;
    assert.ok(listing.includes('href=".env"'));
    assert.ok(!listing.includes(".tmp"));
  });

  it("a file that becomes a key stops being served at once", async () => {
    const path = join(keyRoot, "changing.txt");
    await writeFile(path, "public text");
    assert.equal((await fetchKeys("/changing.txt")).body, "public text");
    await writeFile(path, await readFile(join(keyRoot, "localhost+2-key.pem")));
    assert.equal((await fetchKeys("/changing.txt")).res.status, 404);
    await writeFile(path, "public again");
    assert.equal((await fetchKeys("/changing.txt")).body, "public again");
  });

  it("findKeyFiles names the key files under a directory (not dotfiles)", async () => {
    const found = await findKeyFiles(await getRuntime(), keyRoot);
    assert.deepEqual(
      found.files.sort(),
      [...KEYS, "store.p12", "store.PFX"].sort(),
    );
    assert.equal(found.truncated, false);
    const bounded = await findKeyFiles(await getRuntime(), keyRoot, { entries: 2 });
    assert.equal(bounded.truncated, true);
    // This checkout's own code writes, reads and documents PEM keys, and holds none.
    const sources = await findKeyFiles(
      await getRuntime(),
      new URL("../src", import.meta.url).pathname,
    );
    assert.deepEqual(sources.files, []);
  });

  it("holdsPrivateKey and isSecretFileName", () => {
    const enc = new TextEncoder();
    const body = "MIIFHDBOBgkqhkiG9w0BBQ0w".repeat(3); // 72 base64 characters
    assert.equal(
      holdsPrivateKey(
        enc.encode(
          `-----BEGIN ENCRYPTED PRIVATE KEY-----\n${body}\n-----END ENCRYPTED PRIVATE KEY-----`,
        ),
      ),
      true,
    );
    // Too short for any key (an Ed25519 PKCS#8 key is 64 base64 characters).
    assert.equal(
      holdsPrivateKey(
        enc.encode(`-----BEGIN PRIVATE KEY-----\n${body.slice(0, 60)}\n-----END PRIVATE KEY-----`),
      ),
      false,
    );
    // Legacy encrypted PEM: RFC 1421 headers before the body; Windows line ends.
    assert.equal(
      holdsPrivateKey(
        enc.encode(
          `-----BEGIN RSA PRIVATE KEY-----\r\nProc-Type: 4,ENCRYPTED\r\nDEK-Info: AES-128-CBC,0011\r\n\r\n${body}\r\n-----END RSA PRIVATE KEY-----\r\n`,
        ),
      ),
      true,
    );
    // A key inside a JSON string (a cloud service account file), "/" escaped or not.
    const pem = `-----BEGIN PRIVATE KEY-----\n${body}+/A=\n-----END PRIVATE KEY-----\n`;
    const json = JSON.stringify({ type: "service_account", private_key: pem });
    assert.equal(holdsPrivateKey(enc.encode(json)), true);
    assert.equal(holdsPrivateKey(enc.encode(json.replaceAll("/", "\\/"))), true);
    // Code that writes, matches or documents PEM text is not a key.
    assert.equal(
      holdsPrivateKey(
        enc.encode(
          "assert.match(pem, /^-----BEGIN PRIVATE KEY-----\\n/);\nconst exportPrivateKeyAsPkcs8 = 1;\n" +
            'const end = "-----END PRIVATE KEY-----";',
        ),
      ),
      false,
    );
    // Documentation that mentions a key's first line is not a key.
    assert.equal(holdsPrivateKey(enc.encode('key: "-----BEGIN PRIVATE KEY-----…"')), false);
    assert.equal(
      holdsPrivateKey(enc.encode("-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----")),
      false,
    );
    assert.equal(holdsPrivateKey(enc.encode("PuTTY-User-Key-File-3: ssh-ed25519\n")), true);
    assert.equal(holdsPrivateKey(enc.encode("-----BEGIN PUBLIC KEY-----\n")), false);
    assert.equal(holdsPrivateKey(enc.encode("the words PRIVATE KEY in prose")), false);
    assert.equal(isSecretFileName("a.p12"), true);
    assert.equal(isSecretFileName("a.p12.txt"), false);
  });
});

describe("serveDir: a changed file is served fresh", () => {
  it("same size, new content; a link moved outside the root", async () => {
    const dir = join(tmp.path, "fresh");
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "f.txt"), "aaaa");
    await writeFile(join(dir, "g.txt"), "gggg");
    await symlink(join(dir, "g.txt"), join(dir, "link"));
    const h = serveDir(await getRuntime(), dir);
    const text = async (path: string) => {
      const res = await h(new Request(`https://localhost${path}`), INFO);
      return `${res.status} ${res.body ? await res.text() : ""}`;
    };
    assert.equal(await text("/f.txt"), "200 aaaa");
    await writeFile(join(dir, "f.txt"), "bbbb");
    assert.equal(await text("/f.txt"), "200 bbbb");
    assert.equal(await text("/link"), "200 gggg");
    await rm(join(dir, "link"));
    await symlink(join(tmp.path, "secret.txt"), join(dir, "link"));
    assert.equal(await text("/link"), "404 404 Not Found\n");
    await rm(join(dir, "f.txt"));
    assert.equal((await text("/f.txt")).slice(0, 3), "404");
  });
});

describe("serveDir: CORS and single-page apps", () => {
  it("cors: Access-Control-Allow-Origin on every response, preflights answered", async () => {
    const h = serveDir(await getRuntime(), root, { cors: true });
    const ok = await h(new Request("https://localhost/hello.txt"), INFO);
    assert.equal(ok.headers.get("access-control-allow-origin"), "*");
    assert.match(ok.headers.get("access-control-expose-headers") ?? "", /ETag/);
    const missing = await h(new Request("https://localhost/nope"), INFO);
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get("access-control-allow-origin"), "*");
    const pre = await h(
      new Request("https://localhost/hello.txt", {
        method: "OPTIONS",
        headers: {
          origin: "https://app.example",
          "access-control-request-method": "GET",
          "access-control-request-headers": "x-custom",
        },
      }),
      INFO,
    );
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get("access-control-allow-origin"), "*");
    assert.equal(pre.headers.get("access-control-allow-methods"), "GET, HEAD, OPTIONS");
    assert.equal(pre.headers.get("access-control-allow-headers"), "x-custom");
    assert.equal((await get("/hello.txt")).res.headers.get("access-control-allow-origin"), null);
  });

  it("spa: unknown routes without an extension get the root index.html", async () => {
    const dir = join(tmp.path, "spa");
    await mkdir(join(dir, "assets"), { recursive: true });
    await writeFile(join(dir, "index.html"), "<div id=app></div>");
    await writeFile(join(dir, "assets", "app.js"), "run()");
    await writeFile(join(dir, ".env"), "X=1");
    const h = serveDir(await getRuntime(), dir, { spa: true });
    const page = async (path: string) => {
      const res = await h(new Request(`https://localhost${path}`), INFO);
      return { status: res.status, body: res.body ? await res.text() : "", res };
    };
    for (const path of ["/settings", "/users/42/edit", "/assets/"]) {
      const { status, body, res } = await page(path);
      assert.equal(status, 200, path);
      assert.equal(body, path === "/assets/" ? body : "<div id=app></div>", path);
      if (path !== "/assets/") {
        assert.equal(res.headers.get("content-type"), "text/html; charset=utf-8");
      }
    }
    assert.equal((await page("/assets/app.js")).body, "run()");
    assert.equal((await page("/assets/missing.js")).status, 404);
    assert.equal((await page("/.env")).status, 404);
    assert.equal((await page("/favicon.ico")).status, 404);
    // Without spa, an unknown route is 404.
    const plain = serveDir(await getRuntime(), dir);
    assert.equal((await plain(new Request("https://localhost/settings"), INFO)).status, 404);
  });
});
