/**
 * verifyChain against two real judges: `openssl verify -x509_strict -partial_chain` and Go's
 * crypto/x509 (`tests/judges/verify.go`, built here with `go build`). A corpus of good and bad
 * chains is made with `openssl req -x509 [-CA]` (P-256 keys, extension sections in a config
 * file, names and constraints written as exact DER where a config cannot say them); every case,
 * in every order of its chain and trusted certificates, must get the same verdict from tlsmith,
 * OpenSSL and Go, or be one of the documented policy differences below, where tlsmith is the
 * stricter one. tlsmith never accepts what either judge rejects, with one documented exception:
 * OpenSSL commits to the first issuer it picks and never backtracks, so where that issuer leads
 * nowhere it misses a valid path that Go (and tlsmith) find.
 *
 * Every trusted certificate is a trust anchor for tlsmith and Go, so OpenSSL runs with
 * `-partial_chain`. Runs once per suite (under Deno), not once per Node version.
 * `TLSMITH_VERIFY_TABLE=1` prints every verdict.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { have, isDeno, openssl, opensslEcKey, repoRoot, run, tempDir } from "./helpers.ts";
import { verifyChain, type VerifyFailureCode } from "../src/x509/verify.ts";
import { TlsmithError } from "../src/errors.ts";
import { decodeHex, encodeHex } from "../src/_internal/bytes.ts";
import { oid, parseDer, seq, set, tlv, utf8String } from "../src/_internal/der.ts";
import { parseIpAddress } from "../src/x509/names.ts";

// ---------------------------------------------------------------------------
// DER for the extensions a config file cannot spell

type Gn =
  | ["dns" | "email" | "uri", string]
  | ["ip", string]
  | ["dn", Uint8Array]
  | ["smtputf8", string];

const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

function ipBytes(text: string): Uint8Array {
  const [addr, len] = text.split("/");
  const a = parseIpAddress(addr)!;
  if (len === undefined) return a;
  const mask = new Uint8Array(a.length);
  for (let i = 0; i < Number(len); i++) mask[i >> 3] |= 0x80 >> (i & 7);
  return Uint8Array.from([...a, ...mask]);
}

/** A Name with one UTF8String attribute per RDN, e.g. [["2.5.4.10", "Acme"]]. */
function nameDer(attrs: [string, string][]): Uint8Array {
  return seq(...attrs.map(([type, value]) => set(seq(oid(type), utf8String(value)))));
}

function generalName(g: Gn): Uint8Array {
  switch (g[0]) {
    case "email":
      return tlv(0x81, latin1(g[1]));
    case "dns":
      return tlv(0x82, latin1(g[1]));
    case "uri":
      return tlv(0x86, latin1(g[1]));
    case "ip":
      return tlv(0x87, ipBytes(g[1]));
    case "dn":
      return tlv(0xa4, g[1]);
    case "smtputf8":
      return tlv(0xa0, oid("1.3.6.1.5.5.7.8.9"), tlv(0xa0, utf8String(g[1])));
  }
}

const hex = (b: Uint8Array) => encodeHex(b);
const san = (...names: Gn[]) => `subjectAltName = DER:${hex(seq(...names.map(generalName)))}`;
const sanCritical = (...names: Gn[]) =>
  `subjectAltName = critical,DER:${hex(seq(...names.map(generalName)))}`;
function nc(permitted: Gn[], excluded: Gn[] = []): string {
  const subtrees = (tag: number, list: Gn[]) =>
    list.length ? [tlv(tag, ...list.map((g) => seq(generalName(g))))] : [];
  return `nameConstraints = critical,DER:${
    hex(seq(...subtrees(0xa0, permitted), ...subtrees(0xa1, excluded)))
  }`;
}

// ---------------------------------------------------------------------------
// The corpus

const CA = [
  "basicConstraints = critical,CA:TRUE",
  "keyUsage = critical,keyCertSign,cRLSign",
];
const LEAF = [
  "basicConstraints = critical,CA:FALSE",
  "keyUsage = critical,digitalSignature",
  "extendedKeyUsage = serverAuth",
];

interface CertSpec {
  /** The key file (made once per name). */
  key: string;
  /** The issuing certificate (self-signed when absent). */
  issuer?: string;
  /** `-subj` (default `/CN=<name>`). */
  subject?: string;
  /** Extension lines (OpenSSL adds subjectKeyIdentifier and, when issued, authorityKeyIdentifier). */
  ext: string[];
  /** Days of validity (default 3650; 30 makes it expired at `later`). */
  days?: number;
  /** Digest (default sha256). */
  md?: "sha256" | "sha1";
  /** Write an authorityKeyIdentifier with the key identifier of this key (for an issuer without SKI). */
  akiOf?: string;
}

const leafOf = (issuer: string, ...ext: string[]): CertSpec => ({
  key: "leaf",
  issuer,
  ext: [...LEAF, ...ext],
});
const caOf = (key: string, issuer: string | undefined, ...ext: string[]): CertSpec => ({
  key,
  issuer,
  ext: [...CA, ...ext],
});

