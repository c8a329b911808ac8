/**
 * A local certificate authority: a self-signed root (P-256 by default, valid
 * 10 years, pathLen 0, critical name constraints limiting it to local and
 * private names) that issues TLS leaf certificates and signs CSRs.
 *
 * @module
 */

import { encodeHex } from "../_internal/bytes.ts";
import { CURVES, OID } from "../_internal/oids.ts";
import { createCertificate, type ExtensionInput } from "../x509/certificate.ts";
import { parseCsr } from "../x509/csr.ts";
import { TlsmithError } from "../errors.ts";
import { exportPrivateKey, importPrivateKey, type Passphrase } from "../keys/formats.ts";
import { generateKeyPair, type KeyPair, type KeyType, keyTypeOf } from "../keys/keys.ts";
import {
  assertNamesPermitted,
  buildNameConstraints,
  DEFAULT_PERMITTED_NAMES,
} from "./constraints.ts";
import {
  type NameConstraintSet,
  nameConstraintsExtension,
  readNameConstraints,
} from "../x509/name_constraints.ts";
import {
  formatIpAddress,
  parseHosts,
  parseSubjectAltName,
  type SubjectAltName,
} from "../x509/names.ts";
import { formatGeneralName } from "../x509/general_name.ts";
import { type Certificate, type GeneralName, readCertificates } from "../x509/model.ts";
import { publicKeyInfoFromDer } from "../x509/public_key.ts";
import { encodePem } from "../pem.ts";
import { certificateMatchesKey } from "../x509/match.ts";

/** Key types a CA may use. */
export const CA_KEY_TYPES: readonly KeyType[] = ["ec-p256", "ec-p384", "rsa-3072", "rsa-4096"];

/** Default leaf validity in days (the CA/Browser Forum's former 397-day limit). */
export const DEFAULT_LEAF_DAYS = 397;
/** Longest leaf validity accepted, in days (Apple's limit for locally trusted CAs). */
export const MAX_LEAF_DAYS = 825;

const DAY = 86_400_000;

/** Options of {@linkcode CertificateAuthority.create}. */
export interface CreateAuthorityOptions {
  /** Key type: `ec-p256` (default), `ec-p384`, `rsa-3072` or `rsa-4096`. */
  keyType?: KeyType;
  /** Who owns the CA, e.g. `alice@laptop`; becomes the OU of the subject. */
  owner?: string;
  /** The CN (default `tlsmith development CA <date> <random>`). */
  commonName?: string;
  /** Validity in days (default 3650). */
  days?: number;
  /** basicConstraints pathLen: how many intermediate CAs may follow (default 0). */
  pathLength?: number;
  /** Write name constraints (default true). */
  nameConstraints?: boolean;
  /** Extra domains, IP addresses or CIDR ranges to permit beyond the defaults. */
  permit?: readonly string[];
  /** Start of validity (default 5 minutes ago). */
  notBefore?: Date;
  /** @deprecated Use `notBefore`; the validity then starts 5 minutes before `now`. */
  now?: Date;
}

/** Options of {@linkcode CertificateAuthority.load}. */
export interface LoadAuthorityOptions {
  /** The CA certificate in PEM. */
  cert: string;
  /** The CA private key in PEM (PKCS#8, encrypted PKCS#8, or OpenSSL's other formats). */
  key: string;
  /** The passphrase of an encrypted key. */
  passphrase?: Passphrase;
  /** File name of the certificate, for messages. */
  certSource?: string;
  /** File name of the key, for messages. */
  keySource?: string;
  /** The time to check the CA's validity at (default now). */
  at?: Date;
  /** @deprecated Use `at`. */
  now?: Date;
}

/** Options of {@linkcode CertificateAuthority.issue}. */
export interface IssueOptions {
  /** Validity in days (default 397, at most 825; never past the CA's own expiry). */
  days?: number;
  /** Also allow TLS client authentication (extKeyUsage clientAuth), as `createCertificate` says it. */
  clientAuth?: boolean;
  /** @deprecated Use `clientAuth`. */
  client?: boolean;
  /**
   * Allow TLS server authentication (extKeyUsage serverAuth; default true). `false` with
   * `clientAuth: true` makes a client-only certificate.
   */
  serverAuth?: boolean;
  /** Key type of the new leaf key (default `ec-p256`). */
  keyType?: KeyType;
  /** Start of validity (default 5 minutes ago). */
  notBefore?: Date;
  /** @deprecated Use `notBefore`; the validity then starts 5 minutes before `now`. */
  now?: Date;
}

