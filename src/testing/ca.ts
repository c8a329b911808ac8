/**
 * `testCA()`: an in-memory certificate authority for tests (trustme for TypeScript). It issues
 * server and client certificates, intermediates, and failure fixtures (expired, wrong host,
 * weak, …), and wires trust into each runtime's TLS clients without touching any global
 * setting. Built on {@linkcode CertificateAuthority}: the same certificates `tlsmith cert`
 * makes.
 *
 * Every result spells its parts the same way: `cert` (PEM), `key` (PKCS#8 PEM), `chain`
 * (what a server sends) and `certFile()` / `keyFile()` / `chainFile()` (temporary files,
 * removed on dispose or at exit).
 *
 * @module
 */

import { adhocCert, DEFAULT_ADHOC_HOSTS } from "../ca/adhoc.ts";
import { CA_KEY_TYPES, CertificateAuthority } from "../ca/authority.ts";
import { TlsmithError } from "../errors.ts";
import { generateKeyPair, type KeyType } from "../keys/keys.ts";
import { exportPrivateKey } from "../keys/formats.ts";
import { createCertificate } from "../x509/certificate.ts";
import { toCertificate } from "../x509/model.ts";
import { formatSubjectAltName, type SubjectAltName } from "../x509/names.ts";
import { buildNameConstraints } from "../ca/constraints.ts";
import { nameConstraintsExtension } from "../x509/name_constraints.ts";
import { testTrustEnv } from "./env.ts";
import { type FetchFunction, trustingFetch } from "./fetch.ts";
import { TempFiles } from "./files.ts";
import { weakCertificate } from "./weak.ts";

const DAY = 86_400_000;
/**
 * Test CAs are valid from a week ago, so that the `expired` fixture (valid for a day, two days
 * ago) lies inside its CA's validity and is refused for its own expiry alone.
 */
const BACKDATE_DAYS = 7;

/**
 * The failure fixtures of {@linkcode TestCA.issue}, one option each: for table-driven tests.
 *
 * @example Every fixture, refused by `ca.fetch`
 * ```ts
 * import assert from "node:assert/strict";
 * import { FIXTURES, testCA } from "./ca.ts";
 * await using ca = await testCA();
 * for (const fixture of FIXTURES) {
 *   const cert = await ca.issue("localhost", { [fixture]: true });
 *   assert.equal(cert.fixture, fixture);
 * }
 * ```
 */
export const FIXTURES = [
  "expired",
  "notYetValid",
  "wrongHost",
  "selfSigned",
  "untrusted",
  "weak",
  "nameConstraintViolation",
  "wrongPurpose",
] as const;

/** The name of a failure fixture. */
export type Fixture = typeof FIXTURES[number];

/** Options of {@linkcode testCA}. */
export interface TestCAOptions {
  /** The CA's key type: `ec-p256` (default, fastest), `ec-p384`, `rsa-3072` or `rsa-4096`. */
  keyType?: KeyType;
  /**
   * Name constraints in the CA certificate, as `tlsmith ca init` writes them: `localhost`,
   * `*.test`, `*.example`, `*.invalid`, `*.internal`, `*.home.arpa`, `*.local`, loopback and
   * private addresses (and e-mail addresses in those domains). Default false (with `permit`:
   * true): a test CA lives in memory and is trusted by nothing outside the test, and Deno's
   * TLS library refuses e-mail client certificates from a CA with e-mail constraints.
   */
  nameConstraints?: boolean;
  /** With name constraints: more names, addresses or CIDR ranges to permit. */
  permit?: readonly string[];
}

/**
 * Options of {@linkcode TestCA.issue}. At most one failure fixture may be chosen; each makes
 * a certificate that a correct TLS client refuses (the README lists what each client says).
 */