const CERTS: Record<string, CertSpec> = {
  root: caOf("root", undefined),
  root2: caOf("root2", undefined),
  inter: caOf("inter", "root"),
  good: leafOf("root", "subjectAltName = DNS:good.test, DNS:*.app.test, IP:10.1.2.3, IP:::1"),
  viaInter: leafOf("inter", "subjectAltName = DNS:good.test"),
  expired: { ...leafOf("root", "subjectAltName = DNS:good.test"), days: 30 },
  // Re-issued intermediates and roots: same name and key, one copy expired.
  interOld: { ...caOf("inter", "root"), days: 30 },
  rootOld: { ...caOf("root", undefined), days: 30 },
  interLookAlike: caOf("other", "root", "subjectKeyIdentifier = hash"),
  // The same intermediate, once constrained away from the leaf's name.
  interExcl: caOf("inter", "root", nc([], [["dns", "good.test"]])),
  // Name constraints on roots.
  rPermDns: caOf("root2", undefined, nc([["dns", "example.com"]])),
  rExclDns: caOf("root2", undefined, nc([], [["dns", "evil.com"]])),
  rExclWww: caOf("root2", undefined, nc([], [["dns", "www.example.com"]])),
  rPermIp: caOf("root2", undefined, nc([["ip", "10.0.0.0/8"]])),
  rExclIp: caOf("root2", undefined, nc([], [["ip", "192.168.0.0/16"]])),
  rPermIp6: caOf("root2", undefined, nc([["ip", "fd00::/8"]])),
  rPermMailbox: caOf("root2", undefined, nc([["email", "foo@example.com"]])),
  rPermEmailHost: caOf("root2", undefined, nc([["email", "example.com"]])),
  rPermEmailDomain: caOf("root2", undefined, nc([["email", ".example.com"]])),
  rExclEmail: caOf("root2", undefined, nc([], [["email", "example.com"]])),
  rPermUri: caOf("root2", undefined, nc([["uri", "example.com"]])),
  rPermUriDomain: caOf("root2", undefined, nc([["uri", ".example.com"]])),
  rExclUri: caOf("root2", undefined, nc([], [["uri", "evil.com"]])),
  rPermEmptyDns: caOf("root2", undefined, nc([["dns", ""]])),
  rExclEmptyDns: caOf("root2", undefined, nc([], [["dns", ""]])),
  rPermEmptyEmail: caOf("root2", undefined, nc([["email", ""]])),
  rExclEmptyEmail: caOf("root2", undefined, nc([], [["email", ""]])),
  rExclEmptyUri: caOf("root2", undefined, nc([], [["uri", ""]])),
  rDirName: caOf("root2", undefined, nc([["dn", nameDer([["2.5.4.10", "Acme"]])]])),
  interPermDns: caOf("inter", "root", nc([["dns", "example.com"]])),
  // CA problems.
  interNotCa: {
    key: "inter",
    issuer: "root",
    ext: ["basicConstraints = critical,CA:FALSE", "keyUsage = critical,digitalSignature"],
  },
  interNoKeyCertSign: {
    key: "inter",
    issuer: "root",
    ext: ["basicConstraints = critical,CA:TRUE", "keyUsage = critical,digitalSignature,cRLSign"],
  },
  interNoKeyUsage: { key: "inter", issuer: "root", ext: ["basicConstraints = critical,CA:TRUE"] },
  interBcNotCritical: {
    key: "inter",
    issuer: "root",
    ext: ["basicConstraints = CA:TRUE", "keyUsage = critical,keyCertSign"],
  },
  interCritical: caOf("inter", "root", "1.3.6.1.4.1.55555.1 = critical,ASN1:NULL"),
  interEkuClient: caOf("inter", "root", "extendedKeyUsage = clientAuth"),
  interEkuServer: caOf("inter", "root", "extendedKeyUsage = serverAuth"),
  rootPathLen0: caOf("root2", undefined, "basicConstraints = critical,CA:TRUE,pathlen:0"),
  interUnderPl0: caOf("inter", "rootPathLen0"),
  rootNoSki: caOf("root2", undefined, "subjectKeyIdentifier = none"),
  rootSha1: { ...caOf("root2", undefined), md: "sha1" },
  selfSigned: {
    key: "leaf",
    subject: "/CN=self.test",
    ext: [...LEAF, "subjectAltName = DNS:self.test"],
  },
};

