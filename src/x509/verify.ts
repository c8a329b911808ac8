/**
 * Certificate chain verification (RFC 5280 path validation, the `openssl verify -x509_strict`
 * checks, and Go's name-constraint strictness), over the parsed-certificate model.
 *
 * Path building: from the leaf, every certificate whose subject is byte-for-byte the issuer
 * name, and whose subjectKeyIdentifier fits the authorityKeyIdentifier where both are present, is
 * a candidate issuer (trusted ones first); every candidate path is tried, depth first in an order
 * that depends only on the certificates (never on the order they were given in), and every check
 * runs per path: the first path that passes is the answer, otherwise the failure of the path that
 * got furthest. The search is bounded ({@linkcode VERIFY_LIMITS}): path length, signature checks
 * (each certificate is checked once per issuer key) and search steps; issuers are found through
 * an index by subject, so the time grows linearly with the size of the bundles.
 *
 * @module
 */

import { encodeHex, equalBytes } from "../_internal/bytes.ts";
import { parseDer, readBitString, TAG } from "../_internal/der.ts";
import { EXTENDED_KEY_USAGES, EXTENSION_NAMES, OID } from "../_internal/oids.ts";
import { TlsmithError } from "../errors.ts";
import { matchesHost } from "./match.ts";
import { type Certificate, type GeneralName, readCertificates } from "./model.ts";
import {
  checkName,
  type ConstrainedName,
  constraintSetOf,
  type NameConstraintSet,
  nameSyntaxProblem,
} from "./name_constraints.ts";
import { type SignatureCheck, verifySignature } from "./signature.ts";

/** Certificates as PEM text (one or more blocks), DER bytes, or a list of either. */
export type CertificateInput = string | Uint8Array | readonly (string | Uint8Array)[];

/** Why a chain failed. */
export type VerifyFailureCode =
  | "NO_ISSUER"
  | "BAD_SIGNATURE"
  | "EXPIRED"
  | "NOT_YET_VALID"
  | "NOT_A_CA"
  | "PATH_LENGTH_EXCEEDED"
  | "PATH_TOO_LONG"
  | "SEARCH_LIMIT"
  | "KEY_USAGE"
  | "PURPOSE"
  | "NAME_CONSTRAINTS"
  | "HOST_MISMATCH"
  | "STRICT"
  | "UNSUPPORTED"
  | "INVALID_EXTENSION";

/** Options of {@linkcode verifyChain}. */
export interface VerifyChainOptions {
  /** The leaf certificate. When PEM holds several blocks, the rest are used as the chain. */
  leaf: CertificateInput;
  /** Intermediate certificates (untrusted), in any order. */
  chain?: CertificateInput;
  /** Trust anchors (e.g. the CA's `ca.pem`). A trusted certificate ends the path. */
  trusted: CertificateInput;
  /** A DNS name (wildcards match one leftmost label) or an IP address (iPAddress SANs only). */
  host?: string;
  /** The time to verify at (default now). */
  at?: Date;
  /** Required extended key usage of the leaf: `server` (default), `client` or `any`. */
  purpose?: "server" | "client" | "any";
  /**
   * OpenSSL `-x509_strict` checks (default true), on paths of two certificates or more: CA
   * basicConstraints critical, CA keyUsage present, pathLen only on CAs with keyCertSign,
   * keyCertSign only on CAs, subjectKeyIdentifier on CAs, an authorityKeyIdentifier with a key
   * identifier on every certificate but the trust anchor, a non-empty issuer, a non-empty subject
   * (or a critical subjectAltName), no empty subjectAltName, named EC curves only.
   */
  strict?: boolean;
  /** File names of `leaf`, `chain` and `trusted`, used in error messages. */
  sources?: { leaf?: string; chain?: string; trusted?: string };
}

/** One certificate of a verified path. */
export interface PathCertificate {
  /** Subject in RFC 4514 form, most specific first, e.g. `CN=localhost, O=tlsmith`. */
  subject: string;
  /** Issuer in the same form. */
  issuer: string;
  /** The DER bytes. */
  der: Uint8Array;
}