export interface TestIssueOptions {
  /** Validity in days (default 397, at most 825). */
  days?: number;
  /** The leaf's key type (default `ec-p256`). */
  keyType?: KeyType;
  /** Also allow TLS client authentication (extKeyUsage clientAuth as well as serverAuth). */
  client?: boolean;
  /** Fixture: expired yesterday (valid for one day, two days ago). */
  expired?: boolean;
  /** Fixture: valid only from two days from now. */
  notYetValid?: boolean;
  /** Fixture: issued for `wrong-host.invalid` instead of the names asked for. */
  wrongHost?: boolean;
  /** Fixture: a self-signed certificate for the names (no CA at all). */
  selfSigned?: boolean;
  /** Fixture: issued for the names by another CA, one nobody trusts. */
  untrusted?: boolean;
  /**
   * Fixture: an RSA-1024 key and a SHA-1 signature from this CA. Only Node (through
   * `serverOptions()`, which lowers OpenSSL's security level) and `openssl s_server` can
   * serve it; Deno and Bun refuse to load a 1024-bit key.
   */
  weak?: boolean;
  /**
   * Fixture: issued for the names by an intermediate of this CA whose name constraints permit
   * only `nc-violation.invalid`, 192.0.2.0/24 and 2001:db8::/32. This CA must allow an
   * intermediate (every CA made by `testCA()` and `child()` does, up to four levels).
   */
  nameConstraintViolation?: boolean;
  /** Fixture: for the names, but for TLS clients only (extKeyUsage clientAuth, no serverAuth). */
  wrongPurpose?: boolean;
}

/** Options of {@linkcode TestCA.child}. */
export interface TestChildOptions {
  /** Key type of the intermediate (default `ec-p256`). */
  keyType?: KeyType;
  /** Name constraints in the intermediate (default: as its parent), as for {@linkcode testCA}. */
  nameConstraints?: boolean;
  /** More names to permit. */
  permit?: readonly string[];
}

/** The TLS options a client passes to trust a test CA, and optionally to present a certificate. */
export interface TrustOptions {
  /** For `node:https`, `node:tls`, `http2.connect`, Bun's `fetch(url, { tls })`: the root. */
  ca: string[];
  /** For Deno: `Deno.createHttpClient(options)`, `Deno.connectTls({ ...options })`. */
  caCerts: string[];
  /** A client certificate chain (PEM), when one was asked for. */
  cert?: string;
  /** Its private key (PKCS#8 PEM). */
  key?: string;
}

/** The `{ cert, key }` a TLS server takes (`node:https`, `http2`, `Deno.serve`, `Bun.serve`'s `tls`). */
export interface ServerOptions {
  /** The certificate chain, PEM: the leaf, then any intermediates. */
  cert: string;
  /** The private key, PKCS#8 PEM. */
  key: string;
  /**
   * Only for the `weak` fixture: `DEFAULT@SECLEVEL=0`, so a Node server loads a certificate
   * that OpenSSL's default security level refuses.
   */
  ciphers?: string;
}

/** Options of {@linkcode TestCA.fetcher} and {@linkcode TestCA.trustOptions}. */
export interface ClientOptions {
  /** Present this client certificate (from {@linkcode TestCA.client}) when the server asks. */
  client?: TestCert;
}

/**
 * A certificate from a test CA, with its key; files are made on demand.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { testCA } from "./ca.ts";
 * await using ca = await testCA();
 * await using leaf = await ca.issue("app.test");
 * assert.deepEqual(leaf.names, ["DNS:app.test"]);
 * assert.ok((await leaf.keyFile()).endsWith("-key.pem")); // mode 0600, removed on dispose
 * ```
 */