// Leaves under the constrained roots.
const UNDER: [string, string, string[]][] = [
  ["dnsWww", "rPermDns", [san(["dns", "www.example.com"])]],
  ["dnsOther", "rPermDns", [san(["dns", "example.net"])]],
  ["dnsMiscased", "rPermDns", [san(["dns", "WWW.Example.COM"])]],
  ["dnsWildcard", "rPermDns", [san(["dns", "*.example.com"])]],
  ["dnsCnOnly", "rPermDns", [san(["ip", "10.0.0.1"])]],
  ["dnsCnOnlyOk", "rPermDns", [san(["ip", "10.0.0.1"])]],
  ["evil", "rExclDns", [san(["dns", "evil.com"])]],
  ["evilSub", "rExclDns", [san(["dns", "www.evil.com"])]],
  ["evilCase", "rExclDns", [san(["dns", "EVIL.com"])]],
  ["evilLead", "rExclDns", [san(["dns", " evil.com"])]],
  ["evilTrail", "rExclDns", [san(["dns", "evil.com "])]],
  ["evilTab", "rExclDns", [san(["dns", "www.evil.com\t"])]],
  ["evilDot", "rExclDns", [san(["dns", "evil.com."])]],
  ["evilWildcard", "rExclDns", [san(["dns", "*.evil.com"])]],
  ["notEvil", "rExclDns", [san(["dns", "notevil.com"])]],
  ["dnsInvalid", "rExclDns", [san(["dns", "this is invalid"])]],
  ["wwwWildcard", "rExclWww", [san(["dns", "*.example.com"])]],
  ["wwwOther", "rExclWww", [san(["dns", "api.example.com"])]],
  ["ipIn", "rPermIp", [san(["dns", "a.test"], ["ip", "10.1.2.3"])]],
  ["ipOut", "rPermIp", [san(["dns", "a.test"], ["ip", "192.168.1.1"])]],
  ["ip6UnderV4", "rPermIp", [san(["dns", "a.test"], ["ip", "fd00::1"])]],
  ["ipExcl", "rExclIp", [san(["ip", "192.168.5.5"])]],
  ["ipNotExcl", "rExclIp", [san(["ip", "10.0.0.1"])]],
  ["ip6In", "rPermIp6", [san(["ip", "fd12::1"])]],
  ["ip4UnderV6", "rPermIp6", [san(["ip", "10.0.0.1"])]],
  ["mailbox", "rPermMailbox", [san(["email", "foo@example.com"])]],
  ["mailboxLocalCase", "rPermMailbox", [san(["email", "Foo@example.com"])]],
  ["mailboxHostCase", "rPermMailbox", [san(["email", "foo@EXAMPLE.COM"])]],
  ["mailboxOther", "rPermMailbox", [san(["email", "bar@example.com"])]],
  ["mailboxSubject", "rPermMailbox", [san(["dns", "a.test"])]],
  ["mailboxInvalid", "rPermMailbox", [san(["email", "this @ is invalid"])]],
  ["mailboxSmtpUtf8", "rPermMailbox", [san(["dns", "a.test"], ["smtputf8", "bär@example.com"])]],
  ["emailHost", "rPermEmailHost", [san(["email", "a@example.com"])]],
  ["emailHostSub", "rPermEmailHost", [san(["email", "a@sub.example.com"])]],
  ["emailDomainSub", "rPermEmailDomain", [san(["email", "a@sub.example.com"])]],
  ["emailDomainItself", "rPermEmailDomain", [san(["email", "a@example.com"])]],
  ["emailExcl", "rExclEmail", [san(["email", "a@example.com"])]],
  ["emailNotExcl", "rExclEmail", [san(["email", "a@other.com"])]],
  ["emailInvalidExcl", "rExclEmail", [san(["email", "this @ is invalid"])]],
  ["uriHost", "rPermUri", [san(["uri", "https://example.com/x"])]],
  ["uriHostPort", "rPermUri", [san(["uri", "https://EXAMPLE.com:8443/x"])]],
  ["uriSub", "rPermUri", [san(["uri", "https://www.example.com/"])]],
  ["uriIp", "rPermUri", [san(["uri", "https://10.0.0.1/"])]],
  ["uriUrn", "rPermUri", [san(["uri", "urn:example:a"])]],
  ["uriDomainSub", "rPermUriDomain", [san(["uri", "https://a.example.com/"])]],
  ["uriDomainItself", "rPermUriDomain", [san(["uri", "https://example.com/"])]],
  ["uriExcl", "rExclUri", [san(["uri", "https://evil.com/"])]],
  ["uriExclUserinfo", "rExclUri", [san(["uri", "https://user@evil.com/"])]],
  ["uriNotExcl", "rExclUri", [san(["uri", "https://good.com/"])]],
  ["emptyPermDns", "rPermEmptyDns", [san(["dns", "a.test"])]],
  ["emptyExclDns", "rExclEmptyDns", [san(["dns", "a.test"])]],
  ["emptyPermEmail", "rPermEmptyEmail", [san(["dns", "a.test"], ["email", "a@b.test"])]],
  ["emptyExclEmail", "rExclEmptyEmail", [san(["dns", "a.test"], ["email", "a@b.test"])]],
  ["emptyExclUri", "rExclEmptyUri", [san(["dns", "a.test"], ["uri", "https://a.test/"])]],
  ["dirNameIn", "rDirName", [san(["dns", "a.test"])]],
  ["interNcOk", "interPermDns", [san(["dns", "www.example.com"])]],
  ["interNcOut", "interPermDns", [san(["dns", "example.net"])]],
];
for (const [name, issuer, ext] of UNDER) CERTS[name] = leafOf(issuer, ...ext);
CERTS.dnsCnOnly.subject = "/CN=www.other.com";
CERTS.dnsCnOnlyOk.subject = "/CN=www.example.com";
CERTS.mailboxSubject.subject = "/CN=a.test/emailAddress=bar@example.com";
CERTS.dirNameIn.subject = "/O=Acme/CN=a.test";
for (const name of ["interOld", "interLookAlike", "interExcl"]) CERTS[name].subject = "/CN=inter";
CERTS.rootOld.subject = "/CN=root";

Object.assign(CERTS, {
  invalidNoNc: leafOf("root", san(["dns", "this is invalid"])),
  ekuClient: {
    key: "leaf",
    issuer: "root",
    ext: [...LEAF.slice(0, 2), "extendedKeyUsage = clientAuth", "subjectAltName = DNS:good.test"],
  },
  ekuAny: {
    key: "leaf",
    issuer: "root",
    ext: [
      ...LEAF.slice(0, 2),
      "extendedKeyUsage = anyExtendedKeyUsage",
      "subjectAltName = DNS:good.test",
    ],
  },
  ekuTwo: {
    key: "leaf",
    issuer: "root",
    ext: [
      ...LEAF.slice(0, 2),
      "extendedKeyUsage = serverAuth,codeSigning",
      "subjectAltName = DNS:good.test",
    ],
  },
  ekuNone: {
    key: "leaf",
    issuer: "root",
    ext: [...LEAF.slice(0, 2), "subjectAltName = DNS:good.test"],
  },
  kuKeyEncipherment: {
    key: "leaf",
    issuer: "root",
    ext: [
      "basicConstraints = critical,CA:FALSE",
      "keyUsage = critical,keyEncipherment",
      "extendedKeyUsage = serverAuth",
      "subjectAltName = DNS:good.test",
    ],
  },
  kuDataEncipherment: {
    key: "leaf",
    issuer: "root",
    ext: [
      "basicConstraints = critical,CA:FALSE",
      "keyUsage = critical,dataEncipherment",
      "extendedKeyUsage = serverAuth",
      "subjectAltName = DNS:good.test",
    ],
  },
  leafCritical: leafOf(
    "root",
    "subjectAltName = DNS:good.test",
    "1.3.6.1.4.1.55555.1 = critical,ASN1:NULL",
  ),
  leafNonCritical: leafOf(
    "root",
    "subjectAltName = DNS:good.test",
    "1.3.6.1.4.1.55555.1 = ASN1:NULL",
  ),
  leafNoAki: leafOf("root", "subjectAltName = DNS:good.test", "authorityKeyIdentifier = none"),
  leafEmptySubject: { ...leafOf("root", sanCritical(["dns", "good.test"])), subject: "/" },
  leafEmptySubjectNc: { ...leafOf("root", san(["dns", "good.test"])), subject: "/" },
  leafSha1: { ...leafOf("root", "subjectAltName = DNS:good.test"), md: "sha1" },
  leafCnOnly: { ...leafOf("root"), subject: "/CN=good.test" },
  underNotCa: leafOf("interNotCa", "subjectAltName = DNS:good.test"),
  underNoKeyCertSign: leafOf("interNoKeyCertSign", "subjectAltName = DNS:good.test"),
  underNoKeyUsage: leafOf("interNoKeyUsage", "subjectAltName = DNS:good.test"),
  underBcNotCritical: leafOf("interBcNotCritical", "subjectAltName = DNS:good.test"),
  underCritical: leafOf("interCritical", "subjectAltName = DNS:good.test"),
  underEkuClient: leafOf("interEkuClient", "subjectAltName = DNS:good.test"),
  underEkuServer: leafOf("interEkuServer", "subjectAltName = DNS:good.test"),
  underPl0: leafOf("interUnderPl0", "subjectAltName = DNS:good.test"),
  underNoSki: { ...leafOf("rootNoSki", "subjectAltName = DNS:good.test"), akiOf: "root2" },
  interCross: { ...caOf("inter", "root2"), subject: "/CN=inter" },
  // Two copies of one root whose names differ only in case and spacing.
  rootCaseA: { ...caOf("root2", undefined), subject: "/CN=Case Root" },
  rootCaseB: { ...caOf("root2", undefined), subject: "/CN=case  root" },
  underCaseB: leafOf("rootCaseB", "subjectAltName = DNS:good.test"),
  underSha1Root: leafOf("rootSha1", "subjectAltName = DNS:good.test"),
});

