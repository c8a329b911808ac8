/**
 * `tlsmith env`, `tlsmith run` and `tlsmith doctor` (a few clients) with a CA in a temporary
 * directory, on the runtime the tests run on — no trust store is changed. Judges: a real shell
 * evaluating `tlsmith env`, openssl checking the written bundle, Node fetching from a server
 * with a certificate from the CA, and the doctor's verdicts checked against curl and Node.
 * The machine's own CA variables (SSL_CERT_FILE, NODE_EXTRA_CA_CERTS, …) are removed for every
 * command, so the results do not depend on them.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readFile, realpath, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CA_ENV_VARS, cliCommand, run, suiteTempDir } from "./helpers.ts";
import { getRuntime } from "../src/serve/runtime/mod.ts";
import type { RunCommandResult } from "../src/serve/runtime/types.ts";
import { CertificateAuthority } from "../src/ca/authority.ts";
import { serve, type Server } from "../src/serve/serve.ts";
import { trustCaFromPem } from "../src/trust/ca.ts";

const UNSET = Object.fromEntries([...CA_ENV_VARS, "TLSMITH_CA_DIR"].map((n) => [n, undefined]));

/** `tlsmith ARGS` under the current runtime, without the machine's CA variables. */
async function tlsmith(
  args: string[],
  env: Record<string, string> = {},
  cwd?: string,
): Promise<RunCommandResult> {
  const { cmd, args: pre } = cliCommand();
  return await (await getRuntime()).run(cmd, [...pre, ...args], {
    env: { ...UNSET, ...env },
    timeoutMs: 120_000,
    cwd,
  });
}

const NODE_FETCH = (url: string) =>
  `fetch(${
    JSON.stringify(url)
  }).then((r) => r.text()).then((t) => console.log(t), (e) => { console.error(e.cause?.code ?? e.message); process.exit(1); })`;