export interface TestCert extends AsyncDisposable, Disposable {
  /** The certificate, PEM. */
  readonly cert: string;
  /** Its private key, unencrypted PKCS#8 PEM. */
  readonly key: string;
  /** What a server (or a client) sends: the certificate, then any intermediates, PEM. */
  readonly chain: string;
  /** The subjectAltNames, as OpenSSL prints them: `DNS:localhost`, `IP Address:127.0.0.1`. */
  readonly names: readonly string[];
  /** Start of validity. */
  readonly notBefore: Date;
  /** End of validity. */
  readonly notAfter: Date;
  /** The failure fixture this is, or null for a good certificate. */
  readonly fixture: Fixture | null;
  /** A temporary file holding `cert` (written once; removed on dispose or at exit). */
  certFile(): Promise<string>;
  /** A temporary file holding `key`, mode 0600. */
  keyFile(): Promise<string>;
  /** A temporary file holding `chain`. */
  chainFile(): Promise<string>;
  /** `{ cert: chain, key }` for a TLS server (see {@linkcode ServerOptions}). */
  serverOptions(): ServerOptions;
}

/**
 * An in-memory test certificate authority; see {@linkcode testCA}.
 *
 * @example An intermediate, and what clients trust
 * ```ts
 * import assert from "node:assert/strict";
 * import { testCA } from "./ca.ts";
 * await using root = await testCA();
 * const intermediate = await root.child();
 * const leaf = await intermediate.issue("localhost");
 * assert.equal(leaf.chain, leaf.cert + intermediate.cert); // what the server sends
 * assert.deepEqual(intermediate.trustOptions().ca, [root.cert]); // what the client trusts
 * ```
 */
export interface TestCA extends AsyncDisposable, Disposable {
  /** This CA's certificate, PEM. */
  readonly cert: string;
  /** This CA's private key, unencrypted PKCS#8 PEM. */
  readonly key: string;
  /** This CA followed by the CAs above it (none for a root), PEM. */
  readonly chain: string;
  /** The root of this CA's family: what clients trust (itself for a root). */
  readonly root: TestCA;
  /** A temporary file holding `cert`. */
  certFile(): Promise<string>;
  /** A temporary file holding `key`, mode 0600. */
  keyFile(): Promise<string>;
  /**
   * Issue a certificate with a new key for the hosts (default `localhost`, `127.0.0.1`,
   * `::1`); the last argument may be options, e.g. a failure fixture:
   * `ca.issue("localhost", { expired: true })`.
   */
  issue(
    ...hostsAndOptions: [...hosts: string[], options: TestIssueOptions] | string[]
  ): Promise<TestCert>;
  /**
   * The `selfSigned` failure fixture: a self-signed certificate for the hosts, which no CA
   * issued. The same as `ca.issue(...hosts, { selfSigned: true })`.
   */
  selfSigned(...hosts: string[]): Promise<TestCert>;
  /**
   * A client certificate (extKeyUsage clientAuth only) for an identity: an e-mail address
   * (`alice@example.test`), a host name or a URI.
   */
  client(identity: string, options?: { days?: number; keyType?: KeyType }): Promise<TestCert>;
  /** An intermediate CA below this one; its certificates chain up to the same root. */
  child(options?: TestChildOptions): Promise<TestCA>;
  /**
   * A `fetch` that trusts the root of this CA (Deno: in addition to the system's CAs; Node and
   * Bun: only it). Failures reject with `FETCH_FAILED`.
   */
  readonly fetch: FetchFunction;
  /** A `fetch` like {@linkcode TestCA.fetch}, presenting `options.client` when the server asks. */
  fetcher(options?: ClientOptions): FetchFunction;
  /**
   * `{ ca, caCerts }` (and `cert`, `key` of `options.client`) for any runtime's TLS client:
   * `https.request(url, ca.trustOptions())`, `Deno.createHttpClient(ca.trustOptions())`,
   * `fetch(url, { tls: ca.trustOptions() })` on Bun.
   */
  trustOptions(options?: ClientOptions): TrustOptions;
  /**
   * The environment that makes a child process trust the root: `NODE_EXTRA_CA_CERTS`,
   * `DENO_CERT`, `SSL_CERT_FILE`, `REQUESTS_CA_BUNDLE`, `CURL_CA_BUNDLE`, each naming a
   * temporary copy of the root certificate.
   */
  env(): Promise<Record<string, string>>;
}