// A long chain: root → c1 → … → c9 → leaf.
for (let i = 1; i <= 9; i++) {
  CERTS[`c${i}`] = caOf(i % 2 ? "inter" : "root2", i === 1 ? "root" : `c${i - 1}`);
  CERTS[`c${i}`].subject = `/CN=chain CA ${i}`;
}
CERTS.long8 = leafOf("c8", "subjectAltName = DNS:good.test");
CERTS.long9 = leafOf("c9", "subjectAltName = DNS:good.test");
const LONG8 = Array.from({ length: 8 }, (_, i) => `c${i + 1}`);
const LONG9 = [...LONG8, "c9"];

// ---------------------------------------------------------------------------
// The cases

type Verdict = "ok" | VerifyFailureCode;

interface Case {
  /** The leaf certificate. */
  leaf: string;
  /** Untrusted intermediates (every order is tried when `permute`). */
  chain?: string[];
  /** Trust anchors (every order is tried when `permute`). */
  trusted: string[];
  /** `-verify_hostname` / `-verify_ip` / DNSName. */
  host?: string;
  /** Purpose (default server). */
  purpose?: "server" | "client" | "any";
  /** When to verify: now (default), `later` (the 30-day certificates have expired), `before`. */
  at?: "later" | "before";
  /** Try every order of `chain` and `trusted`. */
  permute?: boolean;
  /** tlsmith's verdict: ok or the failure code. */
  expect: Verdict | "BAD_CERTIFICATE";
}

const C = (
  leaf: string,
  trusted: string | string[],
  expect: Case["expect"],
  more: Partial<Case> = {},
): Case => ({
  leaf,
  trusted: typeof trusted === "string" ? [trusted] : trusted,
  expect,
  ...more,
});

