/**
 * A local certificate authority: a self-signed root (P-256 by default, valid
 * 10 years, pathLen 0, critical name constraints limiting it to local and
 * private names) that issues TLS leaf certificates and signs CSRs.
 *
 * @module
 */

import * as asn1js from "npm:asn1js@^4.0.0";
import * as pkijs from "npm:pkijs@^4.0.0";
import { encodeHex, toArrayBuffer } from "../_internal/bytes.ts";
import { createCertificate } from "../x509/certificate.ts";
import { parseCsr } from "../x509/csr.ts";
import { TlsmithError } from "../errors.ts";
import { readPrivateKey } from "../keys/formats.ts";
import type { Passphrase } from "../keys/encrypt.ts";
import {
  exportPrivateKeyPem,
  generateKeyPair,
  type KeyPair,
  type KeyType,
  keyTypeOf,
} from "../keys/keys.ts";
import { assertNamesPermitted, buildNameConstraints } from "./constraints.ts";
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
import { encodePem } from "../pem.ts";
import { formatName, parseCertificates } from "../x509/verify.ts";
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
  /** Start of validity (default now minus 5 minutes). */
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
  /** The time to check validity at (default now). */
  now?: Date;
}

/** Options of {@linkcode CertificateAuthority.issue}. */
export interface IssueOptions {
  /** Validity in days (default 397, at most 825; never past the CA's own expiry). */
  days?: number;
  /** Also allow TLS client authentication (extKeyUsage clientAuth). */
  client?: boolean;
  /** Key type of the new leaf key (default `ec-p256`). */
  keyType?: KeyType;
  /** Start of validity (default now minus 5 minutes). */
  now?: Date;
}

/** Options of {@linkcode CertificateAuthority.signCsr}. */
export interface SignCsrOptions {
  /** Names to certify instead of those in the CSR. */
  hosts?: readonly string[];
  /** Validity in days (default 397, at most 825). */
  days?: number;
  /** Also allow TLS client authentication. */
  client?: boolean;
  /** File name of the CSR, for messages. */
  source?: string;
  /** Start of validity (default now minus 5 minutes). */
  now?: Date;
}

/** A certificate issued by the CA. */
export interface IssuedCertificate {
  /** The leaf certificate in PEM. */
  cert: string;
  /** The leaf certificate followed by the CA certificate, in PEM (what a server sends). */
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

function isCa(cert: pkijs.Certificate): boolean {
  const ext = cert.extensions?.find((e) => e.extnID === "2.5.29.19");
  if (!ext) return false;
  const seq = asn1js.fromBER(ext.extnValue.valueBlock.valueHexView).result as asn1js.Sequence;
  const first = seq?.valueBlock?.value?.[0];
  return first instanceof asn1js.Boolean && first.getValue() === true;
}

function subjectAttribute(cert: pkijs.Certificate, oid: string): string | undefined {
  const tv = cert.subject.typesAndValues.find((t) => t.type === oid);
  const v = (tv?.value as { valueBlock?: { value?: unknown } } | undefined)?.valueBlock?.value;
  return typeof v === "string" ? v : undefined;
}

async function importPublicKey(spki: pkijs.PublicKeyInfo, source: string): Promise<CryptoKey> {
  const der = toArrayBuffer(new Uint8Array(spki.toSchema().toBER(false)));
  const oid = spki.algorithm.algorithmId;
  let alg: AlgorithmIdentifier | RsaHashedImportParams | EcKeyImportParams;
  if (oid === "1.2.840.10045.2.1") {
    const curve = (spki.algorithm.algorithmParams as asn1js.ObjectIdentifier)?.valueBlock
      ?.toString();
    const named = curve === "1.2.840.10045.3.1.7"
      ? "P-256"
      : curve === "1.3.132.0.34"
      ? "P-384"
      : null;
    if (!named) {
      throw new TlsmithError(
        "UNSUPPORTED_KEY_TYPE",
        `${source}: the CSR's EC key is on curve ${curve}; use P-256 or P-384.`,
      );
    }
    alg = { name: "ECDSA", namedCurve: named };
  } else if (oid === "1.2.840.113549.1.1.1") {
    alg = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
  } else if (oid === "1.3.101.112") {
    alg = { name: "Ed25519" };
  } else {
    throw new TlsmithError(
      "UNSUPPORTED_KEY_TYPE",
      `${source}: the CSR's key (algorithm ${oid}) is not supported; use ECDSA P-256/P-384, RSA or Ed25519.`,
    );
  }
  try {
    return await crypto.subtle.importKey("spki", der, alg, true, ["verify"]);
  } catch (err) {
    throw new TlsmithError(
      "BAD_CSR",
      `${source}: the CSR's public key cannot be imported (${(err as Error).message}).`,
      {
        cause: err,
      },
    );
  }
}

/**
 * The subjectAltNames a CSR asks for, checked and normalized as user input is
 * (lower case, no trailing dot, wildcards only over two labels or more, never
 * an IP address as a DNS name); `BAD_NAME` for any other name, `BAD_CSR` for
 * an iPAddress that is neither 4 nor 16 bytes.
 */
function requestedNames(names: readonly SubjectAltName[], source: string): string[] {
  return names.map((n) => {
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
    }
  });
}