/** Options of {@linkcode CertificateAuthority.signCsr}. */
export interface SignCsrOptions {
  /** Names to certify instead of those in the CSR. */
  hosts?: readonly string[];
  /** Validity in days (default 397, at most 825). */
  days?: number;
  /** Also allow TLS client authentication (extKeyUsage clientAuth). */
  clientAuth?: boolean;
  /** @deprecated Use `clientAuth`. */
  client?: boolean;
  /** File name of the CSR, for messages. */
  source?: string;
  /** Start of validity (default 5 minutes ago). */
  notBefore?: Date;
  /** @deprecated Use `notBefore`; the validity then starts 5 minutes before `now`. */
  now?: Date;
}

/**
 * Options of {@linkcode CertificateAuthority.createIntermediate}: those of a root but the
 * owner (an intermediate keeps its issuer's). Its validity never reaches past the issuing CA's
 * expiry, and its pathLength must be below the issuing CA's.
 */
export type CreateIntermediateOptions = Omit<CreateAuthorityOptions, "owner">;

/** A certificate issued by the CA. */
export interface IssuedCertificate {
  /** The leaf certificate in PEM. */
  cert: string;
  /**
   * The leaf certificate followed by the CA certificate (and, for an intermediate CA, the CAs
   * above it), in PEM (what a server sends).
   */
  chain: string;
  /** The names in the certificate's subjectAltName. */
  names: SubjectAltName[];
  /** Expiry of the leaf. */
  notAfter: Date;
}

/** A certificate issued by {@linkcode CertificateAuthority.issue}, with its new key. */
export interface IssuedCertificateWithKey extends IssuedCertificate {
  /** The leaf's private key, unencrypted PKCS#8 PEM. */
  key: string;
  /** The leaf's key pair. */
  keyPair: KeyPair;
}

function validDays(days: number | undefined, fallback: number, max: number, what: string): number {
  const d = days ?? fallback;
  if (!Number.isInteger(d) || d < 1) {
    throw new TlsmithError(
      "BAD_OPTION",
      `${what} must be a whole number of days ≥ 1, got ${days}.`,
    );
  }
  if (d > max) {
    throw new TlsmithError(
      "BAD_OPTION",
      `${what} of ${d} days is too long: at most ${max} days is accepted (browsers reject longer-lived certificates). Use --days ${
        Math.min(max, DEFAULT_LEAF_DAYS)
      } or less.`,
    );
  }
  return d;
}

function subjectAttribute(cert: Certificate, oid: string): string | undefined {
  return cert.subject.rdns.flat().find((a) => a.oid === oid)?.value;
}

/** The WebCrypto key of a CSR's SubjectPublicKeyInfo (EC P-256/P-384, RSA, Ed25519). */
async function importPublicKey(spkiDer: Uint8Array, source: string): Promise<CryptoKey> {
  const spki = publicKeyInfoFromDer(spkiDer, "CSR's public key");
  let alg: AlgorithmIdentifier | RsaHashedImportParams | EcKeyImportParams;
  const curve = Object.values(CURVES).find((c) => c.name === spki.curve);
  if (spki.kind === "ec") {
    if (curve?.name !== "P-256" && curve?.name !== "P-384") {
      throw new TlsmithError(
        "UNSUPPORTED_KEY_TYPE",
        `${source}: the CSR's EC key is on curve ${spki.curve}; use P-256 or P-384.`,
      );
    }
    alg = { name: "ECDSA", namedCurve: curve.name };
  } else if (spki.kind === "rsa") {
    alg = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
  } else if (spki.kind === "ed25519") {
    alg = { name: "Ed25519" };
  } else {
    throw new TlsmithError(
      "UNSUPPORTED_KEY_TYPE",
      `${source}: the CSR's key (${spki.keyType}) is not supported; use ECDSA P-256/P-384, RSA or Ed25519.`,
    );
  }
  try {
    return await crypto.subtle.importKey("spki", new Uint8Array(spki.der), alg, true, ["verify"]);
  } catch (err) {
    throw new TlsmithError(
      "BAD_CSR",
      `${source}: the CSR's public key cannot be imported (${(err as Error).message}).`,
      { cause: err },
    );
  }
}

