/**
 * Read a certificate back into plain data: names, validity, key type, CA
 * flags, key usages, fingerprints — what `tlsmith inspect` prints and what tests
 * check.
 *
 * @module
 */

import * as asn1js from "npm:asn1js@^4.0.0";
import * as pkijs from "npm:pkijs@^4.0.0";
import { encodeHex, encodeHexColons, toArrayBuffer, toBytes } from "../_internal/bytes.ts";
import { OID, type PkijsCertificate } from "./certificate.ts";
import { cryptoEngine } from "./engine.ts";
import { TlsmithError } from "../errors.ts";
import type { KeyType } from "../keys/keys.ts";
import { formatSubjectAltName, type SubjectAltName, subjectAltNameOf } from "./names.ts";
import { decodePem, isCertificateLabel } from "../pem.ts";

/** What {@linkcode describeCertificate} reports. */
export interface CertificateDescription {
  /** Subject in RFC 4514 order, e.g. `CN=localhost, O=tlsmith adhoc` (empty string when empty). */
  subject: string;
  /** Issuer, same format. */
  issuer: string;
  /** Subject alternative names as OpenSSL prints them (`DNS:localhost`, `IP Address:::1`). */
  subjectAltNames: string[];
  /** dNSName entries. */
  dnsNames: string[];
  /** iPAddress entries (`127.0.0.1`, `::1`). */
  ipAddresses: string[];
  /** rfc822Name entries. */
  emails: string[];
  /** uniformResourceIdentifier entries. */
  uris: string[];
  /** Start of validity. */
  notBefore: Date;
  /** End of validity. */
  notAfter: Date;
  /** Serial number in upper-case hex, as `openssl x509 -serial` prints it. */
  serialNumber: string;
  /** The subject key's type (`ec-p256`, …), or a description such as `rsa-1024` / `ec-P-521` / an OID. */
  keyType: KeyType | string;
  /** True when basicConstraints says cA. */
  isCa: boolean;
  /** The basicConstraints pathLenConstraint, or null. */
  pathLength: number | null;
  /** keyUsage names, e.g. `digitalSignature`, `keyCertSign`. */
  keyUsage: string[];
  /** extKeyUsage names, e.g. `serverAuth`, `clientAuth` (an OID when unknown). */
  extendedKeyUsage: string[];
  /** True when issuer equals subject and the certificate's own key verifies its signature. */
  selfSigned: boolean;
  /** Fingerprints of the DER, `AA:BB:…`. */
  fingerprints: { sha256: string; sha1: string };
}

/**
 * The fingerprint of DER bytes: a hash in upper-case hex with colons, as
 * `openssl x509 -fingerprint` prints it.
 *
 * @example
 * ```ts
 * import { fingerprint } from "./describe.ts";
 * console.log(await fingerprint(new Uint8Array([1, 2, 3]), "SHA-1")); // 70:37:80:71:98:C2:2A:7D:2B:08:07:37:1D:76:37:79:A8:4F:DF:CF
 * ```
 */
export async function fingerprint(
  der: Uint8Array | ArrayBuffer,
  algorithm: "SHA-256" | "SHA-1" | "SHA-384" | "SHA-512" = "SHA-256",
): Promise<string> {
  const digest = await crypto.subtle.digest(algorithm, toArrayBuffer(der));
  return encodeHexColons(new Uint8Array(digest));
}

const ATTRIBUTE_NAMES: Record<string, string> = {
  "2.5.4.3": "CN",
  "2.5.4.4": "SN",
  "2.5.4.5": "serialNumber",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.9": "street",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.12": "title",
  "2.5.4.42": "GN",
  "0.9.2342.19200300.100.1.1": "UID",
  "0.9.2342.19200300.100.1.25": "DC",
  "1.2.840.113549.1.9.1": "emailAddress",
};