/** Result of {@linkcode verifyChain}: a path, or the most specific problem found. */
export type VerifyChainResult =
  | { ok: true; path: PathCertificate[] }
  | {
    ok: false;
    /** A stable failure code. */
    code: VerifyFailureCode;
    /** What is wrong, in words, naming the certificate. */
    reason: string;
    /** Position of the offending certificate (0 = leaf), when known. */
    depth?: number;
  };

/** The bounds of {@linkcode verifyChain}'s path search. */
export const VERIFY_LIMITS = Object.freeze({
  /** Longest path, in certificates: the leaf, up to 8 intermediate CAs, the trust anchor. */
  maxPathCertificates: 10,
  /** Most signature checks in one verification (each certificate once per issuer key). */
  maxSignatureChecks: 100,
  /** Most issuer candidates tried in one verification (over all paths). */
  maxSearchSteps: 1000,
});

// ---------------------------------------------------------------------------
// Facts read off one certificate

const KU = {
  digitalSignature: "digitalSignature",
  keyEncipherment: "keyEncipherment",
  keyAgreement: "keyAgreement",
  keyCertSign: "keyCertSign",
  cRLSign: "cRLSign",
} as const;

/** Extensions verifyChain understands; any other one marked critical makes a certificate unusable. */
const HANDLED_EXTENSIONS: ReadonlySet<string> = new Set([
  OID.subjectKeyIdentifier,
  OID.keyUsage,
  OID.subjectAltName,
  OID.basicConstraints,
  OID.nameConstraints,
  OID.cRLDistributionPoints,
  OID.certificatePolicies, // any policy is accepted, as without -policy_check
  OID.extKeyUsage,
  OID.authorityKeyIdentifier,
]);

/** Extensions RFC 5280 requires to be non-critical (OpenSSL and tlsmith refuse them when critical). */
const NEVER_CRITICAL: ReadonlySet<string> = new Set([
  OID.subjectKeyIdentifier,
  OID.authorityKeyIdentifier,
  OID.authorityInfoAccess,
]);

/** Netscape certificate type bits (OpenSSL still honours the extension for the TLS purposes). */
const NS_SSL_CLIENT = 0x80;
const NS_SSL_SERVER = 0x40;

/** One certificate in the search: the facts and where it came from. */
interface Node {
  readonly cert: Certificate;
  /** In `trusted`: a trust anchor that ends the path. */
  trusted: boolean;
  /** Rank in an order that depends only on the DER (for a deterministic search). */
  rank: number;
  /** Subject and issuer are the same name. */
  readonly selfIssued: boolean;
}

function extensionOf(cert: Certificate, oid: string) {
  return cert.extensions.find((e) => e.oid === oid);
}

function hasKeyUsage(cert: Certificate, usage: string): boolean {
  return cert.keyUsage?.includes(usage) ?? false;
}

/** The Netscape certificate type bits, or null without the extension. */
function netscapeCertType(cert: Certificate): number | null {
  const ext = extensionOf(cert, OID.netscapeCertType);
  if (!ext) return null;
  try {
    return readBitString(parseDer(ext.value, "nsCertType"), "nsCertType").bytes[0] ?? 0;
  } catch {
    return 0;
  }
}

function label(node: Node, depth: number): string {
  return `${depth === 0 ? "the leaf" : "the CA"} certificate "${
    node.cert.subject.text || "(empty subject)"
  }"`;
}

function generalNameText(n: GeneralName): string {
  switch (n.type) {
    case "dns":
      return `DNS name ${JSON.stringify(n.value)}`;
    case "email":
      return `e-mail address ${JSON.stringify(n.value)}`;
    case "uri":
      return `URI ${JSON.stringify(n.value)}`;
    case "ip":
      return `IP address ${n.value}`;
    default:
      return n.type;
  }
}

/** The names of the types name constraints evaluate, as {@linkcode ConstrainedName}s. */
function constrainedSans(cert: Certificate): ConstrainedName[] {
  const out: ConstrainedName[] = [];
  for (const n of cert.subjectAltNames) {
    if (n.type === "dns" || n.type === "email" || n.type === "uri") {
      out.push({ type: n.type, value: n.value });
    } else if (n.type === "ip") {
      out.push({ type: "ip", value: n.value, bytes: n.bytes });
    }
  }
  return out;
}

/**
 * OpenSSL's test of whether a subject CN is meant as a DNS name (`cn2dnsid`): letters, digits,
 * `_`, and `-` or `.` inside, never two dots or a dot next to a hyphen, and at least one dot.
 */