const CASES: Record<string, Case> = {
  direct: C("good", "root", "ok", { host: "good.test" }),
  ip4: C("good", "root", "ok", { host: "10.1.2.3" }),
  ip6: C("good", "root", "ok", { host: "::1" }),
  wildcard: C("good", "root", "ok", { host: "api.app.test" }),
  wildcardBase: C("good", "root", "HOST_MISMATCH", { host: "app.test" }),
  wildcardDeep: C("good", "root", "HOST_MISMATCH", { host: "a.b.app.test" }),
  wrongHost: C("good", "root", "HOST_MISMATCH", { host: "other.test" }),
  wrongIp: C("good", "root", "HOST_MISMATCH", { host: "10.1.2.4" }),
  viaInter: C("viaInter", "root", "ok", { chain: ["inter"], host: "good.test" }),
  noIssuer: C("viaInter", "root", "NO_ISSUER"),
  untrustedRoot: C("good", "root2", "NO_ISSUER"),
  expired: C("expired", "root", "EXPIRED", { at: "later" }),
  notYetValid: C("good", "root", "NOT_YET_VALID", { at: "before" }),
  // Re-issued certificates, in every order.
  reissuedInter: C("viaInter", "root", "ok", {
    chain: ["interOld", "inter", "interLookAlike"],
    at: "later",
    permute: true,
  }),
  reissuedRoot: C("viaInter", ["rootOld", "root"], "ok", {
    chain: ["inter"],
    at: "later",
    permute: true,
  }),
  onlyExpiredInter: C("viaInter", "root", "EXPIRED", { chain: ["interOld"], at: "later" }),
  constrainedCopy: C("viaInter", "root", "ok", { chain: ["interExcl", "inter"], permute: true }),
  onlyConstrainedCopy: C("viaInter", "root", "NAME_CONSTRAINTS", { chain: ["interExcl"] }),
  long8: C("long8", "root", "ok", { chain: LONG8 }),
  long9: C("long9", "root", "PATH_TOO_LONG", { chain: LONG9 }),
  // DNS constraints.
  dnsWww: C("dnsWww", "rPermDns", "ok"),
  dnsOther: C("dnsOther", "rPermDns", "NAME_CONSTRAINTS"),
  dnsMiscased: C("dnsMiscased", "rPermDns", "ok", { host: "www.example.com" }),
  dnsWildcard: C("dnsWildcard", "rPermDns", "ok", { host: "a.example.com" }),
  dnsCnOnly: C("dnsCnOnly", "rPermDns", "NAME_CONSTRAINTS"),
  dnsCnOnlyOk: C("dnsCnOnlyOk", "rPermDns", "ok"),
  evil: C("evil", "rExclDns", "NAME_CONSTRAINTS"),
  evilSub: C("evilSub", "rExclDns", "NAME_CONSTRAINTS"),
  evilCase: C("evilCase", "rExclDns", "NAME_CONSTRAINTS"),
  evilLead: C("evilLead", "rExclDns", "INVALID_EXTENSION"),
  evilLeadHost: C("evilLead", "rExclDns", "INVALID_EXTENSION", { host: "evil.com" }),
  evilTrail: C("evilTrail", "rExclDns", "INVALID_EXTENSION", { host: "evil.com" }),
  evilTab: C("evilTab", "rExclDns", "INVALID_EXTENSION", { host: "www.evil.com" }),
  evilDot: C("evilDot", "rExclDns", "INVALID_EXTENSION"),
  evilWildcard: C("evilWildcard", "rExclDns", "NAME_CONSTRAINTS"),
  notEvil: C("notEvil", "rExclDns", "ok", { host: "notevil.com" }),
  dnsInvalid: C("dnsInvalid", "rExclDns", "INVALID_EXTENSION"),
  invalidNoNc: C("invalidNoNc", "root", "INVALID_EXTENSION"),
  wwwWildcard: C("wwwWildcard", "rExclWww", "NAME_CONSTRAINTS"),
  wwwOther: C("wwwOther", "rExclWww", "ok"),
  // IP constraints.
  ipIn: C("ipIn", "rPermIp", "ok", { host: "10.1.2.3" }),
  ipOut: C("ipOut", "rPermIp", "NAME_CONSTRAINTS"),
  ip6UnderV4: C("ip6UnderV4", "rPermIp", "NAME_CONSTRAINTS"),
  ipExcl: C("ipExcl", "rExclIp", "NAME_CONSTRAINTS"),
  ipNotExcl: C("ipNotExcl", "rExclIp", "ok"),
  ip6In: C("ip6In", "rPermIp6", "ok", { host: "fd12::1" }),
  ip4UnderV6: C("ip4UnderV6", "rPermIp6", "NAME_CONSTRAINTS"),
  // E-mail constraints.
  mailbox: C("mailbox", "rPermMailbox", "ok"),
  mailboxLocalCase: C("mailboxLocalCase", "rPermMailbox", "NAME_CONSTRAINTS"),
  mailboxHostCase: C("mailboxHostCase", "rPermMailbox", "ok"),
  mailboxOther: C("mailboxOther", "rPermMailbox", "NAME_CONSTRAINTS"),
  mailboxSubject: C("mailboxSubject", "rPermMailbox", "NAME_CONSTRAINTS"),
  mailboxInvalid: C("mailboxInvalid", "rPermMailbox", "INVALID_EXTENSION"),
  mailboxSmtpUtf8: C("mailboxSmtpUtf8", "rPermMailbox", "NAME_CONSTRAINTS"),
  emailHost: C("emailHost", "rPermEmailHost", "ok"),
  emailHostSub: C("emailHostSub", "rPermEmailHost", "NAME_CONSTRAINTS"),
  emailDomainSub: C("emailDomainSub", "rPermEmailDomain", "ok"),
  emailDomainItself: C("emailDomainItself", "rPermEmailDomain", "NAME_CONSTRAINTS"),
  emailExcl: C("emailExcl", "rExclEmail", "NAME_CONSTRAINTS"),
  emailNotExcl: C("emailNotExcl", "rExclEmail", "ok"),
  emailInvalidExcl: C("emailInvalidExcl", "rExclEmail", "INVALID_EXTENSION"),
  // URI constraints.
  uriHost: C("uriHost", "rPermUri", "ok"),
  uriHostPort: C("uriHostPort", "rPermUri", "ok"),
  uriSub: C("uriSub", "rPermUri", "NAME_CONSTRAINTS"),
  uriIp: C("uriIp", "rPermUri", "NAME_CONSTRAINTS"),
  uriUrn: C("uriUrn", "rPermUri", "NAME_CONSTRAINTS"),
  uriDomainSub: C("uriDomainSub", "rPermUriDomain", "ok"),
  uriDomainItself: C("uriDomainItself", "rPermUriDomain", "NAME_CONSTRAINTS"),
  uriExcl: C("uriExcl", "rExclUri", "NAME_CONSTRAINTS"),
  uriExclUserinfo: C("uriExclUserinfo", "rExclUri", "NAME_CONSTRAINTS"),
  uriNotExcl: C("uriNotExcl", "rExclUri", "ok"),
  // Empty constraints fail closed, for every type.
  emptyPermDns: C("emptyPermDns", "rPermEmptyDns", "NAME_CONSTRAINTS"),
  emptyExclDns: C("emptyExclDns", "rExclEmptyDns", "NAME_CONSTRAINTS"),
  emptyPermEmail: C("emptyPermEmail", "rPermEmptyEmail", "NAME_CONSTRAINTS"),
  emptyExclEmail: C("emptyExclEmail", "rExclEmptyEmail", "NAME_CONSTRAINTS"),
  emptyExclUri: C("emptyExclUri", "rExclEmptyUri", "NAME_CONSTRAINTS"),
  dirName: C("dirNameIn", "rDirName", "UNSUPPORTED"),
  interNcOk: C("interNcOk", "root", "ok", { chain: ["interPermDns"] }),
  interNcOut: C("interNcOut", "root", "NAME_CONSTRAINTS", { chain: ["interPermDns"] }),
  // Extended key usage and key usage.
  ekuClientForServer: C("ekuClient", "root", "PURPOSE"),
  ekuClientForClient: C("ekuClient", "root", "ok", { purpose: "client" }),
  ekuServerForClient: C("good", "root", "PURPOSE", { purpose: "client" }),
  ekuAnyPurpose: C("ekuClient", "root", "ok", { purpose: "any" }),
  ekuAnyEku: C("ekuAny", "root", "PURPOSE"),
  ekuTwo: C("ekuTwo", "root", "ok"),
  ekuNone: C("ekuNone", "root", "ok"),
  interEkuClient: C("underEkuClient", "root", "PURPOSE", { chain: ["interEkuClient"] }),
  interEkuServer: C("underEkuServer", "root", "ok", { chain: ["interEkuServer"] }),
  kuKeyEncipherment: C("kuKeyEncipherment", "root", "ok"),
  kuDataEncipherment: C("kuDataEncipherment", "root", "KEY_USAGE"),
  // CA constraints and strict checks.
  notCa: C("underNotCa", "root", "NOT_A_CA", { chain: ["interNotCa"] }),
  noKeyCertSign: C("underNoKeyCertSign", "root", "KEY_USAGE", { chain: ["interNoKeyCertSign"] }),
  noKeyUsage: C("underNoKeyUsage", "root", "STRICT", { chain: ["interNoKeyUsage"] }),
  bcNotCritical: C("underBcNotCritical", "root", "STRICT", { chain: ["interBcNotCritical"] }),
  pathLen: C("underPl0", "rootPathLen0", "PATH_LENGTH_EXCEEDED", {
    chain: ["interUnderPl0", "inter"],
  }),
  noSki: C("underNoSki", "rootNoSki", "STRICT"),
  trustedInter: C("viaInter", "inter", "ok", { host: "good.test" }),
  issuerNameCase: C("underCaseB", "rootCaseA", "NO_ISSUER"),
  crossSigned: C("viaInter", "root2", "ok", { chain: ["inter", "interCross"], permute: true }),
  expiredTrustedInter: C("viaInter", ["interOld", "root"], "ok", {
    chain: ["inter"],
    at: "later",
    permute: true,
  }),
  noAki: C("leafNoAki", "root", "STRICT"),
  emptySubject: C("leafEmptySubject", "root", "ok", { host: "good.test" }),
  emptySubjectNonCritical: C("leafEmptySubjectNc", "root", "STRICT"),
  leafCritical: C("leafCritical", "root", "UNSUPPORTED"),
  leafNonCritical: C("leafNonCritical", "root", "ok"),
  interCritical: C("underCritical", "root", "UNSUPPORTED", { chain: ["interCritical"] }),
  cnOnlyHost: C("leafCnOnly", "root", "HOST_MISMATCH", { host: "good.test" }),
  // Signatures and self-signed certificates.
  sha1Leaf: C("leafSha1", "root", "UNSUPPORTED"),
  sha1Root: C("underSha1Root", "rootSha1", "ok"),
  selfSignedTrusted: C("selfSigned", "selfSigned", "ok", { host: "self.test" }),
  selfSignedUntrusted: C("selfSigned", "root", "NO_ISSUER"),
  caAsServer: C("root", "root", "KEY_USAGE"),
  caAsAnything: C("root", "root", "ok", { purpose: "any" }),
};