describe("tlsmith env, run and doctor with a temporary CA", { timeout: 240_000 }, () => {
  const tmp = suiteTempDir();
  let dir = "";
  let server: Server;
  let url = "";
  const token = `trust-cli-${crypto.randomUUID()}`;

  before(async () => {
    dir = join(tmp.path, "ca");
    const init = await tlsmith(["ca", "init", "--dir", dir]);
    assert.equal(init.code, 0, init.stderr);
    const ca = await CertificateAuthority.load({
      cert: await readFile(join(dir, "ca.pem"), "utf8"),
      key: await readFile(join(dir, "ca-key.pem"), "utf8"),
    });
    const leaf = await ca.issue(["localhost", "127.0.0.1", "::1"], { days: 1 });
    server = await serve(() => new Response(token), {
      cert: { cert: leaf.chain, key: leaf.key },
      hostname: "127.0.0.1",
      port: 0,
    });
    url = `https://127.0.0.1:${server.addr.port}/`;
  });
  after(async () => {
    await server?.shutdown();
  });

  it("env: a shell that evaluates it gets the CA for Node and Deno, and a bundle of the system's CAs plus ours", async () => {
    const r = await tlsmith(["env", "--dir", dir]);
    assert.equal(r.code, 0, r.stderr);
    const shell = await run("sh", [
      "-c",
      `eval "$(cat)"; printf '%s\\n' "$NODE_EXTRA_CA_CERTS" "$DENO_CERT" "$SSL_CERT_FILE" "$REQUESTS_CA_BUNDLE"`,
    ], { input: r.stdout });
    assert.equal(shell.code, 0, shell.stderr);
    const bundle = join(dir, "ca-bundle.pem");
    assert.deepEqual(shell.stdout.trim().split("\n"), [
      join(dir, "ca.pem"),
      join(dir, "ca.pem"),
      bundle,
      bundle,
    ]);
    // The bundle is the system's CAs plus ours: openssl trusts the CA with it, and it holds more.
    const verify = await run("openssl", ["verify", "-CAfile", bundle, join(dir, "ca.pem")]);
    assert.equal(verify.code, 0, verify.stderr);
    const system = await readFile("/etc/ssl/certs/ca-certificates.crt", "utf8").catch(() => "");
    const count = (t: string) => t.split("-----BEGIN CERTIFICATE-----").length - 1;
    assert.equal(count(await readFile(bundle, "utf8")), count(system) + 1);
    // Asking again does not rewrite the file.
    const before = (await stat(bundle)).mtimeMs;
    assert.equal((await tlsmith(["env", "--dir", dir])).code, 0);
    assert.equal((await stat(bundle)).mtimeMs, before);
    // A relative --dir gives absolute paths (the shell may be elsewhere when they are used).
    const relative = JSON.parse(
      (await tlsmith(["env", "--dir", "ca", "--json"], {}, tmp.path)).stdout,
    );
    assert.equal(relative.vars[0].value, join(await realpath(tmp.path), "ca", "ca.pem"));
    const json = JSON.parse((await tlsmith(["env", "--dir", dir, "--json"])).stdout);
    assert.deepEqual(json.vars.map((v: { name: string }) => v.name), [
      "NODE_EXTRA_CA_CERTS",
      "DENO_CERT",
      "SSL_CERT_FILE",
      "REQUESTS_CA_BUNDLE",
    ]);
  });

  it("env: keeps what the user trusts already: NODE_EXTRA_CA_CERTS of another CA is extended", async () => {
    const other = await CertificateAuthority.create({ owner: "other@test" });
    const otherFile = join(tmp.path, "other.pem");
    await writeFile(otherFile, other.certPem);
    const r = await tlsmith(["env", "--dir", dir, "--json"], { NODE_EXTRA_CA_CERTS: otherFile });
    const value = JSON.parse(r.stdout).vars[0].value;
    assert.equal(value, join(dir, "node_extra_ca_certs.pem"));
    const text = await readFile(value, "utf8");
    assert.ok(
      text.includes(other.certPem.trim()) &&
        text.includes((await readFile(join(dir, "ca.pem"), "utf8")).trim()),
    );
    // A value that holds our CA already is kept as it is.
    const same = await tlsmith(["env", "--dir", dir, "--json"], { NODE_EXTRA_CA_CERTS: value });
    assert.equal(JSON.parse(same.stdout).vars[0].value, value);
  });

  it("run: the command trusts the CA, gets its exit code back; without run Node refuses", async () => {
    const ok = await tlsmith(["run", "--dir", dir, "--", "node", "-e", NODE_FETCH(url)]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout.trim(), token);
    const bare = await (await getRuntime()).run("node", ["-e", NODE_FETCH(url)], { env: UNSET });
    assert.equal(bare.code, 1);
    assert.match(bare.stderr, /SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT/);
    assert.equal((await tlsmith(["run", "--dir", dir, "sh", "-c", "exit 7"])).code, 7);
    const missing = await tlsmith(["run", "--dir", dir, "--", "tlsmith-no-such-program"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /cannot run tlsmith-no-such-program: not found/);
    const usage = await tlsmith(["run", "--dir", dir]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /missing the command to run/);
    const none = await tlsmith(["run", "--dir", join(tmp.path, "no-ca"), "--", "true"]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no local CA in .*no-ca/);
  });

  it("doctor: curl and Node refuse (with the fix that works for Node), matching the clients themselves", async () => {
    const r = await tlsmith([
      "doctor",
      "--dir",
      dir,
      "--client",
      "curl",
      "--client",
      "node",
      "--json",
    ]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /clients do not trust the local CA: curl, node fetch, node https/);
    const report = JSON.parse(r.stdout);
    const by = (c: string) => report.clients.find((x: { client: string }) => x.client === c);
    assert.equal(by("curl").trusts, false);
    assert.match(by("curl").why, /SSL certificate problem/);
    assert.match(by("curl").fix, new RegExp(`tlsmith trust --dir ${dir}`));
    for (const c of ["node fetch", "node https"]) {
      assert.equal(by(c).trusts, false);
      assert.equal(by(c).fixVerified, true);
      assert.match(by(c).fix, /tlsmith env --dir .*checked: it then trusts it/);
    }
    // The judges agree: curl without --cacert refuses, curl with the CA accepts.
    const curl = await (await getRuntime()).run("curl", ["-sS", "--max-time", "20", url], {
      env: UNSET,
    });
    assert.equal(curl.code, 60);
    const withCa = await run("curl", [
      "-sS",
      "--max-time",
      "20",
      "--cacert",
      join(dir, "ca.pem"),
      url,
    ]);
    assert.equal(withCa.stdout, token);
    const table = await tlsmith(["doctor", "--dir", dir, "--client", "node"]);
    assert.match(table.stdout, /^client +trusts +why$/m);
    assert.match(table.stdout, /^node fetch +NO +refused the certificate/m);
  });

  it("doctor warns about certificates in use that expire within 30 days: --cert and those of the current directory", async () => {
    const ca = await CertificateAuthority.load({
      cert: await readFile(join(dir, "ca.pem"), "utf8"),
      key: await readFile(join(dir, "ca-key.pem"), "utf8"),
    });
    const work = join(tmp.path, "work");
    await mkdir(work);
    await writeFile(join(work, "app.test.pem"), (await ca.issue(["app.test"], { days: 10 })).chain);
    await writeFile(join(work, "fresh.pem"), (await ca.issue(["fresh.test"], { days: 200 })).chain);
    const elsewhere = join(tmp.path, "given.pem");
    await writeFile(elsewhere, (await ca.issue(["given.test"], { days: 3 })).cert);
    const r = await tlsmith(
      ["doctor", "--dir", dir, "--client", "openssl", "--cert", elsewhere],
      {},
      work,
    );
    assert.match(r.stderr, /warning: .*app\.test\.pem \(DNS:app\.test\) expires in 10 days/);
    assert.match(r.stderr, /warning: .*given\.pem \(DNS:given\.test\) expires in 3 days/);
    assert.doesNotMatch(r.stderr, /fresh/);
  });

  it("after untrust (the record says so), env unsets what it set and run refuses", async () => {
    const untrustedDir = join(tmp.path, "untrusted");
    assert.equal((await tlsmith(["ca", "init", "--dir", untrustedDir])).code, 0);
    const ca = await trustCaFromPem(await readFile(join(untrustedDir, "ca.pem"), "utf8"), "ca.pem");
    await writeFile(
      join(untrustedDir, "trust.json"),
      JSON.stringify({ version: 1, changes: [], untrusted: [ca.sha256] }),
    );
    const env = await tlsmith(["env", "--dir", untrustedDir], {
      NODE_EXTRA_CA_CERTS: join(untrustedDir, "ca.pem"),
      DENO_CERT: "/somewhere/else.pem",
    });
    assert.equal(env.code, 0, env.stderr);
    assert.match(env.stdout, /^# The local CA .* was removed with `tlsmith untrust`/m);
    assert.match(env.stdout, /^unset NODE_EXTRA_CA_CERTS$/m);
    assert.doesNotMatch(env.stdout, /DENO_CERT|^export/m);
    const r = await tlsmith(["run", "--dir", untrustedDir, "--", "true"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /was removed with `tlsmith untrust`.*tlsmith trust/);
  });
});