function cnAsDnsName(cn: string): string | null {
  const label = "[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?";
  return new RegExp(`^${label}(?:\\.${label})+$`).test(cn) ? cn : null;
}

// ---------------------------------------------------------------------------
// The checks of one complete path (leaf first, trust anchor last)

type Failure = Extract<VerifyChainResult, { ok: false }>;

function fail(code: VerifyFailureCode, reason: string, depth?: number): Failure {
  return { ok: false, code, reason, depth };
}

const EKU_FOR: Record<"server" | "client", string> = {
  server: OID.serverAuth,
  client: OID.clientAuth,
};

interface PathContext {
  at: Date;
  purpose: "server" | "client" | "any";
  strict: boolean;
  host?: string;
}

function checkValidity(path: readonly Node[], at: Date): Failure | null {
  for (let i = 0; i < path.length; i++) {
    const c = path[i].cert;
    if (at.getTime() > c.notAfter.getTime()) {
      return fail(
        "EXPIRED",
        `${label(path[i], i)} expired on ${c.notAfter.toISOString()}. ${
          i === 0 ? "Issue a new one." : "Renew it (or pass its renewed copy)."
        }`,
        i,
      );
    }
    if (at.getTime() < c.notBefore.getTime()) {
      return fail(
        "NOT_YET_VALID",
        `${label(path[i], i)} is not valid before ${c.notBefore.toISOString()}. Check the clock.`,
        i,
      );
    }
  }
  return null;
}

function checkExtensions(path: readonly Node[]): Failure | null {
  for (let i = 0; i < path.length; i++) {
    const c = path[i].cert;
    if (c.duplicateExtensions.length) {
      return fail(
        "INVALID_EXTENSION",
        `${label(path[i], i)} has the ${
          EXTENSION_NAMES[c.duplicateExtensions[0]] ?? c.duplicateExtensions[0]
        } extension twice (RFC 5280 §4.2), so it cannot be trusted. Re-issue it.`,
        i,
      );
    }
    if (!equalBytes(c.signatureAlgorithm.der, c.tbsSignatureAlgorithm.der)) {
      return fail(
        "BAD_SIGNATURE",
        `${
          label(path[i], i)
        } names the signature algorithm ${c.tbsSignatureAlgorithm.oid} in its signed body but ${c.signatureAlgorithm.oid} outside it (RFC 5280 §4.1.1.2): the certificate was altered or badly made.`,
        i,
      );
    }
    for (const n of c.subjectAltNames) {
      if (n.type !== "dns" && n.type !== "email" && n.type !== "uri" && n.type !== "ip") continue;
      const problem = nameSyntaxProblem(
        n.type === "ip" ? { type: "ip", value: n.value, bytes: n.bytes } : n,
      );
      if (problem) {
        return fail(
          "INVALID_EXTENSION",
          `${label(path[i], i)} has a subjectAltName ${
            generalNameText(n)
          } that ${problem}, so its names cannot be trusted. Re-issue it with well-formed names.`,
          i,
        );
      }
    }
    const san = extensionOf(c, OID.subjectAltName);
    if (san && c.subjectAltNames.length === 0) {
      return fail(
        "INVALID_EXTENSION",
        `${
          label(path[i], i)
        } has an empty subjectAltName extension (RFC 5280 §4.2.1.6). Re-issue it.`,
        i,
      );
    }
    for (const e of c.extensions) {
      if (!e.critical) continue;
      if (NEVER_CRITICAL.has(e.oid)) {
        return fail(
          "UNSUPPORTED",
          `${label(path[i], i)} marks its ${
            EXTENSION_NAMES[e.oid]
          } extension critical, but it must not be critical (RFC 5280).`,
          i,
        );
      }
      if (!HANDLED_EXTENSIONS.has(e.oid)) {
        return fail(
          "UNSUPPORTED",
          `${label(path[i], i)} has a critical extension ${
            EXTENSION_NAMES[e.oid] ?? e.oid
          } that tlsmith does not understand, so it must be rejected (RFC 5280 §4.2).`,
          i,
        );
      }
    }
  }
  return null;
}