/** Where tlsmith is stricter than a judge, and why. Each entry names the judges' verdicts. */
const DIFFERENCES: Record<string, { openssl: boolean; go: boolean; why: string }> = {
  long9: {
    openssl: true,
    go: true,
    why:
      "tlsmith follows paths of at most 10 certificates (VERIFY_LIMITS); OpenSSL allows 100, Go has no limit",
  },
  dnsCnOnly: {
    openssl: false,
    go: true,
    why:
      "a host-like subject CN of a leaf without DNS SANs is judged as a DNS name (as OpenSSL does); Go ignores the CN",
  },
  evilLead: {
    openssl: true,
    go: false,
    why:
      "a malformed dNSName is refused (as Go does); OpenSSL judges ' evil.com' as a name outside 'evil.com'",
  },
  evilDot: {
    openssl: true,
    go: false,
    why:
      "a trailing dot is not DNS preferred name syntax (as Go says); OpenSSL compares 'evil.com.' as text",
  },
  dnsInvalid: {
    openssl: true,
    go: false,
    why:
      "a malformed dNSName is refused (as Go does under constraints); OpenSSL evaluates it as text",
  },
  invalidNoNc: {
    openssl: true,
    go: true,
    why:
      "tlsmith refuses every malformed subjectAltName entry, also where no constraint applies (RFC 5280 §4.2.1.6)",
  },
  wwwWildcard: {
    openssl: true,
    go: true,
    why:
      "a wildcard that covers an excluded name is excluded (as Chromium does); OpenSSL and Go compare the text '*.example.com'",
  },
  mailboxSubject: {
    openssl: false,
    go: true,
    why:
      "subject emailAddress attributes are judged as rfc822Names (as OpenSSL does); Go ignores them",
  },
  mailboxSmtpUtf8: {
    openssl: false,
    go: true,
    why:
      "an SmtpUTF8Mailbox under e-mail constraints is refused (OpenSSL evaluates it, Go ignores it)",
  },
  emailHostSub: {
    openssl: false,
    go: true,
    why:
      "an e-mail constraint without '@' or a leading dot names one host (RFC 5280, OpenSSL); Go also accepts its subdomains",
  },
  emailInvalidExcl: {
    openssl: true,
    go: false,
    why: "a malformed rfc822Name is refused (as Go does); OpenSSL compares it as text",
  },
  uriSub: {
    openssl: false,
    go: true,
    why:
      "a URI constraint without a leading dot names one host (RFC 5280, OpenSSL); Go also accepts its subdomains",
  },
  uriExclUserinfo: {
    openssl: true,
    go: false,
    why:
      "the host of https://user@evil.com/ is evil.com (as Go reads it); OpenSSL takes 'user@evil.com' as the host",
  },
  emptyPermDns: {
    openssl: true,
    go: true,
    why:
      "an empty constraint permits nothing (fails closed, for every type); OpenSSL and Go read an empty dNSName as 'everything'",
  },
  emptyPermEmail: {
    openssl: false,
    go: true,
    why: "an empty constraint permits nothing (as OpenSSL for e-mail); Go reads it as 'everything'",
  },
  emptyExclEmail: {
    openssl: true,
    go: false,
    why:
      "an empty excluded constraint excludes everything (as Go); OpenSSL reads an empty e-mail constraint as 'nothing'",
  },
  emptyExclUri: {
    openssl: true,
    go: false,
    why:
      "an empty excluded constraint excludes everything (as Go); OpenSSL reads an empty URI constraint as 'nothing'",
  },
  dirName: {
    openssl: true,
    go: false,
    why:
      "directoryName constraints are not evaluated, so such a CA is refused (as Go does); OpenSSL matches them by RDN prefix",
  },
  ekuAnyEku: {
    openssl: false,
    go: true,
    why:
      "anyExtendedKeyUsage alone does not allow serverAuth (as OpenSSL); Go accepts it for every purpose",
  },
  kuDataEncipherment: {
    openssl: false,
    go: true,
    why: "a leaf's keyUsage must allow the TLS purpose (as OpenSSL); Go ignores keyUsage",
  },
  sha1Leaf: {
    openssl: true,
    go: false,
    why:
      "SHA-1 signatures are refused (as Go does); openssl verify accepts them at its default security level",
  },
  issuerNameCase: {
    openssl: true,
    go: false,
    why:
      "an issuer name must equal the issuer's subject byte for byte (as Go); OpenSSL compares them ignoring case and spacing",
  },
  caAsServer: {
    openssl: false,
    go: true,
    why:
      "a CA certificate (keyUsage keyCertSign, cRLSign) is no TLS server certificate (as OpenSSL); Go ignores keyUsage",
  },
  noKeyUsage: {
    openssl: false,
    go: true,
    why: "strict: a CA must have keyUsage (openssl -x509_strict); Go does not ask",
  },
  bcNotCritical: {
    openssl: false,
    go: true,
    why: "strict: a CA's basicConstraints must be critical (openssl -x509_strict); Go does not ask",
  },
  noSki: {
    openssl: false,
    go: true,
    why: "strict: a CA must have a subjectKeyIdentifier (openssl -x509_strict); Go does not ask",
  },
  noAki: {
    openssl: false,
    go: true,
    why:
      "strict: an issued certificate must have an authorityKeyIdentifier (openssl -x509_strict); Go does not ask",
  },
  cnOnlyHost: {
    openssl: true,
    go: false,
    why:
      "host names are matched against subjectAltNames only (as Go and browsers do); OpenSSL falls back to the CN",
  },
  emptySubjectNonCritical: {
    openssl: false,
    go: true,
    why:
      "strict: an empty subject needs a critical subjectAltName (openssl -x509_strict); Go does not ask",
  },
};