/**
 * A local certificate authority that issues leaf certificates for local and
 * private names.
 *
 * @example Create a CA and issue a certificate for localhost
 * ```ts
 * import { CertificateAuthority } from "./authority.ts";
 * const ca = await CertificateAuthority.create({ owner: "alice@laptop" });
 * const { cert, key, chain } = await ca.issue(["localhost", "127.0.0.1", "::1"]);
 * console.log(ca.subject); // O=tlsmith development CA, OU=alice@laptop, CN=tlsmith development CA …
 * console.log(cert.length > 0, key.includes("PRIVATE KEY"), chain.includes(ca.certPem)); // true true true
 * ```
 */
export class CertificateAuthority {
  readonly #certificate: pkijs.Certificate;
  /** The CA certificate in PEM (what users trust). */
  readonly certPem: string;
  /** The CA's private key. */
  readonly privateKey: CryptoKey;
  /** The CA's key type. */
  readonly keyType: KeyType;
  /** The CA's name constraints, or null when it has none. */
  readonly nameConstraints: NameConstraintSet | null;

  private constructor(certificate: pkijs.Certificate, certPem: string, privateKey: CryptoKey) {
    this.#certificate = certificate;
    this.certPem = certPem;
    this.privateKey = privateKey;
    this.keyType = keyTypeOf(privateKey);
    this.nameConstraints = readNameConstraints(certificate);
  }