function checkCas(path: readonly Node[], purpose: PathContext["purpose"]): Failure | null {
  for (let i = 1; i < path.length; i++) {
    const ca = path[i];
    const c = ca.cert;
    if (!c.basicConstraints?.ca) {
      return fail(
        "NOT_A_CA",
        `${label(ca, i)} is not a CA (basicConstraints CA:TRUE is missing) but issued "${
          path[i - 1].cert.subject.text
        }".`,
        i,
      );
    }
    if (c.keyUsage && !hasKeyUsage(c, KU.keyCertSign)) {
      return fail(
        "KEY_USAGE",
        `${label(ca, i)} has a keyUsage without keyCertSign, so it may not sign certificates.`,
        i,
      );
    }
    const limit = c.basicConstraints.pathLength;
    // Every CA below this one counts, self-issued ones too (as Go counts them).
    if (limit !== undefined && i - 1 > limit) {
      return fail(
        "PATH_LENGTH_EXCEEDED",
        `${
          label(ca, i)
        } allows ${limit} intermediate CA(s) below it (pathLen ${limit}) but the path has ${
          i - 1
        }.`,
        i,
      );
    }
    if (purpose !== "any" && c.extKeyUsage && !c.extKeyUsage.includes(EKU_FOR[purpose])) {
      return fail(
        "PURPOSE",
        `${label(ca, i)} restricts extended key usage and does not include ${purpose}Auth.`,
        i,
      );
    }
  }
  return null;
}

function checkStrict(path: readonly Node[]): Failure | null {
  if (path.length < 2) return null; // A trust anchor used as the leaf (RFC 6818 §2).
  for (let i = 0; i < path.length; i++) {
    const node = path[i];
    const c = node.cert;
    const ca = c.basicConstraints?.ca ?? false;
    const problem = c.basicConstraints?.pathLength !== undefined && !ca
      ? "has a basicConstraints pathLenConstraint but is not a CA"
      : c.basicConstraints?.pathLength !== undefined && !hasKeyUsage(c, KU.keyCertSign)
      ? "has a basicConstraints pathLenConstraint but no keyUsage keyCertSign"
      : ca && !extensionOf(c, OID.basicConstraints)!.critical
      ? "is a CA with a non-critical basicConstraints extension"
      : ca && !c.keyUsage
      ? "is a CA without a keyUsage extension"
      : !ca && hasKeyUsage(c, KU.keyCertSign)
      ? "has the keyUsage keyCertSign but is not a CA"
      : c.issuer.rdns.length === 0
      ? "has an empty issuer name"
      : c.subject.rdns.length === 0 &&
          (ca || hasKeyUsage(c, KU.cRLSign) || !extensionOf(c, OID.subjectAltName))
      ? "has an empty subject (and is a CA, or has no subjectAltName)"
      : c.subject.rdns.length === 0 && !extensionOf(c, OID.subjectAltName)!.critical
      ? "has an empty subject but a non-critical subjectAltName"
      : i + 1 < path.length && !c.authorityKeyIdentifier?.keyIdentifier
      ? "has no authorityKeyIdentifier with a key identifier"
      : ca && !c.subjectKeyIdentifier
      ? "has no subjectKeyIdentifier"
      : c.publicKey.curve === "explicit"
      ? "has an EC key with explicit curve parameters instead of a named curve"
      : null;
    if (problem) {
      return fail("STRICT", `${label(node, i)} ${problem} (RFC 5280, openssl -x509_strict).`, i);
    }
  }
  return null;
}

function checkLeafPurpose(path: readonly Node[], purpose: PathContext["purpose"]): Failure | null {
  if (purpose === "any") return null;
  const leaf = path[0].cert;
  if (leaf.extKeyUsage && !leaf.extKeyUsage.includes(EKU_FOR[purpose])) {
    return fail(
      "PURPOSE",
      `the leaf certificate's extended key usage does not include ${purpose}Auth (it has ${
        leaf.extKeyUsage.map((o) => EXTENDED_KEY_USAGES[o] ?? o).join(", ")
      }). Issue it ${purpose === "client" ? "with --client" : "for TLS servers"}.`,
      0,
    );
  }
  const wanted = purpose === "server"
    ? [KU.digitalSignature, KU.keyEncipherment, KU.keyAgreement]
    : [KU.digitalSignature, KU.keyAgreement];
  if (leaf.keyUsage && !wanted.some((u) => hasKeyUsage(leaf, u))) {
    return fail(
      "KEY_USAGE",
      `the leaf certificate's keyUsage allows none of ${
        wanted.join(", ")
      }, which a TLS ${purpose} needs.`,
      0,
    );
  }
  const ns = netscapeCertType(leaf);
  if (ns !== null && !(ns & (purpose === "server" ? NS_SSL_SERVER : NS_SSL_CLIENT))) {
    return fail(
      "PURPOSE",
      `the leaf certificate's Netscape certificate type does not allow a TLS ${purpose}.`,
      0,
    );
  }
  return null;
}