/**
 * Where OpenSSL commits to the first issuer it picks (a trusted one first, then one valid now, then
 * the first in the input) and never tries another, so it misses a valid path that Go and tlsmith
 * find; in the first two cases its verdict depends on the order of the input.
 */
const OPENSSL_NO_BACKTRACK: Record<string, string> = {
  constrainedCopy: "the first intermediate copy excludes the leaf's name; the other copy is valid",
  crossSigned: "the first copy of the intermediate was issued by an untrusted root",
  expiredTrustedInter:
    "an expired copy of the intermediate is trusted; the valid copy leads to the trusted root",
};

// ---------------------------------------------------------------------------
// Running the judges

/** The RFC 5280 §4.2.1.2 (1) key identifier of a key file: SHA-1 of the public key bits. */
async function keyIdentifier(keyFile: string): Promise<string> {
  await openssl(["pkey", "-in", keyFile, "-pubout", "-outform", "DER", "-out", `${keyFile}.spki`]);
  const der = new Uint8Array(await readFile(`${keyFile}.spki`));
  const [, bits] = parseDer(der, "public key").children;
  const digest = await crypto.subtle.digest("SHA-1", bits.value.slice(1));
  return encodeHex(new Uint8Array(digest));
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [items.slice()];
  return items.flatMap((x, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [x, ...rest])
  );
}

interface Run {
  id: string;
  caseId: string;
  chain: string[];
  trusted: string[];
}

const DAY = 86_400_000;