function escapeDnValue(value: string): string {
  let out = value.replace(/[\\,+"<>;=]/g, (c) => `\\${c}`);
  if (out.startsWith(" ") || out.startsWith("#")) out = `\\${out}`;
  if (out.endsWith(" ") && out.length > 1) out = `${out.slice(0, -1)}\\ `;
  return out;
}

/**
 * A distinguished name as text in RFC 4514 order (most specific first), e.g.
 * `CN=localhost, O=tlsmith adhoc`.
 *
 * @example
 * ```ts
 * import { buildName } from "./certificate.ts";
 * import { formatName } from "./describe.ts";
 * console.log(formatName(buildName({ commonName: "localhost", organization: "tlsmith adhoc" })));
 * // CN=localhost, O=tlsmith adhoc
 * ```
 */
export function formatName(name: pkijs.RelativeDistinguishedNames): string {
  // Group attribute values by RDN (a SET may hold several), from the DER when we have it.
  const rdns: string[] = [];
  const der = name.valueBeforeDecode;
  let sets: asn1js.Set[] = [];
  if (der && der.byteLength > 0) {
    const parsed = asn1js.fromBER(der).result;
    if (parsed instanceof asn1js.Sequence) {
      sets = parsed.valueBlock.value.filter((v): v is asn1js.Set => v instanceof asn1js.Set);
    }
  }
  const atvText = (atv: pkijs.AttributeTypeAndValue) => {
    const key = ATTRIBUTE_NAMES[atv.type] ?? atv.type;
    const v = atv.value as { valueBlock?: { value?: unknown } };
    const text = typeof v?.valueBlock?.value === "string"
      ? v.valueBlock.value
      : `#${encodeHex(new Uint8Array((atv.value as asn1js.BaseBlock).toBER(false)))}`;
    return `${key}=${escapeDnValue(text)}`;
  };
  if (sets.length > 0) {
    for (const set of sets) {
      const parts = set.valueBlock.value.map((seq) =>
        atvText(new pkijs.AttributeTypeAndValue({ schema: seq }))
      );
      rdns.push(parts.join("+"));
    }
  } else {
    for (const atv of name.typesAndValues) rdns.push(atvText(atv));
  }
  return rdns.reverse().join(", ");
}

const KEY_USAGE_NAMES = [
  "digitalSignature",
  "nonRepudiation",
  "keyEncipherment",
  "dataEncipherment",
  "keyAgreement",
  "keyCertSign",
  "cRLSign",
  "encipherOnly",
  "decipherOnly",
];

const EKU_NAMES: Record<string, string> = {
  "1.3.6.1.5.5.7.3.1": "serverAuth",
  "1.3.6.1.5.5.7.3.2": "clientAuth",
  "1.3.6.1.5.5.7.3.3": "codeSigning",
  "1.3.6.1.5.5.7.3.4": "emailProtection",
  "1.3.6.1.5.5.7.3.8": "timeStamping",
  "1.3.6.1.5.5.7.3.9": "OCSPSigning",
  "2.5.29.37.0": "anyExtendedKeyUsage",
};

/**
 * The name of an extended key usage OID (`serverAuth`, `clientAuth`, …), or the OID itself.
 *
 * @example
 * ```ts
 * import { extendedKeyUsageName } from "./describe.ts";
 * console.log(extendedKeyUsageName("1.3.6.1.5.5.7.3.1")); // serverAuth
 * ```
 */
export function extendedKeyUsageName(oid: string): string {
  return EKU_NAMES[oid] ?? oid;
}

const CURVE_NAMES: Record<string, string> = {
  "1.2.840.10045.3.1.7": "P-256",
  "1.3.132.0.34": "P-384",
  "1.3.132.0.35": "P-521",
  "1.3.132.0.10": "secp256k1",
};

/**
 * The key type of a SubjectPublicKeyInfo: a {@linkcode KeyType} when tlsmith
 * supports it, otherwise a description (`rsa-1024`, `ec-P-521`, `ed448`, or the OID).
 *
 * @example
 * ```ts
 * import * as pkijs from "npm:pkijs@^4.0.0";
 * import { generateKeyPair, exportSpki } from "../keys/keys.ts";
 * import { spkiKeyType } from "./describe.ts";
 * const spki = pkijs.PublicKeyInfo.fromBER(await exportSpki((await generateKeyPair("ec-p384")).publicKey));
 * console.log(spkiKeyType(spki)); // ec-p384
 * ```
 */
export function spkiKeyType(spki: pkijs.PublicKeyInfo): KeyType | string {
  const oid = spki.algorithm.algorithmId;
  if (oid === "1.2.840.10045.2.1") {
    const params = spki.algorithm.algorithmParams;
    const curveOid = params instanceof asn1js.ObjectIdentifier ? params.valueBlock.toString() : "";
    const curve = CURVE_NAMES[curveOid] ?? (curveOid || "explicit");
    return curve === "P-256" ? "ec-p256" : curve === "P-384" ? "ec-p384" : `ec-${curve}`;
  }
  if (oid === "1.2.840.113549.1.1.1" || oid === "1.2.840.113549.1.1.10") {
    let bits = 0;
    try {
      const rsa = asn1js.fromBER(spki.subjectPublicKey.valueBlock.valueHexView).result;
      const modulus = (rsa as asn1js.Sequence).valueBlock.value[0] as asn1js.Integer;
      const bytes = modulus.valueBlock.valueHexView;
      let i = 0;
      while (i < bytes.length && bytes[i] === 0) i++;
      bits = (bytes.length - i) * 8 - (i < bytes.length ? Math.clz32(bytes[i]) - 24 : 0);
    } catch {
      // keep 0
    }
    return `${oid.endsWith(".10") ? "rsa-pss" : "rsa"}-${bits}`;
  }
  if (oid === "1.3.101.112") return "ed25519";
  if (oid === "1.3.101.113") return "ed448";
  return oid;
}

/** What DER that is not a certificate looks like: a PEM label naming it, if recognizable. */
function sniffDer(der: Uint8Array): string | undefined {
  const buffer = toArrayBuffer(der);
  const attempts: [string, () => unknown][] = [
    ["CERTIFICATE REQUEST", () => pkijs.CertificationRequest.fromBER(buffer)],
    ["PRIVATE KEY", () => pkijs.PrivateKeyInfo.fromBER(buffer)],
    ["PUBLIC KEY", () => pkijs.PublicKeyInfo.fromBER(buffer)],
  ];
  for (const [label, parse] of attempts) {
    try {
      parse();
      return label;
    } catch {
      // not this one
    }
  }
  return undefined;
}

function notACertificate(input: unknown, label?: string): TlsmithError {
  const hint = label === "PRIVATE KEY" || label?.endsWith(" PRIVATE KEY")
    ? " This is a private key; pass the certificate file instead."
    : label === "CERTIFICATE REQUEST" || label === "NEW CERTIFICATE REQUEST"
    ? " This is a certificate signing request (CSR); have a CA sign it (`tlsmith sign CSR`) to get a certificate."
    : label === "PUBLIC KEY"
    ? " This is a public key, not a certificate."
    : label
    ? ` Found a "${label}" PEM block.`
    : typeof input === "string"
    ? ""
    : " If it is a key or a CSR, pass the certificate instead; if it is PEM text, pass it as a string.";
  return new TlsmithError("BAD_CERTIFICATE", `not an X.509 certificate.${hint}`);
}

/**
 * Parse a certificate from PEM text (the first `CERTIFICATE` block) or DER
 * bytes. Anything else is a `BAD_CERTIFICATE` error, with a hint when it is a
 * key or a CSR.
 *
 * @example
 * ```ts
 * import { adhocCert } from "../ca/adhoc.ts";
 * import { parseCertificate } from "./describe.ts";
 * const cert = parseCertificate((await adhocCert()).cert);
 * console.log(cert.version); // 2
 * ```
 */
export function parseCertificate(input: string | Uint8Array | ArrayBuffer): pkijs.Certificate {
  let der: Uint8Array;
  if (typeof input === "string") {
    const blocks = decodePem(input);
    const block = blocks.find((b) => isCertificateLabel(b.label));
    if (!block) throw notACertificate(input, blocks[0].label);
    der = block.der;
  } else if (input instanceof Uint8Array || input instanceof ArrayBuffer) {
    der = toBytes(input);
  } else {
    throw new TlsmithError(
      "BAD_CERTIFICATE",
      "expected a certificate as PEM text or DER bytes.",
    );
  }
  let cert: pkijs.Certificate;
  try {
    cert = pkijs.Certificate.fromBER(toArrayBuffer(der));
  } catch (err) {
    const e = notACertificate(input, typeof input === "string" ? undefined : sniffDer(der));
    throw new TlsmithError("BAD_CERTIFICATE", e.message, { cause: err });
  }
  return cert;
}

function extensionValue(cert: pkijs.Certificate, oid: string): asn1js.AsnType | undefined {
  const ext = cert.extensions?.find((e) => e.extnID === oid);
  if (!ext) return undefined;
  const parsed = asn1js.fromBER(ext.extnValue.valueBlock.valueHexView);
  return parsed.offset === -1 ? undefined : parsed.result;
}

/**
 * Describe a certificate (PEM text, DER bytes or a parsed pkijs certificate).
 *
 * @example
 * ```ts
 * import { adhocCert } from "../ca/adhoc.ts";
 * import { describeCertificate } from "./describe.ts";
 * const info = await describeCertificate((await adhocCert()).cert);
 * console.log(info.subject, info.subjectAltNames);
 * // CN=localhost, O=tlsmith adhoc [ "DNS:localhost", "IP Address:127.0.0.1", "IP Address:::1" ]
 * ```
 */
export async function describeCertificate(
  input: string | Uint8Array | ArrayBuffer | PkijsCertificate,
): Promise<CertificateDescription> {
  const cert = input instanceof pkijs.Certificate ? input : parseCertificate(input);
  const der = new Uint8Array(cert.toSchema().toBER(false));

  const sans: SubjectAltName[] = [];
  const altSchema = extensionValue(cert, OID.subjectAltName);
  if (altSchema) {
    const alt = new pkijs.AltName({ schema: altSchema });
    for (const gn of alt.altNames) {
      const san = subjectAltNameOf(gn);
      if (san) sans.push(san);
    }
  }

  let isCa = false;
  let pathLength: number | null = null;
  const bcSchema = extensionValue(cert, OID.basicConstraints);
  if (bcSchema) {
    const bc = new pkijs.BasicConstraints({ schema: bcSchema });
    isCa = bc.cA === true;
    if (bc.pathLenConstraint !== undefined) {
      pathLength = typeof bc.pathLenConstraint === "number"
        ? bc.pathLenConstraint
        : bc.pathLenConstraint.valueBlock.valueDec;
    }
  }

  const keyUsage: string[] = [];
  const kuSchema = extensionValue(cert, OID.keyUsage);
  if (kuSchema instanceof asn1js.BitString) {
    const bytes = kuSchema.valueBlock.valueHexView;
    KEY_USAGE_NAMES.forEach((usage, bit) => {
      if (bit >> 3 < bytes.length && (bytes[bit >> 3] & (0x80 >> (bit & 7)))) {
        keyUsage.push(usage);
      }
    });
  }

  const extendedKeyUsage: string[] = [];
  const ekuSchema = extensionValue(cert, OID.extKeyUsage);
  if (ekuSchema) {
    const eku = new pkijs.ExtKeyUsage({ schema: ekuSchema });
    for (const p of eku.keyPurposes) extendedKeyUsage.push(extendedKeyUsageName(p));
  }

  const serialBytes = cert.serialNumber.valueBlock.valueHexView;
  let start = 0;
  while (start < serialBytes.length - 1 && serialBytes[start] === 0) start++;
  const serialNumber = encodeHex(serialBytes.subarray(start)).toUpperCase();

  let selfSigned = false;
  if (cert.issuer.isEqual(cert.subject)) {
    try {
      selfSigned = await cert.verify(undefined, cryptoEngine());
    } catch {
      selfSigned = false;
    }
  }

  const [sha256, sha1] = await Promise.all([
    fingerprint(der, "SHA-256"),
    fingerprint(der, "SHA-1"),
  ]);

  return {
    subject: formatName(cert.subject),
    issuer: formatName(cert.issuer),
    subjectAltNames: sans.map(formatSubjectAltName),
    dnsNames: sans.filter((s) => s.type === "dns").map((s) => s.value),
    ipAddresses: sans.filter((s) => s.type === "ip").map((s) => s.value),
    emails: sans.filter((s) => s.type === "email").map((s) => s.value),
    uris: sans.filter((s) => s.type === "uri").map((s) => s.value),
    notBefore: cert.notBefore.value,
    notAfter: cert.notAfter.value,
    serialNumber,
    keyType: spkiKeyType(cert.subjectPublicKeyInfo),
    isCa,
    pathLength,
    keyUsage,
    extendedKeyUsage,
    selfSigned,
    fingerprints: { sha256, sha1 },
  };
}