/** A name that cannot be judged: under any constraint, or under constraints of `only` its type. */
interface Unjudgeable {
  what: string;
  only?: ConstrainedName["type"];
}

/** The names of `node` that the constraints of a CA above it judge. */
function namesUnderConstraints(node: Node, depth: number): (ConstrainedName | Unjudgeable)[] {
  const c = node.cert;
  const names: (ConstrainedName | Unjudgeable)[] = constrainedSans(c);
  for (const n of c.subjectAltNames) {
    if (n.type === "otherName" && n.oid === OID.smtpUTF8Mailbox) {
      names.push({ what: "an SmtpUTF8Mailbox subjectAltName", only: "email" });
    }
  }
  for (const rdn of c.subject.rdns) {
    for (const a of rdn) {
      if (a.oid !== OID.emailAddress) continue;
      if (a.tag !== TAG.IA5_STRING || a.value === undefined) {
        names.push({ what: "a subject emailAddress that is not an IA5String" });
      } else names.push({ type: "email", value: a.value });
    }
  }
  // OpenSSL: a leaf without DNS SANs has its host-like CNs judged as DNS names.
  if (depth === 0 && !c.subjectAltNames.some((n) => n.type === "dns")) {
    for (const rdn of c.subject.rdns) {
      for (const a of rdn) {
        if (a.oid !== OID.commonName) continue;
        const cn = a.value?.replace(/\0+$/, "");
        if (cn === undefined) continue;
        if (cn.includes("\0")) names.push({ what: "a subject CN with a NUL character" });
        const dns = cnAsDnsName(cn);
        if (dns) names.push({ type: "dns", value: dns });
      }
    }
  }
  return names;
}

function checkNameConstraints(path: readonly Node[]): Failure | null {
  for (let j = 1; j < path.length; j++) {
    const nc = path[j].cert.nameConstraints;
    if (!nc) continue;
    const { set, problem } = constraintSetOf(nc);
    if (problem) {
      return fail(
        "UNSUPPORTED",
        `${label(path[j], j)} has name constraints tlsmith cannot evaluate: ${problem}.`,
        j,
      );
    }
    // Every certificate below, self-issued intermediates too (as Go checks them).
    for (let i = 0; i < j; i++) {
      const failure = judgeNames(path, i, j, set);
      if (failure) return failure;
    }
  }
  return null;
}

function judgeNames(
  path: readonly Node[],
  i: number,
  j: number,
  set: NameConstraintSet,
): Failure | null {
  const types = new Set([...set.permitted, ...set.excluded].map((s) => s.type));
  for (const name of namesUnderConstraints(path[i], i)) {
    if ("what" in name) {
      if (name.only && !types.has(name.only)) continue;
      return fail(
        "NAME_CONSTRAINTS",
        `${label(path[i], i)} has ${name.what}, which the name constraints of "${
          path[j].cert.subject.text
        }" cannot be checked against.`,
        i,
      );
    }
    const verdict = checkName(name, set);
    if (verdict.ok) continue;
    const what = name.type === "ip"
      ? `IP address ${name.value}`
      : `${name.type === "dns" ? "DNS name" : name.type === "email" ? "e-mail address" : "URI"} ${
        JSON.stringify(name.value)
      }`;
    return fail(
      "NAME_CONSTRAINTS",
      verdict.why === "malformed"
        ? `${what} of ${label(path[i], i)} ${verdict.detail}, so the name constraints of "${
          path[j].cert.subject.text
        }" cannot be checked.`
        : `${what} of ${label(path[i], i)} ${
          verdict.why === "excluded"
            ? `is excluded by the name constraint "${verdict.subtree!.value}"`
            : "is outside the permitted names"
        } of "${path[j].cert.subject.text}".`,
      i,
    );
  }
  return null;
}