/**
 * The subjectAltNames a CSR asks for, checked and normalized as user input is
 * (lower case, no trailing dot, wildcards only over two labels or more, never
 * an IP address as a DNS name); `BAD_NAME` for any other name, `BAD_CSR` for
 * a name that is not well formed for its type (never repaired) or of a type the
 * CA does not certify (otherName, directoryName, …).
 */
function requestedNames(names: readonly GeneralName[], source: string): string[] {
  return names.map((n) => {
    // Case and a trailing dot are normalized below as for user input; anything that would be
    // repaired silently (white space trimmed, non-ASCII bytes turned into an IDN) is refused.
    if (
      (n.type === "dns" || n.type === "email" || n.type === "uri") &&
      (!/^[\x20-\x7e]*$/.test(n.value) || n.value.trim() !== n.value)
    ) {
      throw new TlsmithError(
        "BAD_CSR",
        `${source}: the CSR asks for the malformed name ${
          formatGeneralName(n)
        }. Re-create the CSR with valid names, or name the hosts with --host.`,
      );
    }
    switch (n.type) {
      case "dns":
        return `DNS:${n.value}`;
      case "email":
        return `email:${n.value}`;
      case "uri":
        return `URI:${n.value}`;
      case "ip":
        if (n.bytes?.length !== 4 && n.bytes?.length !== 16) {
          throw new TlsmithError(
            "BAD_CSR",
            `${source}: the CSR asks for an IP address of ${n.bytes?.length} bytes (${n.value}); an IPv4 address has 4 and an IPv6 address 16. Re-create the CSR.`,
          );
        }
        return `IP:${formatIpAddress(n.bytes)}`;
      default:
        throw new TlsmithError(
          "BAD_CSR",
          `${source}: the CSR asks for ${
            formatGeneralName(n)
          }; tlsmith certifies DNS names, IP addresses, e-mail addresses and URIs only. Name the hosts with --host, or re-create the CSR.`,
        );
    }
  });
}

/** The reference time of a new certificate: `notBefore` + 5 minutes, or (deprecated) `now`. */
function referenceTime(options: { notBefore?: Date; now?: Date }): Date {
  if (options.notBefore !== undefined) return new Date(options.notBefore.getTime() + 5 * 60_000);
  return options.now ?? new Date();
}

/** The checked key type, validity, path length and name-constraint extension of a new CA. */
function caProfile(options: CreateAuthorityOptions | CreateIntermediateOptions): {
  keyType: KeyType;
  days: number;
  pathLength: number;
  extensions: ExtensionInput[];
} {
  const keyType = options.keyType ?? "ec-p256";
  if (!CA_KEY_TYPES.includes(keyType)) {
    throw new TlsmithError(
      "BAD_OPTION",
      `a CA key must be one of ${CA_KEY_TYPES.join(", ")}, got ${JSON.stringify(keyType)}${
        keyType === "ed25519" ? " (browsers do not accept Ed25519 certificates)" : ""
      }.`,
    );
  }
  const days = options.days ?? 3650;
  if (!Number.isInteger(days) || days < 1 || days > 36500) {
    throw new TlsmithError(
      "BAD_OPTION",
      `CA validity must be 1 to 36500 days, got ${options.days}.`,
    );
  }
  const pathLength = options.pathLength ?? 0;
  if (!Number.isInteger(pathLength) || pathLength < 0 || pathLength > 8) {
    throw new TlsmithError("BAD_OPTION", `pathLength must be 0 to 8, got ${options.pathLength}.`);
  }
  const extensions: ExtensionInput[] = [];
  if (options.nameConstraints !== false) {
    extensions.push(nameConstraintsExtension(buildNameConstraints({ permit: options.permit })));
  } else if (options.permit?.length) {
    throw new TlsmithError(
      "BAD_OPTION",
      "permit has no effect without name constraints: drop --permit or --no-name-constraints.",
    );
  }
  return { keyType, days, pathLength, extensions };
}

/** `<prefix> <date> <6 random hex digits>`: a CA name that differs between CAs. */
function caCommonName(prefix: string, now: Date): string {
  const random = encodeHex(crypto.getRandomValues(new Uint8Array(3)));
  return `${prefix} ${now.toISOString().slice(0, 10)} ${random}`;
}