async function pool<T, R>(items: T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

// The judges are slow and the code judged is runtime-independent: it runs once per `npm test`,
// in the Deno suite (the compiled Node suites do not register it).
const describeOnce = isDeno ? describe : () => {};

describeOnce("verifyChain agrees with openssl verify -x509_strict and Go crypto/x509", {
  timeout: 240_000,
}, () => {
  let dir = "";
  let cleanup = async () => {};
  let judge = "";
  let now = new Date();
  const certPath = (name: string) => join(dir, "certs", `${name}.pem`);

  before(async () => {
    if (!(await have("go"))) return;
    ({ path: dir, cleanup } = await tempDir());
    await mkdir(join(dir, "keys"));
    await mkdir(join(dir, "certs"));
    await mkdir(join(dir, "runs"));
    judge = join(dir, "judge");
    const source = fileURLToPath(new URL("tests/judges/verify.go", await repoRoot()));
    const build = run("go", ["build", "-o", judge, source], {
      env: { GO111MODULE: "off", GOCACHE: join(dir, "gocache") },
      timeoutMs: 120_000,
    });
    const keys = [...new Set(Object.values(CERTS).map((c) => c.key))];
    await pool(keys, 2, (k) => opensslEcKey(join(dir, "keys", `${k}.pem`)));
    const keyIds = new Map<string, string>();
    for (const spec of Object.values(CERTS)) {
      if (spec.akiOf && !keyIds.has(spec.akiOf)) {
        keyIds.set(spec.akiOf, await keyIdentifier(join(dir, "keys", `${spec.akiOf}.pem`)));
      }
    }
    const config = [
      "[req]",
      "distinguished_name = dn",
      "[dn]",
      ...Object.entries(CERTS).flatMap(([name, spec]) => [
        `[x_${name}]`,
        ...spec.ext,
        ...(spec.akiOf
          ? [
            `authorityKeyIdentifier = DER:${
              hex(seq(tlv(0x80, decodeHex(keyIds.get(spec.akiOf)!)!)))
            }`,
          ]
          : []),
      ]),
    ].join("\n");
    await writeFile(join(dir, "x.cnf"), config);
    // Issuers first: a certificate is made once its issuer exists.
    const made = new Map<string, Promise<void>>();
    let serial = 0;
    const make = (name: string): Promise<void> => {
      const known = made.get(name);
      if (known) return known;
      const spec = CERTS[name];
      const mySerial = ++serial;
      const p = (spec.issuer ? make(spec.issuer) : Promise.resolve()).then(() =>
        openssl([
          "req",
          "-new",
          "-x509",
          "-key",
          join(dir, "keys", `${spec.key}.pem`),
          "-subj",
          spec.subject ?? `/CN=${name}`,
          "-config",
          join(dir, "x.cnf"),
          "-extensions",
          `x_${name}`,
          "-days",
          String(spec.days ?? 3650),
          "-set_serial",
          String(mySerial),
          `-${spec.md ?? "sha256"}`,
          ...(spec.issuer
            ? [
              "-CA",
              certPath(spec.issuer),
              "-CAkey",
              join(dir, "keys", `${CERTS[spec.issuer].key}.pem`),
            ]
            : []),
          "-out",
          certPath(name),
        ]).then(() => {})
      );
      made.set(name, p);
      return p;
    };
    await pool(Object.keys(CERTS), 2, make);
    now = new Date();
    const built = await build;
    if (built.code !== 0) throw new Error(`go build failed: ${built.stderr}`);
  });
  after(() => cleanup());

  it("gives every case the judges' verdict, or a documented stricter one", async (t) => {
    if (!judge) return t.skip("go (golang-go) is not installed");
    const when = (c: Case) =>
      c.at === "later"
        ? new Date(now.getTime() + 100 * DAY)
        : c.at === "before"
        ? new Date(now.getTime() - DAY)
        : new Date(now.getTime() + 60_000);
    const runs: Run[] = [];
    for (const [caseId, c] of Object.entries(CASES)) {
      const chains = c.permute ? permutations(c.chain ?? []) : [c.chain ?? []];
      const trusts = c.permute ? permutations(c.trusted) : [c.trusted];
      for (const chain of chains) {
        for (const trusted of trusts) {
          runs.push({ id: `${caseId}#${runs.length}`, caseId, chain, trusted });
        }
      }
    }
    const pem = new Map<string, string>();
    for (const name of Object.keys(CERTS)) pem.set(name, await readFile(certPath(name), "utf8"));
    const files = new Map<string, { chain?: string; trusted: string }>();
    for (const r of runs) {
      const base = join(dir, "runs", r.id.replace("#", "_"));
      const trustedFile = `${base}_trusted.pem`;
      await writeFile(trustedFile, r.trusted.map((n) => pem.get(n)).join(""));
      let chainFile: string | undefined;
      if (r.chain.length) {
        chainFile = `${base}_chain.pem`;
        await writeFile(chainFile, r.chain.map((n) => pem.get(n)).join(""));
      }
      files.set(r.id, { chain: chainFile, trusted: trustedFile });
    }

    // Go: one process for every run.
    const goInput = runs.map((r) => {
      const c = CASES[r.caseId];
      return {
        id: r.id,
        leaf: certPath(c.leaf),
        intermediates: files.get(r.id)!.chain ? [files.get(r.id)!.chain] : [],
        roots: [files.get(r.id)!.trusted],
        dnsName: c.host ?? "",
        keyUsage: c.purpose ?? "server",
        time: when(c).toISOString(),
      };
    });
    const goRun = await run(judge, [], { input: JSON.stringify(goInput), timeoutMs: 60_000 });
    assert.equal(goRun.code, 0, `the Go judge failed: ${goRun.stderr}`);
    const go = new Map<string, { ok: boolean; error?: string }>();
    for (const line of goRun.stdout.trim().split("\n")) {
      const v = JSON.parse(line) as { id: string; ok: boolean; error?: string };
      go.set(v.id, v);
    }

    // OpenSSL: one process per run.
    const opensslVerdicts = await pool(runs, 4, async (r) => {
      const c = CASES[r.caseId];
      const f = files.get(r.id)!;
      const purpose =
        { server: "sslserver", client: "sslclient", any: "any" }[c.purpose ?? "server"];
      const args = [
        "verify",
        "-x509_strict",
        "-partial_chain",
        "-purpose",
        purpose,
        "-attime",
        String(Math.floor(when(c).getTime() / 1000)),
        "-CAfile",
        f.trusted,
        ...(f.chain ? ["-untrusted", f.chain] : []),
        ...(c.host === undefined
          ? []
          : parseIpAddress(c.host)
          ? ["-verify_ip", c.host]
          : ["-verify_hostname", c.host]),
        certPath(c.leaf),
      ];
      const res = await run("openssl", args);
      return { ok: res.code === 0, error: (res.stderr + res.stdout).trim().split("\n")[1] };
    });

    // tlsmith.
    const problems: string[] = [];
    const missedByOpenssl = new Set<string>();
    for (let i = 0; i < runs.length; i++) {
      const r = runs[i];
      const c = CASES[r.caseId];
      let ours: string;
      try {
        const result = await verifyChain({
          leaf: pem.get(c.leaf)!,
          chain: r.chain.map((n) => pem.get(n)!),
          trusted: r.trusted.map((n) => pem.get(n)!),
          host: c.host,
          purpose: c.purpose,
          at: when(c),
        });
        ours = result.ok ? "ok" : `${result.code}: ${result.reason}`;
      } catch (err) {
        if (!(err instanceof TlsmithError)) throw err;
        ours = `${err.code}: ${err.message}`;
      }
      const oursOk = ours === "ok";
      const sslOk = opensslVerdicts[i].ok;
      const goOk = go.get(r.id)!.ok;
      const diff = DIFFERENCES[r.caseId];
      const line = `${r.id} [chain ${r.chain.join(",")}; trusted ${
        r.trusted.join(",")
      }]: tlsmith ${ours} | openssl ${sslOk ? "ok" : opensslVerdicts[i].error} | go ${
        goOk ? "ok" : go.get(r.id)!.error
      }`;
      if (process.env.TLSMITH_VERIFY_TABLE) console.log(line);
      if (ours.split(":")[0] !== c.expect) problems.push(`expected ${c.expect}: ${line}`);
      if (oursOk && !goOk) problems.push(`accepts what Go rejects: ${line}`);
      if (oursOk && !sslOk) {
        if (OPENSSL_NO_BACKTRACK[r.caseId] && goOk) missedByOpenssl.add(r.caseId);
        else problems.push(`accepts what OpenSSL rejects: ${line}`);
      }
      if (diff) {
        if (oursOk) problems.push(`a documented difference but tlsmith accepts: ${line}`);
        if (sslOk !== diff.openssl || goOk !== diff.go) {
          problems.push(`the judges no longer give the documented verdicts: ${line}`);
        }
      } else if (!OPENSSL_NO_BACKTRACK[r.caseId] && (oursOk !== sslOk || oursOk !== goOk)) {
        problems.push(`disagrees: ${line}`);
      }
    }
    for (const id of Object.keys(OPENSSL_NO_BACKTRACK)) {
      if (!missedByOpenssl.has(id)) problems.push(`${id}: OpenSSL no longer misses the path`);
    }
    assert.deepEqual(problems, [], problems.join("\n"));
  });
});