  /** The CA's subject in one-line form. */
  get subject(): string {
    return formatName(this.#certificate.subject);
  }

  /** When the CA certificate expires. */
  get notAfter(): Date {
    return this.#certificate.notAfter.value;
  }

  /**
   * Create a new CA with a fresh key.
   *
   * @example A P-384 CA that also permits a company's dev domain
   * ```ts
   * import { CertificateAuthority } from "./authority.ts";
   * const ca = await CertificateAuthority.create({ keyType: "ec-p384", permit: ["dev.example.net"] });
   * console.log(ca.keyType); // ec-p384
   * ```
   */
  static async create(options: CreateAuthorityOptions = {}): Promise<CertificateAuthority> {
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
    const extensions: pkijs.Extension[] = [];
    if (options.nameConstraints !== false) {
      extensions.push(nameConstraintsExtension(buildNameConstraints({ permit: options.permit })));
    } else if (options.permit?.length) {
      throw new TlsmithError(
        "BAD_OPTION",
        "permit has no effect without name constraints: drop --permit or --no-name-constraints.",
      );
    }
    const now = options.now ?? new Date();
    const stamp = now.toISOString().slice(0, 10);
    const random = encodeHex(crypto.getRandomValues(new Uint8Array(3)));
    const keyPair = await generateKeyPair(keyType);
    const { certificate, pem } = await createCertificate({
      keyPair,
      subject: {
        organization: "tlsmith development CA",
        ...(options.owner ? { organizationalUnit: options.owner.slice(0, 64) } : {}),
        commonName: options.commonName ?? `tlsmith development CA ${stamp} ${random}`,
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
   * import { CertificateAuthority } from "./authority.ts";
   * const created = await CertificateAuthority.create();
   * const ca = await CertificateAuthority.load({ cert: created.certPem, key: await created.keyPem() });
   * console.log(ca.subject === created.subject); // true
   * ```
   */
  static async load(options: LoadAuthorityOptions): Promise<CertificateAuthority> {
    const certSource = options.certSource ?? "CA certificate";
    const keySource = options.keySource ?? "CA key";
    const [{ certificate, der }] = parseCertificates(options.cert, certSource);
    if (!isCa(certificate)) {
      throw new TlsmithError(
        "BAD_CERTIFICATE",
        `${certSource}: "${
          formatName(certificate.subject)
        }" is not a CA certificate (basicConstraints CA:TRUE is missing), so it cannot issue certificates. Pass the CA's certificate, or create a CA with \`tlsmith ca init\`.`,
      );
    }
    const now = options.now ?? new Date();
    if (now.getTime() > certificate.notAfter.value.getTime()) {
      throw new TlsmithError(
        "CA_EXPIRED",
        `${certSource}: the CA expired on ${certificate.notAfter.value.toISOString()}. Create a new one with \`tlsmith ca init --force\` and trust it again.`,
      );
    }
    if (now.getTime() < certificate.notBefore.value.getTime()) {
      throw new TlsmithError(
        "BAD_CERTIFICATE",
        `${certSource}: the CA is not valid before ${certificate.notBefore.value.toISOString()}. Check the system clock.`,
      );
    }
    readNameConstraints(certificate, certSource);
    const pair = await readPrivateKey(options.key, {
      passphrase: options.passphrase,
      source: keySource,
    });
    if (!(await certificateMatchesKey(certificate, pair))) {
      throw new TlsmithError(
        "KEY_MISMATCH",
        `${keySource} does not belong to ${certSource}: the public keys differ. Pass the key that was created with this CA.`,
      );
    }
    return new CertificateAuthority(certificate, encodePem("CERTIFICATE", der), pair.privateKey);
  }

  /**
   * The CA's private key as unencrypted PKCS#8 PEM (write it with mode 0600).
   *
   * @example
   * ```ts
   * import { CertificateAuthority } from "./authority.ts";
   * const ca = await CertificateAuthority.create();
   * console.log((await ca.keyPem()).startsWith("-----BEGIN PRIVATE KEY-----")); // true
   * ```
   */
  keyPem(): Promise<string> {
    return exportPrivateKeyPem(this.privateKey);
  }

  /**
   * Check up-front that the CA may certify `hosts`; throws `NAME_NOT_PERMITTED`
   * (naming the host, the permitted set and `--permit`) or `BAD_NAME`.
   * Returns the parsed names.
   *
   * @example
   * ```ts
   * import { CertificateAuthority } from "./authority.ts";
   * const ca = await CertificateAuthority.create();
   * console.log(ca.checkHosts(["app.localhost", "10.1.2.3"]).length); // 2
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
    const caEnd = this.#certificate.notAfter.value.getTime();
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
    options: { days?: number; client?: boolean; now?: Date },
  ): Promise<IssuedCertificate> {
    const { notBefore, notAfter } = this.#leafWindow(options.days, options.now);
    const owner = subjectAttribute(this.#certificate, "2.5.4.11");
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
      clientAuth: options.client === true,
    });
    return { cert: pem, chain: pem + this.certPem, names, notAfter };
  }

  /**
   * Issue a leaf certificate with a new key for `hosts` (DNS names,
   * wildcards, IPs, e-mail addresses, URIs). EKU serverAuth (+ clientAuth with
   * `client`), 397 days by default.
   *
   * @example
   * ```ts
   * import { CertificateAuthority } from "./authority.ts";
   * const ca = await CertificateAuthority.create();
   * const leaf = await ca.issue(["app.localhost", "*.app.localhost"], { days: 30, client: true });
   * console.log(leaf.names.map((n) => n.value)); // [ "app.localhost", "*.app.localhost" ]
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
    return { ...issued, key: await exportPrivateKeyPem(keyPair.privateKey), keyPair };
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
   * import { CertificateAuthority } from "./authority.ts";
   * import { createCsr } from "../x509/csr.ts";
   * import { generateKeyPair } from "../keys/keys.ts";
   * const ca = await CertificateAuthority.create();
   * const csr = await createCsr(await generateKeyPair(), { hosts: ["api.test"] });
   * const { cert } = await ca.signCsr(csr.pem);
   * console.log(cert.startsWith("-----BEGIN CERTIFICATE-----")); // true
   * ```
   */
  async signCsr(
    csr: string | Uint8Array,
    options: SignCsrOptions = {},
  ): Promise<IssuedCertificate> {
    const source = options.source ?? "CSR";
    const info = await parseCsr(csr, { source });
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
    const publicKey = await importPublicKey(
      pkijs.PublicKeyInfo.fromBER(toArrayBuffer(info.publicKeyInfo)),
      source,
    );
    return await this.#sign(names, publicKey, options);
  }
}