/**
 * A local certificate authority that issues leaf certificates for local and
 * private names.
 *
 * @example Create a CA and issue a certificate for localhost
 * ```ts
 * import assert from "node:assert/strict";
 * import { CertificateAuthority } from "./authority.ts";
 * const ca = await CertificateAuthority.create({ owner: "alice@laptop" });
 * const { cert, key, chain } = await ca.issue(["localhost", "127.0.0.1", "::1"]);
 * assert.match(ca.subject, /^CN=tlsmith development CA .*, OU=alice@laptop, O=tlsmith development CA$/);
 * assert.ok(key.startsWith("-----BEGIN PRIVATE KEY-----"));
 * assert.equal(chain, cert + ca.certPem); // what a server presents: the leaf, then the CA
 * ```
 */
export class CertificateAuthority {
  /** Key types a CA may use: `ec-p256` (the default), `ec-p384`, `rsa-3072`, `rsa-4096`. */
  static readonly KEY_TYPES: readonly KeyType[] = CA_KEY_TYPES;
  /** Default leaf validity in days (397, the CA/Browser Forum's former limit). */
  static readonly DEFAULT_LEAF_DAYS: number = DEFAULT_LEAF_DAYS;
  /** Longest leaf validity accepted, in days (825, Apple's limit for locally trusted CAs). */
  static readonly MAX_LEAF_DAYS: number = MAX_LEAF_DAYS;
  /** The names a new CA is limited to unless told otherwise (its name constraints). */
  static readonly DEFAULT_PERMITTED_NAMES: readonly string[] = DEFAULT_PERMITTED_NAMES;

  readonly #certificate: Certificate;
  /** The CA certificate in PEM (what users trust). */
  readonly certPem: string;
  /** The CA's private key. */
  readonly privateKey: CryptoKey;
  /** The CA's key type. */
  readonly keyType: KeyType;
  /** The CA's name constraints, or null when it has none. */
  readonly nameConstraints: NameConstraintSet | null;
  /**
   * For an intermediate made by {@linkcode CertificateAuthority.createIntermediate}: the
   * certificates of the CAs above it (issuer first, root last) in PEM; "" for a root.
   */
  readonly issuersPem: string;

  private constructor(
    certificate: Certificate,
    certPem: string,
    privateKey: CryptoKey,
    issuersPem = "",
  ) {
    this.#certificate = certificate;
    this.certPem = certPem;
    this.privateKey = privateKey;
    this.keyType = keyTypeOf(privateKey);
    this.nameConstraints = readNameConstraints(certificate);
    this.issuersPem = issuersPem;
  }

  /** The CA certificate in PEM (what users trust): the same as `certPem`. */
  get cert(): string {
    return this.certPem;
  }

  /** The CA's subject in the one RFC 4514 form (`CN=…, OU=…, O=…`). */
  get subject(): string {
    return this.#certificate.subject.text;
  }

  /** When the CA certificate expires. */
  get notAfter(): Date {
    return this.#certificate.notAfter;
  }

  /** The CA certificate, read into the certificate model. */
  get certificate(): Certificate {
    return this.#certificate;
  }

  /**
   * Create a new CA with a fresh key.
   *
   * @example A P-384 CA that also permits a company's dev domain
   * ```ts
   * import assert from "node:assert/strict";
   * import { CertificateAuthority } from "./authority.ts";
   * const ca = await CertificateAuthority.create({ keyType: "ec-p384", permit: ["dev.example.net"] });
   * assert.equal(ca.keyType, "ec-p384");
   * assert.equal(ca.checkHosts(["api.dev.example.net"]).length, 1);
   * assert.throws(() => ca.checkHosts(["example.com"]), { code: "NAME_NOT_PERMITTED" });
   * ```
   */
  static async create(options: CreateAuthorityOptions = {}): Promise<CertificateAuthority> {
    const { keyType, days, pathLength, extensions } = caProfile(options);
    const now = referenceTime(options);
    const keyPair = await generateKeyPair(keyType);
    const { certificate, pem } = await createCertificate({
      keyPair,
      subject: {
        organization: "tlsmith development CA",
        ...(options.owner ? { organizationalUnit: options.owner.slice(0, 64) } : {}),
        commonName: options.commonName ?? caCommonName("tlsmith development CA", now),
      },
      isCa: true,
      pathLength,
      notBefore: new Date(now.getTime() - 5 * 60_000),
      notAfter: new Date(now.getTime() + days * DAY),
      extensions,
    });
    return new CertificateAuthority(certificate, pem, keyPair.privateKey);
  }