function checkHost(path: readonly Node[], host: string | undefined): Failure | null {
  if (host === undefined) return null;
  const leaf = path[0].cert;
  if (matchesHost(leaf.subjectAltNames, host)) return null;
  const sans = leaf.subjectAltNames.flatMap((n) =>
    n.type === "ip" ? [n.value] : n.type === "dns" ? [JSON.stringify(n.value)] : []
  );
  return fail(
    "HOST_MISMATCH",
    `the leaf certificate is not valid for ${JSON.stringify(host)}: it covers ${
      sans.length ? sans.join(", ") : "no DNS names or IP addresses"
    }.`,
    0,
  );
}

function checkPath(path: readonly Node[], ctx: PathContext): Failure | null {
  return checkValidity(path, ctx.at) ?? checkExtensions(path) ?? checkCas(path, ctx.purpose) ??
    (ctx.strict ? checkStrict(path) : null) ?? checkLeafPurpose(path, ctx.purpose) ??
    checkNameConstraints(path) ?? checkHost(path, ctx.host);
}

// ---------------------------------------------------------------------------
// The path search

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** Does `candidate` fit the authorityKeyIdentifier of the certificate it would issue? */
function authorityKeyFits(child: Certificate, candidate: Certificate): boolean {
  const aki = child.authorityKeyIdentifier;
  if (!aki) return true;
  if (
    aki.keyIdentifier && candidate.subjectKeyIdentifier &&
    !equalBytes(aki.keyIdentifier, candidate.subjectKeyIdentifier)
  ) {
    return false;
  }
  if (aki.serial !== undefined && aki.serial !== candidate.serial) return false;
  const dirName = aki.issuer?.find((n) => n.type === "directoryName");
  return !dirName || dirName.type !== "directoryName" ||
    equalBytes(dirName.name.der, candidate.issuer.der);
}

/** 2 when the key identifiers match, 1 when one of them is missing. */
function keyIdScore(child: Certificate, candidate: Certificate): number {
  const id = child.authorityKeyIdentifier?.keyIdentifier;
  return id && candidate.subjectKeyIdentifier ? 2 : 1;
}

interface Ranked {
  failure: Failure;
  complete: boolean;
  depth: number;
}