function badOption(message: string): TlsmithError {
  return new TlsmithError("BAD_OPTION", message);
}

/** Split `issue()`'s arguments into hosts and options, checking their types. */
function hostsAndOptions(
  args: readonly unknown[],
): { hosts: string[]; options: TestIssueOptions } {
  const last = args[args.length - 1];
  const hasOptions = typeof last === "object" && last !== null;
  const hosts = hasOptions ? args.slice(0, -1) : [...args];
  for (const host of hosts) {
    if (typeof host !== "string") {
      throw badOption(
        `ca.issue(): hosts are strings, e.g. ca.issue("localhost", "127.0.0.1", { expired: true }); got ${
          JSON.stringify(host) ?? String(host)
        }. Options come last.`,
      );
    }
  }
  return {
    hosts: hosts.length ? hosts as string[] : [...DEFAULT_ADHOC_HOSTS],
    options: hasOptions ? last as TestIssueOptions : {},
  };
}

function chosenFixture(options: TestIssueOptions): Fixture | null {
  const chosen = FIXTURES.filter((f) => options[f] === true);
  if (chosen.length > 1) {
    throw badOption(
      `ca.issue(): choose at most one failure fixture, got ${chosen.join(" and ")}.`,
    );
  }
  return chosen[0] ?? null;
}

/** Re-word the CA's NAME_NOT_PERMITTED (which speaks of `tlsmith ca init`) for test code. */
function testingNameError(err: unknown): unknown {
  if (!(err instanceof TlsmithError) || err.code !== "NAME_NOT_PERMITTED") return err;
  const name = /"([^"]+)" is outside/.exec(err.message)?.[1] ?? "the name";
  return new TlsmithError(
    "NAME_NOT_PERMITTED",
    `"${name}" is outside the name constraints of this test CA, so clients would refuse the certificate. Add it to testCA({ permit: [${
      JSON.stringify(name.replace(/^\*\./, "").replace(/^.*@/, ""))
    }] }), or make the CA without name constraints (the default).`,
    { cause: err },
  );
}

/** The temporary files of one object: made on demand, removed together. */
class OwnFiles {
  readonly #files: TempFiles;
  readonly #base: string;
  readonly #written = new Map<string, Promise<string>>();
  readonly #done = new Set<string>();

  constructor(files: TempFiles, label: string) {
    this.#files = files;
    this.#base = files.uniqueName(label);
  }

  file(suffix: string, text: string, secret = false): Promise<string> {
    let path = this.#written.get(suffix);
    if (!path) {
      path = this.#files.write(`${this.#base}${suffix}`, text, secret).then((written) => {
        this.#done.add(written);
        return written;
      });
      path.catch(() => this.#written.delete(suffix));
      this.#written.set(suffix, path);
    }
    return path;
  }

  /** Remove the files written so far (one still being written goes with the directory). */
  removeSync(): void {
    this.#files.remove([...this.#done]);
    this.#done.clear();
    this.#written.clear();
  }

  /** Remove the files, after waiting for those being written. */
  async remove(): Promise<void> {
    await Promise.allSettled(this.#written.values());
    this.removeSync();
  }
}

class Cert implements TestCert {
  readonly cert: string;
  readonly key: string;
  readonly chain: string;
  readonly names: readonly string[];
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly fixture: Fixture | null;
  readonly #files: OwnFiles;

  constructor(
    parts: { cert: string; key: string; chain: string; names: readonly SubjectAltName[] },
    fixture: Fixture | null,
    files: TempFiles,
  ) {
    this.cert = parts.cert;
    this.key = parts.key;
    this.chain = parts.chain;
    this.names = parts.names.map(formatSubjectAltName);
    const parsed = toCertificate(parts.cert);
    this.notBefore = parsed.notBefore;
    this.notAfter = parsed.notAfter;
    this.fixture = fixture;
    this.#files = new OwnFiles(files, parts.names[0]?.value ?? "cert");
  }