  /**
   * Load a CA from its certificate and key (PEM). Throws `KEY_MISMATCH` when
   * the key does not belong to the certificate, `BAD_CERTIFICATE` when it is
   * not a CA, `CA_EXPIRED` when it has expired, `PASSPHRASE_REQUIRED` /
   * `WRONG_PASSPHRASE` for an encrypted key.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { CertificateAuthority } from "./authority.ts";
   * const created = await CertificateAuthority.create();
   * const ca = await CertificateAuthority.load({ cert: created.certPem, key: await created.keyPem() });
   * assert.equal(ca.subject, created.subject);
   * const other = await CertificateAuthority.create();
   * await assert.rejects(
   *   CertificateAuthority.load({ cert: created.certPem, key: await other.keyPem() }),
   *   { code: "KEY_MISMATCH" },
   * );
   * ```
   */
  static async load(options: LoadAuthorityOptions): Promise<CertificateAuthority> {
    const certSource = options.certSource ?? "CA certificate";
    const keySource = options.keySource ?? "CA key";
    const [certificate] = readCertificates(options.cert, certSource);
    if (certificate.basicConstraints?.ca !== true) {
      throw new TlsmithError(
        "BAD_CERTIFICATE",
        `${certSource}: "${certificate.subject.text}" is not a CA certificate (basicConstraints CA:TRUE is missing), so it cannot issue certificates. Pass the CA's certificate, or create a CA with \`tlsmith ca init\`.`,
      );
    }
    const now = options.at ?? options.now ?? new Date();
    if (now.getTime() > certificate.notAfter.getTime()) {
      throw new TlsmithError(
        "CA_EXPIRED",
        `${certSource}: the CA expired on ${certificate.notAfter.toISOString()}. Create a new one with \`tlsmith ca init --force\` and trust it again.`,
      );
    }
    if (now.getTime() < certificate.notBefore.getTime()) {
      throw new TlsmithError(
        "BAD_CERTIFICATE",
        `${certSource}: the CA is not valid before ${certificate.notBefore.toISOString()}. Check the system clock.`,
      );
    }
    const pair = await importPrivateKey(options.key, {
      passphrase: options.passphrase,
      source: keySource,
    });
    if (!(await certificateMatchesKey(certificate, pair))) {
      throw new TlsmithError(
        "KEY_MISMATCH",
        `${keySource} does not belong to ${certSource}: the public keys differ. Pass the key that was created with this CA.`,
      );
    }
    return new CertificateAuthority(
      certificate,
      encodePem("CERTIFICATE", certificate.der),
      pair.privateKey,
    );
  }

  /**
   * The CA's private key as unencrypted PKCS#8 PEM (write it with mode 0600).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { CertificateAuthority } from "./authority.ts";
   * const ca = await CertificateAuthority.create();
   * assert.ok((await ca.keyPem()).startsWith("-----BEGIN PRIVATE KEY-----"));
   * ```
   */
  keyPem(): Promise<string> {
    return exportPrivateKey(this.privateKey);
  }

  /**
   * Check up-front that the CA may certify `hosts`; throws `NAME_NOT_PERMITTED`
   * (naming the host, the permitted set and `--permit`) or `BAD_NAME`.
   * Returns the parsed names.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { CertificateAuthority } from "./authority.ts";
   * const ca = await CertificateAuthority.create();
   * assert.deepEqual(ca.checkHosts(["app.localhost", "10.1.2.3"]).map((n) => n.type), ["dns", "ip"]);
   * assert.throws(() => ca.checkHosts(["www.example.com"]), { code: "NAME_NOT_PERMITTED" });
   * ```
   */
  checkHosts(hosts: readonly (string | SubjectAltName)[]): SubjectAltName[] {
    const names = hosts.some((h) => typeof h !== "string")
      ? hosts.map((h) => typeof h === "string" ? parseSubjectAltName(h) : h)
      : parseHosts(hosts as string[]);
    if (names.length === 0) {
      throw new TlsmithError(
        "BAD_OPTION",
        "no host names given: pass at least one, e.g. localhost 127.0.0.1 ::1.",
      );
    }
    if (this.nameConstraints) assertNamesPermitted(names, this.nameConstraints);
    return names;
  }