async function findPath(
  leaf: Node,
  bySubject: ReadonlyMap<string, readonly Node[]>,
  ctx: PathContext,
): Promise<Node[] | Failure> {
  // A signature depends on the certificate and the issuer's key only: one check per pair.
  const signatures = new Map<Node, Map<string, SignatureCheck>>();
  let signatureChecks = 0;
  let steps = 0;
  const state: { best: Ranked | null; stopped: Failure | null } = { best: null, stopped: null };
  const at = ctx.at.getTime();

  const note = (failure: Failure, complete: boolean, depth: number) => {
    const best = state.best;
    if (
      !best || (complete && !best.complete) ||
      (complete === best.complete && !complete && depth > best.depth)
    ) {
      state.best = { failure, complete, depth };
    }
  };
  const limitReached = (what: string) => {
    state.stopped = fail(
      "SEARCH_LIMIT",
      `no valid path found within ${what}: the chain and trusted certificates hold too many look-alike issuers (same name and key). Pass only the certificates that belong to the chain.`,
    );
  };
  const signature = async (child: Node, parent: Node): Promise<SignatureCheck | null> => {
    let byParent = signatures.get(child);
    if (!byParent) signatures.set(child, byParent = new Map());
    const key = encodeHex(parent.cert.publicKey.der);
    const known = byParent.get(key);
    if (known) return known;
    if (signatureChecks >= VERIFY_LIMITS.maxSignatureChecks) {
      limitReached(`${VERIFY_LIMITS.maxSignatureChecks} signature checks`);
      return null;
    }
    signatureChecks++;
    const status = await verifySignature(
      parent.cert.publicKey,
      child.cert.signatureAlgorithm,
      child.cert.tbs,
      child.cert.signature,
    );
    byParent.set(key, status);
    return status;
  };
  const validAt = (n: Node) =>
    n.cert.notBefore.getTime() <= at && at <= n.cert.notAfter.getTime() ? 1 : 0;

  const search = async (path: Node[]): Promise<Node[] | null> => {
    const depth = path.length - 1;
    const current = path[depth];
    if (current.trusted) {
      const failure = checkPath(path, ctx);
      if (!failure) return path;
      note(failure, true, depth);
      return null;
    }
    if (current.selfIssued) {
      // A self-signed certificate is trusted as itself or not at all (as OpenSSL does).
      const own = await signature(current, current);
      if (!own) return null;
      if (own.status === "valid") {
        note(
          fail(
            "NO_ISSUER",
            `${
              label(current, depth)
            } is self-signed but not among the trusted certificates. Trust it (pass it as the trusted certificate, e.g. --ca) or use a certificate issued by a trusted CA.`,
            depth,
          ),
          false,
          depth,
        );
        return null;
      }
    }
    const child = current.cert;
    const candidates = (bySubject.get(encodeHex(child.issuer.der)) ?? []).filter((c) =>
      c !== current && authorityKeyFits(child, c.cert) &&
      !path.some((p) =>
        equalBytes(p.cert.subject.der, c.cert.subject.der) &&
        equalBytes(p.cert.publicKey.der, c.cert.publicKey.der)
      )
    ).sort((a, b) =>
      Number(b.trusted) - Number(a.trusted) ||
      keyIdScore(child, b.cert) - keyIdScore(child, a.cert) ||
      validAt(b) - validAt(a) ||
      b.cert.notAfter.getTime() - a.cert.notAfter.getTime() ||
      a.rank - b.rank
    );
    if (candidates.length === 0) {
      note(
        fail(
          "NO_ISSUER",
          `no trusted issuer found for ${label(current, depth)} (issued by "${
            child.issuer.text || "(empty name)"
          }"). Pass the CA that issued it as the trusted certificate (e.g. --ca ca.pem) and any intermediates in the chain.`,
          depth,
        ),
        false,
        depth,
      );
      return null;
    }
    if (path.length >= VERIFY_LIMITS.maxPathCertificates) {
      note(
        fail(
          "PATH_TOO_LONG",
          `the path from the leaf to a trusted certificate would be longer than ${VERIFY_LIMITS.maxPathCertificates} certificates (the leaf, ${
            VERIFY_LIMITS.maxPathCertificates - 2
          } intermediate CAs and the trust anchor), the most tlsmith follows; ${
            label(current, depth)
          } still needs an issuer. Trust a CA closer to the leaf.`,
          depth,
        ),
        false,
        depth + 1,
      );
      return null;
    }
    for (const candidate of candidates) {
      if (++steps > VERIFY_LIMITS.maxSearchSteps) {
        limitReached(`${VERIFY_LIMITS.maxSearchSteps} candidate issuers`);
        return null;
      }
      const status = await signature(current, candidate);
      if (!status) return null;
      if (status.status === "refused") {
        note(
          fail("UNSUPPORTED", `${label(current, depth)}: ${status.reason}`, depth),
          false,
          depth,
        );
        continue;
      }
      if (status.status === "invalid") {
        note(
          fail(
            "BAD_SIGNATURE",
            `the signature of ${
              label(current, depth)
            } does not verify with the key of "${candidate.cert.subject.text}": the certificate was altered or signed by a different key.`,
            depth,
          ),
          false,
          depth,
        );
        continue;
      }
      const found = await search([...path, candidate]);
      if (found || state.stopped) return found;
    }
    return null;
  };

  const path = await search([leaf]);
  return path ?? state.stopped ?? state.best?.failure ??
    fail("NO_ISSUER", "no path to a trusted certificate found.");
}