  certFile(): Promise<string> {
    return this.#files.file(".pem", this.cert);
  }
  keyFile(): Promise<string> {
    return this.#files.file("-key.pem", this.key, true);
  }
  chainFile(): Promise<string> {
    return this.#files.file("-chain.pem", this.chain);
  }
  serverOptions(): ServerOptions {
    return this.fixture === "weak"
      ? { cert: this.chain, key: this.key, ciphers: "DEFAULT@SECLEVEL=0" }
      : { cert: this.chain, key: this.key };
  }
  [Symbol.asyncDispose](): Promise<void> {
    return this.#files.remove();
  }
  [Symbol.dispose](): void {
    this.#files.removeSync();
  }
}

/**
 * The window of a fixture the CA does not issue itself (weak, nameConstraintViolation): from
 * five minutes ago, like every tlsmith certificate, for `days` (default 397).
 */
function validity(now: number, days = 397): { notBefore: Date; notAfter: Date } {
  if (!Number.isInteger(days) || days < 1 || days > 825) {
    throw badOption(`ca.issue(): days must be a whole number from 1 to 825, got ${days}.`);
  }
  return { notBefore: new Date(now - 5 * 60_000), notAfter: new Date(now + days * DAY) };
}

class CA implements TestCA {
  readonly cert: string;
  readonly key: string;
  readonly chain: string;
  readonly root: CA;
  readonly #authority: CertificateAuthority;
  readonly fetch: FetchFunction;
  readonly #pathLength: number;
  readonly #files: TempFiles;
  readonly #own: OwnFiles;
  /** The certificates between a leaf of this CA and the root: this CA's own unless a root. */
  readonly #intermediates: string;

  constructor(
    authority: CertificateAuthority,
    key: string,
    pathLength: number,
    parent: CA | null,
  ) {
    this.#authority = authority;
    this.cert = authority.certPem;
    this.key = key;
    this.chain = authority.certPem + authority.issuersPem;
    this.root = parent?.root ?? this;
    this.#pathLength = pathLength;
    this.#files = parent ? parent.#files : new TempFiles();
    this.#own = new OwnFiles(this.#files, parent ? "intermediate-ca" : "ca");
    this.#intermediates = parent ? authority.certPem + parent.#intermediates : "";
    this.fetch = this.fetcher();
  }

  certFile(): Promise<string> {
    return this.#own.file(".pem", this.cert);
  }

  keyFile(): Promise<string> {
    return this.#own.file("-key.pem", this.key, true);
  }