  #leafWindow(days: number | undefined, now: Date | undefined) {
    const d = validDays(days, DEFAULT_LEAF_DAYS, MAX_LEAF_DAYS, "the certificate validity");
    const start = now ?? new Date();
    const caEnd = this.#certificate.notAfter.getTime();
    if (start.getTime() >= caEnd) {
      throw new TlsmithError(
        "CA_EXPIRED",
        `the CA expired on ${this.notAfter.toISOString()}; create a new one.`,
      );
    }
    return {
      notBefore: new Date(start.getTime() - 5 * 60_000),
      notAfter: new Date(Math.min(start.getTime() + d * DAY, caEnd)),
    };
  }

  async #sign(
    names: SubjectAltName[],
    publicKey: CryptoKey,
    options: {
      days?: number;
      clientAuth?: boolean;
      client?: boolean;
      serverAuth?: boolean;
      notBefore?: Date;
      now?: Date;
    },
  ): Promise<IssuedCertificate> {
    const { notBefore, notAfter } = this.#leafWindow(options.days, referenceTime(options));
    const owner = subjectAttribute(this.#certificate, OID.organizationalUnitName);
    const firstDns = names.find((n) => n.type === "dns" && n.value.length <= 64);
    const { pem } = await createCertificate({
      publicKey,
      issuer: { certificate: this.#certificate, privateKey: this.privateKey },
      subject: {
        organization: "tlsmith development certificate",
        ...(owner ? { organizationalUnit: owner } : {}),
        // The CN repeats a permitted DNS name (OpenSSL checks a host-like CN against the constraints).
        ...(firstDns ? { commonName: firstDns.value } : {}),
      },
      hosts: names,
      notBefore,
      notAfter,
      clientAuth: (options.clientAuth ?? options.client) === true,
      serverAuth: options.serverAuth !== false,
    });
    return { cert: pem, chain: pem + this.certPem + this.issuersPem, names, notAfter };
  }

  /**
   * Issue a leaf certificate with a new key for `hosts` (DNS names,
   * wildcards, IPs, e-mail addresses, URIs). EKU serverAuth (+ clientAuth with
   * `client`), 397 days by default.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { CertificateAuthority } from "./authority.ts";
   * const ca = await CertificateAuthority.create();
   * const leaf = await ca.issue(["app.localhost", "*.app.localhost"], { days: 30, clientAuth: true });
   * assert.deepEqual(leaf.names.map((n) => n.value), ["app.localhost", "*.app.localhost"]);
   * const days = (leaf.notAfter.getTime() - Date.now()) / 86_400_000;
   * assert.ok(days > 29 && days <= 30);
   * ```
   */
  async issue(
    hosts: readonly (string | SubjectAltName)[],
    options: IssueOptions = {},
  ): Promise<IssuedCertificateWithKey> {
    const names = this.checkHosts(hosts);
    validDays(options.days, DEFAULT_LEAF_DAYS, MAX_LEAF_DAYS, "the certificate validity");
    const keyPair = await generateKeyPair(options.keyType ?? "ec-p256");
    const issued = await this.#sign(names, keyPair.publicKey, options);
    return { ...issued, key: await exportPrivateKey(keyPair.privateKey), keyPair };
  }

  /**
   * Create an intermediate CA signed by this one, with a fresh key. Its leaves' `chain` holds
   * the leaf, the intermediate and the CAs above it. This CA's pathLength must allow it
   * (`BAD_OPTION` otherwise: create the root with `pathLength: 1` or more).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { CertificateAuthority } from "./authority.ts";
   * const root = await CertificateAuthority.create({ pathLength: 1 });
   * const intermediate = await root.createIntermediate();
   * const { chain } = await intermediate.issue(["localhost"]);
   * assert.equal(chain.split("BEGIN CERTIFICATE").length - 1, 3); // leaf, intermediate, root
   * assert.equal(intermediate.issuersPem, root.certPem);
   * ```
   */
  async createIntermediate(options: CreateIntermediateOptions = {}): Promise<CertificateAuthority> {
    const { keyType, days, pathLength, extensions } = caProfile(options);
    const limit = this.#certificate.basicConstraints?.pathLength;
    if (limit !== undefined && pathLength >= limit) {
      throw new TlsmithError(
        "BAD_OPTION",
        limit === 0
          ? `the CA "${this.subject}" has pathLength 0: it may not sign an intermediate CA. Create it with pathLength 1 or more.`
          : `an intermediate of the CA "${this.subject}" (pathLength ${limit}) may have a pathLength of at most ${
            limit - 1
          }, got ${pathLength}.`,
      );
    }
    const now = referenceTime(options);
    if (now.getTime() >= this.notAfter.getTime()) {
      throw new TlsmithError(
        "CA_EXPIRED",
        `the CA expired on ${this.notAfter.toISOString()}; create a new one.`,
      );
    }
    const keyPair = await generateKeyPair(keyType);
    const owner = subjectAttribute(this.#certificate, OID.organizationalUnitName);
    const { certificate, pem } = await createCertificate({
      publicKey: keyPair.publicKey,
      issuer: { certificate: this.#certificate, privateKey: this.privateKey },
      subject: {
        organization: "tlsmith development CA",
        ...(owner ? { organizationalUnit: owner } : {}),
        commonName: options.commonName ?? caCommonName("tlsmith intermediate CA", now),
      },
      isCa: true,
      pathLength,
      notBefore: new Date(now.getTime() - 5 * 60_000),
      notAfter: new Date(Math.min(now.getTime() + days * DAY, this.notAfter.getTime())),
      extensions,
    });
    return new CertificateAuthority(
      certificate,
      pem,
      keyPair.privateKey,
      this.certPem + this.issuersPem,
    );
  }

  /**
   * Sign a PKCS#10 CSR (ours or `openssl req -new`). The signature must
   * verify (`CSR_SIGNATURE_INVALID`); the names come from `hosts`, else the
   * CSR's subjectAltName, else its CN when that is a host name; they must be
   * within the name constraints. Only the names and the public key are taken
   * from the request: no requested extension (CA:TRUE, key usages…) is copied.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { CertificateAuthority } from "./authority.ts";
   * import { createCsr } from "../x509/csr.ts";
   * import { generateKeyPair } from "../keys/keys.ts";
   * const ca = await CertificateAuthority.create();
   * const csr = await createCsr(await generateKeyPair(), { hosts: ["api.test"] });
   * const { cert, names } = await ca.signCsr(csr.pem);
   * assert.ok(cert.startsWith("-----BEGIN CERTIFICATE-----"));
   * assert.deepEqual(names.map((n) => n.value), ["api.test"]);
   * ```
   */
  async signCsr(
    csr: string | Uint8Array,
    options: SignCsrOptions = {},
  ): Promise<IssuedCertificate> {
    const source = options.source ?? "CSR";
    const info = await parseCsr(csr, { source });
    if (info.signatureRefused) {
      throw new TlsmithError(
        "UNSUPPORTED_ALGORITHM",
        `${source}: the CSR is signed with ${info.signatureAlgorithm}, an algorithm tlsmith refuses (${info.signatureRefused}). The CSR is not damaged: create it again with a current algorithm (\`openssl req -new -sha256\`, or \`tlsmith csr\`).`,
      );
    }
    if (!info.signatureValid) {
      throw new TlsmithError(
        "CSR_SIGNATURE_INVALID",
        `${source}: the CSR's signature does not verify with its own public key: it was altered or damaged. Create the CSR again.`,
      );
    }
    let names: SubjectAltName[];
    if (options.hosts?.length) {
      names = this.checkHosts(options.hosts);
    } else if (info.subjectAltNames.length) {
      names = this.checkHosts(requestedNames(info.subjectAltNames, source));
    } else {
      let cnName: SubjectAltName | null = null;
      try {
        cnName = info.commonName ? parseSubjectAltName(info.commonName) : null;
      } catch {
        cnName = null;
      }
      if (!cnName || (cnName.type !== "dns" && cnName.type !== "ip")) {
        throw new TlsmithError(
          "BAD_CSR",
          `${source}: the CSR has no subjectAltName and its subject (${
            info.subject || "empty"
          }) has no host name as CN. Name the hosts: \`tlsmith sign ${source} --host NAME\`, or create the CSR with a subjectAltName.`,
        );
      }
      names = this.checkHosts([cnName]);
    }
    validDays(options.days, DEFAULT_LEAF_DAYS, MAX_LEAF_DAYS, "the certificate validity");
    const publicKey = await importPublicKey(info.publicKeyInfo, source);
    return await this.#sign(names, publicKey, options);
  }
}