/**
 * Verify a certificate chain against trust anchors. Returns `{ ok: true, path }`
 * (leaf first, trusted certificate last) or `{ ok: false, code, reason, depth }`
 * for the most specific problem found; it does not throw for a bad chain. Input
 * that is not certificates (or more than 2000 per input) throws `BAD_PEM` or
 * `BAD_CERTIFICATE`.
 *
 * Every candidate path is tried (see the module documentation), and the verdict
 * never depends on the order of `leaf`, `chain` and `trusted`. Each path is
 * checked, like `openssl verify -x509_strict -purpose sslserver`: signatures
 * (SHA-1 and MD5 refused), validity at `at` of every certificate including the
 * anchor, issuer names equal to subjects byte for byte, CA basicConstraints,
 * keyUsage keyCertSign and pathLen (self-issued CAs counted), the extended key
 * usage of every CA and of the leaf for `purpose`, the leaf's keyUsage,
 * unknown critical extensions refused, malformed subjectAltName entries
 * refused, the name constraints of every CA including the trust anchor (over
 * SANs, subject e-mail addresses, and a host-like CN when there is no DNS SAN),
 * and `host` against the leaf's SANs. Every certificate in `trusted` is a trust
 * anchor that ends the path, even when it is not self-signed (like OpenSSL's
 * `-partial_chain` and Go); a self-signed certificate is trusted only as itself.
 *
 * @example Verify a leaf issued by the local CA
 * ```ts
 * import assert from "node:assert/strict";
 * import { CertificateAuthority } from "../ca/authority.ts";
 * import { verifyChain } from "./verify.ts";
 * const ca = await CertificateAuthority.create();
 * const { chain } = await ca.issue(["localhost", "127.0.0.1"]);
 * const result = await verifyChain({ leaf: chain, trusted: ca.certPem, host: "127.0.0.1" });
 * assert.equal(result.ok, true);
 * const wrong = await verifyChain({ leaf: chain, trusted: ca.certPem, host: "example.test" });
 * assert.equal(wrong.ok, false);
 * assert.equal(!wrong.ok && wrong.code, "HOST_MISMATCH");
 * ```
 */
export async function verifyChain(options: VerifyChainOptions): Promise<VerifyChainResult> {
  if (typeof options !== "object" || options === null) {
    throw new TlsmithError("BAD_OPTION", "verifyChain needs { leaf, trusted } options.");
  }
  const at = options.at ?? new Date();
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) {
    throw new TlsmithError("BAD_OPTION", "verifyChain: `at` must be a valid Date.");
  }
  const purpose = options.purpose ?? "server";
  if (purpose !== "server" && purpose !== "client" && purpose !== "any") {
    throw new TlsmithError(
      "BAD_OPTION",
      `verifyChain: \`purpose\` must be "server", "client" or "any", not ${
        JSON.stringify(purpose)
      }.`,
    );
  }
  if (options.host !== undefined && typeof options.host !== "string") {
    throw new TlsmithError("BAD_OPTION", "verifyChain: `host` must be a string.");
  }
  const src = options.sources ?? {};
  const leafCerts = readCertificates(options.leaf, src.leaf ?? "leaf");
  // No intermediates: absent, or an empty list.
  const chainCerts = options.chain === undefined ||
      (Array.isArray(options.chain) && options.chain.length === 0)
    ? []
    : readCertificates(options.chain, src.chain ?? "chain");
  const trustedCerts = readCertificates(options.trusted, src.trusted ?? "trusted");

  // One node per distinct certificate; given as trusted anywhere, it is trusted.
  const nodes = new Map<string, Node>();
  const add = (cert: Certificate, trusted: boolean): Node => {
    const key = encodeHex(cert.der);
    const known = nodes.get(key);
    if (known) {
      known.trusted ||= trusted;
      return known;
    }
    const node: Node = {
      cert,
      trusted,
      rank: 0,
      selfIssued: equalBytes(cert.subject.der, cert.issuer.der),
    };
    nodes.set(key, node);
    return node;
  };
  for (const c of trustedCerts) add(c, true);
  const leaf = add(leafCerts[0], false);
  for (const c of [...leafCerts.slice(1), ...chainCerts]) add(c, false);
  const all = [...nodes.values()].sort((a, b) => compareBytes(a.cert.der, b.cert.der));
  const bySubject = new Map<string, Node[]>();
  all.forEach((node, i) => {
    node.rank = i;
    const key = encodeHex(node.cert.subject.der);
    const list = bySubject.get(key);
    if (list) list.push(node);
    else bySubject.set(key, [node]);
  });

  const found = await findPath(leaf, bySubject, {
    at,
    purpose,
    strict: options.strict ?? true,
    host: options.host,
  });
  if (!Array.isArray(found)) return found;
  return {
    ok: true,
    path: found.map((n) => ({
      subject: n.cert.subject.text,
      issuer: n.cert.issuer.text,
      der: n.cert.der,
    })),
  };
}