  #leaf(
    parts: { cert: string; key: string; names: readonly SubjectAltName[] },
    fixture: Fixture | null,
    intermediates = this.#intermediates,
  ): TestCert {
    return new Cert({ ...parts, chain: parts.cert + intermediates }, fixture, this.#files);
  }

  selfSigned(...hosts: string[]): Promise<TestCert> {
    return this.issue(...hosts, { selfSigned: true });
  }

  async issue(
    ...args: [...hosts: string[], options: TestIssueOptions] | string[]
  ): Promise<TestCert> {
    const { hosts, options } = hostsAndOptions(args);
    const fixture = chosenFixture(options);
    const now = Date.now();
    let names: SubjectAltName[];
    try {
      names = this.#authority.checkHosts(fixture === "wrongHost" ? ["wrong-host.invalid"] : hosts);
    } catch (err) {
      throw testingNameError(err);
    }
    const common = { days: options.days, keyType: options.keyType };
    switch (fixture) {
      case null:
      case "wrongHost": {
        const issued = await this.#authority.issue(names, {
          ...common,
          clientAuth: options.client,
        });
        return this.#leaf({ ...issued, names }, fixture);
      }
      case "expired": {
        const start = now - 2 * DAY;
        const issued = await this.#authority.issue(names, {
          ...common,
          days: 1,
          notBefore: new Date(start - 5 * 60_000),
        });
        return this.#leaf({ ...issued, names }, fixture);
      }
      case "notYetValid": {
        const start = now + 2 * DAY;
        const issued = await this.#authority.issue(names, {
          ...common,
          notBefore: new Date(start - 5 * 60_000),
        });
        return this.#leaf({ ...issued, names }, fixture);
      }
      case "wrongPurpose": {
        const issued = await this.#authority.issue(names, {
          ...common,
          clientAuth: true,
          serverAuth: false,
        });
        return this.#leaf({ ...issued, names }, fixture);
      }
      case "selfSigned": {
        const adhoc = await adhocCert({ hosts, keyType: options.keyType, days: options.days });
        return this.#leaf({ ...adhoc, names }, fixture, "");
      }
      case "untrusted": {
        const stranger = await CertificateAuthority.create({
          commonName: "tlsmith untrusted test CA (nobody trusts it)",
          nameConstraints: false,
        });
        const issued = await stranger.issue(names, common);
        return this.#leaf({ ...issued, names }, fixture, "");
      }
      case "weak": {
        const weak = await weakCertificate(this.#authority, names, validity(now, options.days));
        return this.#leaf({ ...weak, names }, fixture);
      }
      case "nameConstraintViolation":
        return await this.#nameConstraintViolation(names, options, validity(now, options.days));
    }
  }

  /** A leaf for `names` from an intermediate whose name constraints leave them out. */
  async #nameConstraintViolation(
    names: SubjectAltName[],
    options: TestIssueOptions,
    validity: { notBefore: Date; notAfter: Date },
  ): Promise<TestCert> {
    if (this.#pathLength < 1) {
      throw badOption(
        "ca.issue(…, { nameConstraintViolation: true }) needs a CA that may sign an intermediate; this one is the last level allowed (pathLength 0). Use a CA higher up.",
      );
    }
    const caKeys = await generateKeyPair("ec-p256");
    const notAfter = new Date(
      Math.min(validity.notAfter.getTime(), this.#authority.notAfter.getTime()),
    );
    const { pem: intermediate } = await createCertificate({
      publicKey: caKeys.publicKey,
      issuer: { certificate: this.cert, privateKey: this.#authority.privateKey },
      subject: {
        organization: "tlsmith test CA",
        commonName: "nameConstraintViolation fixture intermediate",
      },
      isCa: true,
      pathLength: 0,
      notBefore: validity.notBefore,
      notAfter,
      extensions: [
        nameConstraintsExtension(
          buildNameConstraints({
            defaults: false,
            permit: ["nc-violation.invalid", "192.0.2.0/24", "2001:db8::/32"],
          }),
        ),
      ],
    });
    const leafKeys = await generateKeyPair(options.keyType ?? "ec-p256");
    // No subject CN: the names are only in the subjectAltName, which clients check.
    const { pem } = await createCertificate({
      publicKey: leafKeys.publicKey,
      issuer: { certificate: intermediate, privateKey: caKeys.privateKey },
      subject: { organization: "tlsmith nameConstraintViolation fixture" },
      hosts: names,
      notBefore: validity.notBefore,
      notAfter,
    });
    return this.#leaf(
      { cert: pem, key: await exportPrivateKey(leafKeys.privateKey), names },
      "nameConstraintViolation",
      intermediate + this.#intermediates,
    );
  }

  async client(
    identity: string,
    options: { days?: number; keyType?: KeyType } = {},
  ): Promise<TestCert> {
    if (typeof identity !== "string" || identity === "") {
      throw badOption(
        'ca.client(): pass the identity, e.g. ca.client("alice@example.test").',
      );
    }
    let names: SubjectAltName[];
    try {
      names = this.#authority.checkHosts([identity]);
    } catch (err) {
      throw testingNameError(err);
    }
    const issued = await this.#authority.issue(names, {
      days: options.days,
      keyType: options.keyType,
      clientAuth: true,
      serverAuth: false,
    });
    return this.#leaf({ ...issued, names }, null);
  }

  async child(options: TestChildOptions = {}): Promise<TestCA> {
    if (this.#pathLength < 1) {
      throw badOption(
        "ca.child(): this CA is the last level allowed (a test CA family has at most four intermediates).",
      );
    }
    const authority = await this.#authority.createIntermediate({
      now: new Date(Date.now() - BACKDATE_DAYS * DAY),
      keyType: options.keyType,
      nameConstraints: options.nameConstraints ??
        (options.permit?.length ? true : this.#authority.nameConstraints !== null),
      permit: options.permit,
      pathLength: this.#pathLength - 1,
      commonName: "tlsmith intermediate test CA",
    });
    return new CA(authority, await authority.keyPem(), this.#pathLength - 1, this);
  }

  fetcher(options: ClientOptions = {}): FetchFunction {
    return trustingFetch(
      {
        ca: [this.root.cert],
        ...(options.client ? { cert: options.client.chain, key: options.client.key } : {}),
      },
      `the test CA "${this.root.#authority.subject}"`,
    );
  }

  trustOptions(options: ClientOptions = {}): TrustOptions {
    return {
      ca: [this.root.cert],
      caCerts: [this.root.cert],
      ...(options.client ? { cert: options.client.chain, key: options.client.key } : {}),
    };
  }

  async env(): Promise<Record<string, string>> {
    return testTrustEnv(await this.root.certFile());
  }

  [Symbol.asyncDispose](): Promise<void> {
    this[Symbol.dispose]();
    return Promise.resolve();
  }

  [Symbol.dispose](): void {
    if (this.root === this) this.#files.removeAll();
    else this.#own.removeSync();
  }
}

/**
 * Create an in-memory test CA: a P-256 root (the fastest key type to make), allowing four levels
 * of intermediates. Nothing is trusted
 * globally: clients trust it through `ca.fetch`, `ca.trustOptions()` or `ca.env()`.
 * Temporary files (from `certFile()` and friends) are removed by `await using` / dispose,
 * and at the latest when the process exits.
 *
 * @example A verified HTTPS request to a node:https, Deno.serve or Bun.serve server
 * ```ts
 * import assert from "node:assert/strict";
 * import { testCA } from "./ca.ts";
 * await using ca = await testCA();
 * const leaf = await ca.issue("localhost", "127.0.0.1");
 * assert.deepEqual(leaf.names, ["DNS:localhost", "IP Address:127.0.0.1"]);
 * assert.equal(leaf.serverOptions().cert, leaf.chain); // for https.createServer(leaf.serverOptions(), …)
 * assert.deepEqual(ca.trustOptions().ca, [ca.cert]); // for https.request(url, ca.trustOptions())
 * const expired = await ca.issue("localhost", { expired: true });
 * assert.ok(expired.notAfter.getTime() < Date.now());
 * ```
 */
export async function testCA(options: TestCAOptions = {}): Promise<TestCA> {
  if (typeof options !== "object" || options === null) {
    throw badOption(
      'testCA(): options must be an object, e.g. testCA({ permit: ["api.example.com"] }).',
    );
  }
  if (options.keyType !== undefined && !CA_KEY_TYPES.includes(options.keyType)) {
    throw badOption(
      `testCA(): keyType must be one of ${CA_KEY_TYPES.join(", ")}, got ${
        JSON.stringify(options.keyType)
      }.`,
    );
  }
  const pathLength = 4;
  const authority = await CertificateAuthority.create({
    now: new Date(Date.now() - BACKDATE_DAYS * DAY),
    keyType: options.keyType,
    nameConstraints: options.nameConstraints ?? (options.permit?.length ? true : false),
    permit: options.permit,
    pathLength,
    owner: "tlsmith/testing",
  });
  return new CA(authority, await authority.keyPem(), pathLength, null);
}
