/**
 * PKCS#10 certificate signing requests (RFC 2986): create one for a key pair and host names
 * (SAN in an extensionRequest attribute, signed with SHA-256/384 or Ed25519), and read any CSR
 * (ours or `openssl req -new`, EC, RSA, Ed25519) into the CSR model with the certificate's own
 * name and extension codecs, and whether its signature verifies, does not verify, or uses an
 * algorithm tlsmith refuses (SHA-1, DSA, …: "refused", never "altered").
 *
 * @module
 */

import {
  bits,
  DerError,
  int,
  oid as oidDer,
  parseDer,
  readBitString,
  readOid,
  readSmallInt,
  seq,
  sequence,
  set,
  setOf,
  tlv,
} from "../_internal/der.ts";
import { OID } from "../_internal/oids.ts";
import { buildName, type CertificateSubject } from "./certificate.ts";
import { TlsmithError } from "../errors.ts";
import { exportSpki, type KeyPair } from "../keys/keys.ts";
import {
  decodeExtensions,
  encodeExtension,
  makeExtension,
  readExtensionList,
  subjectAltNameCodec,
} from "./extensions.ts";
import { readName } from "./dn.ts";
import type { CertificateRequest, Extension, GeneralName } from "./model.ts";
import { inputProblem } from "./model.ts";
import { generalNameOf, parseHosts, type SubjectAltName } from "./names.ts";
import { readAlgorithmIdentifier, readPublicKeyInfo } from "./public_key.ts";
import { signerFor, verifySignature } from "./signature.ts";
import { decodePem, encodePem, isCsrLabel } from "../pem.ts";

/** Subject attributes by short name. `CN` is the common name. */
export interface SubjectFields {
  /** Common name. */
  CN?: string;
  /** Organization. */
  O?: string;
  /** Organizational unit. */
  OU?: string;
  /** Country (two letters). */
  C?: string;
  /** State or province. */
  ST?: string;
  /** Locality. */
  L?: string;
}

/** Options of {@linkcode createCsr}. */
export interface CreateCsrOptions {
  /** Subject: a common name, or fields. Default: no subject attributes except the CN of the first DNS host. */
  subject?: string | SubjectFields;
  /** Names for the subjectAltName extension request (DNS names, IPs, e-mails, URIs). */
  hosts?: readonly string[];
}

/** A created CSR. */
export interface CreatedCsr {
  /** PEM text (`CERTIFICATE REQUEST`). */
  pem: string;
  /** DER bytes. */
  der: Uint8Array;
}

const SUBJECT_FIELD_NAMES: [keyof SubjectFields, keyof CertificateSubject][] = [
  ["C", "country"],
  ["ST", "state"],
  ["L", "locality"],
  ["O", "organization"],
  ["OU", "organizationalUnit"],
  ["CN", "commonName"],
];

/**
 * The CSR's subject: {@linkcode buildName} (one RDN per attribute, the
 * certificate's checks and encoding) after the CSR's own limit of 64
 * characters for every attribute.
 */
function subjectName(fields: SubjectFields): Uint8Array {
  const subject: CertificateSubject = {};
  for (const [key, field] of SUBJECT_FIELD_NAMES) {
    const value = fields[key];
    if (value === undefined || value === "") continue;
    if (typeof value !== "string" || value.length > 64) {
      throw new TlsmithError(
        "BAD_OPTION",
        `subject ${key} must be a string of at most 64 characters.`,
      );
    }
    subject[field] = value;
  }
  return buildName(subject).der;
}

/**
 * Create a PKCS#10 CSR for `keyPair`, asking for `hosts` as subjectAltNames.
 * The signature uses the key's hash (SHA-256, SHA-384 for P-384, none for
 * Ed25519).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createCsr, parseCsr } from "./csr.ts";
 * import { generateKeyPair } from "../keys/keys.ts";
 * const { pem } = await createCsr(await generateKeyPair(), { hosts: ["localhost", "127.0.0.1"] });
 * const info = await parseCsr(pem);
 * assert.equal(info.subject, "CN=localhost");
 * assert.deepEqual(info.dnsNames, ["localhost"]);
 * assert.deepEqual(info.ipAddresses, ["127.0.0.1"]);
 * assert.equal(info.signatureValid, true);
 * ```
 */
export async function createCsr(
  keyPair: KeyPair | CryptoKeyPair,
  options: CreateCsrOptions = {},
): Promise<CreatedCsr> {
  if (!keyPair?.privateKey || !keyPair?.publicKey) {
    throw new TlsmithError("BAD_KEY", "createCsr needs a key pair { privateKey, publicKey }.");
  }
  const sans: SubjectAltName[] = parseHosts(options.hosts ?? []);
  const fields: SubjectFields = typeof options.subject === "string"
    ? { CN: options.subject }
    : options.subject ?? {};
  if (!fields.CN && !options.subject) {
    const firstDns = sans.find((s) => s.type === "dns" && !s.value.startsWith("*."));
    if (firstDns) fields.CN = firstDns.value;
  }
  if (sans.length === 0 && !fields.CN) {
    throw new TlsmithError(
      "BAD_OPTION",
      "a CSR needs at least one host name (hosts) or a subject common name.",
    );
  }
  const signer = signerFor(keyPair.privateKey);
  const attributes = sans.length
    ? [
      seq(
        oidDer(OID.extensionRequest),
        set(seq(encodeExtension(makeExtension(subjectAltNameCodec, sans.map(generalNameOf))))),
      ),
    ]
    : [];
  const info = seq(
    int(0),
    subjectName(fields),
    await exportSpki(keyPair.publicKey),
    tlv(0xa0, ...attributes),
  );
  const der = seq(info, signer.algorithm, bits(await signer.sign(info)));
  return { pem: encodePem("CERTIFICATE REQUEST", der), der };
}

/** What {@linkcode parseCsr} finds in a CSR. */
export interface CsrInfo {
  /** Subject in the one RFC 4514 form (`CN=localhost, O=x`), empty when there is none. */
  subject: string;
  /** The subject common name, if any. */
  commonName?: string;
  /**
   * Requested subjectAltNames, every GeneralName type (`dns`, `ip`, `email` and `uri` are the
   * ones a CA certifies).
   */
  subjectAltNames: GeneralName[];
  /** The requested DNS names. */
  dnsNames: string[];
  /** The requested IP addresses (text form). */
  ipAddresses: string[];
  /** Key type: `ec-p256`, `ec-p384`, `rsa-2048`…, `ed25519`, or a description of another key. */
  keyType: string;
  /** The signature algorithm, as OpenSSL names it (`ecdsa-with-SHA256`). */
  signatureAlgorithm: string;
  /** True when the CSR's self-signature verifies with its own public key. */
  signatureValid: boolean;
  /**
   * When the signature was not checked because tlsmith refuses its algorithm (SHA-1, MD5, DSA,
   * …): why. The CSR is then not "altered": it must be made again with a current algorithm.
   */
  signatureRefused?: string;
  /** OIDs of every extension requested (SAN, basicConstraints, …); the CA copies none of them. */
  requestedExtensions: string[];
  /** The requested public key: SubjectPublicKeyInfo DER. */
  publicKeyInfo: Uint8Array;
  /** DER bytes of the request. */
  der: Uint8Array;
}

/** Options of {@linkcode parseCsr}. */
export interface ParseCsrOptions {
  /** Where the CSR came from (a file name), for error messages. */
  source?: string;
}

function badCsr(source: string | undefined, detail: string, cause?: unknown): TlsmithError {
  return new TlsmithError(
    "BAD_CSR",
    `${source ? `${source}: ` : ""}${detail}`,
    cause === undefined ? undefined : { cause },
  );
}

/**
 * Read a DER PKCS#10 request into the CSR model (with the certificate's name and extension
 * codecs). An attribute whose value SET is empty is read as OpenSSL reads it (no values). Anything
 * that is not a well-formed request (or is larger than `X509_LIMITS.certificateBytes`) is a
 * `BAD_CSR` error naming `source`; the signature is not checked here.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createCsr, readCertificateRequest } from "./csr.ts";
 * import { generateKeyPair } from "../keys/keys.ts";
 * const { der } = await createCsr(await generateKeyPair(), { hosts: ["a.test"] });
 * const request = readCertificateRequest(der);
 * assert.equal(request.subject.text, "CN=a.test");
 * assert.deepEqual(request.subjectAltNames, [{ type: "dns", value: "a.test" }]);
 * ```
 */
export function readCertificateRequest(der: Uint8Array, source?: string): CertificateRequest {
  const tooBig = inputProblem(der, "CSR");
  if (tooBig) throw badCsr(source, tooBig);
  const what = "CSR";
  try {
    const [infoNode, algNode, sigNode] = sequence(parseDer(der, what), what, 3, 3);
    const fields = sequence(infoNode, `${what}'s signed body`, 3, 4);
    const version = readSmallInt(fields[0], `${what}'s version`);
    if (version !== 0) {
      throw new TlsmithError(
        "BAD_DER",
        `the ${what}'s version is ${version + 1}; PKCS#10 has version 1 only.`,
      );
    }
    const subject = readName(fields[1], `${what}'s subject`);
    const publicKey = readPublicKeyInfo(fields[2], `${what}'s public key`);
    const attributes: { oid: string; values: Uint8Array[] }[] = [];
    const extensions: Extension[] = [];
    const attrNode = fields[3];
    if (attrNode) {
      if (attrNode.cls !== 2 || attrNode.tag !== 0 || !attrNode.constructed) {
        throw new DerError(`the ${what}'s attributes are malformed.`);
      }
      for (const attr of attrNode.children) {
        const [typeNode, valuesNode] = sequence(attr, `${what} attribute`, 2, 2);
        const oid = readOid(typeNode, `${what} attribute type`);
        const values = setOf(valuesNode, `${what} attribute ${oid}`);
        attributes.push({ oid, values: values.map((v) => v.der) });
        if (oid === OID.extensionRequest || oid === OID.msExtensionRequest) {
          for (const v of values) {
            extensions.push(...readExtensionList(v, `${what}'s extension request`));
          }
        }
      }
    }
    const decoded = decodeExtensions(extensions, what);
    const signatureAlgorithm = readAlgorithmIdentifier(algNode, `${what}'s signature algorithm`);
    const { bytes: signature, unusedBits } = readBitString(sigNode, `${what}'s signature`);
    if (unusedBits !== 0) {
      throw new DerError(`the ${what}'s signature is not whole bytes.`);
    }
    return {
      der,
      tbs: infoNode.der,
      subject,
      publicKey,
      attributes,
      extensions,
      subjectAltNames: decoded.subjectAltNames,
      signatureAlgorithm,
      signature,
    };
  } catch (err) {
    const detail = err instanceof TlsmithError ? err.message : String(err);
    throw badCsr(
      source,
      `not a valid certificate signing request (PKCS#10): ${detail} Re-create it (\`tlsmith csr HOST --key KEY\` or \`openssl req -new\`).`,
      err,
    );
  }
}

/**
 * Parse a PEM (`CERTIFICATE REQUEST` or `NEW CERTIFICATE REQUEST`) or DER CSR and check its
 * self-signature: `signatureValid`, and `signatureRefused` (why) when the algorithm is one
 * tlsmith refuses, such as SHA-1 or DSA. Throws `BAD_CSR` / `BAD_PEM` for input that is not a
 * CSR, never for a bad signature.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createCsr, parseCsr } from "./csr.ts";
 * import { generateKeyPair } from "../keys/keys.ts";
 * const { pem } = await createCsr(await generateKeyPair("ec-p384"), { subject: "app.localhost", hosts: ["app.localhost"] });
 * const info = await parseCsr(pem, { source: "app.csr" });
 * assert.equal(info.subject, "CN=app.localhost");
 * assert.equal(info.keyType, "ec-p384");
 * assert.equal(info.signatureValid, true);
 * ```
 */
export async function parseCsr(
  input: string | Uint8Array,
  options: ParseCsrOptions = {},
): Promise<CsrInfo> {
  const source = options.source;
  let der: Uint8Array;
  if (typeof input === "string") {
    const blocks = decodePem(input, { source, expect: "certificate request" });
    const block = blocks.find((b) => isCsrLabel(b.label));
    if (!block) {
      const found = [...new Set(blocks.map((b) => b.label))].join(", ");
      throw badCsr(
        source,
        `expected a CERTIFICATE REQUEST but found ${found}. Create a CSR with \`tlsmith csr HOST --key KEY\` or \`openssl req -new\`.`,
      );
    }
    der = block.der;
  } else {
    der = input;
  }
  const request = readCertificateRequest(der, source);
  const check = await verifySignature(
    request.publicKey,
    request.signatureAlgorithm,
    request.tbs,
    request.signature,
  );
  const cn = request.subject.rdns.flat().find((a) => a.oid === OID.commonName)?.value;
  const names = [...request.subjectAltNames];
  return {
    subject: request.subject.text,
    ...(cn !== undefined ? { commonName: cn } : {}),
    subjectAltNames: names,
    dnsNames: names.flatMap((n) => n.type === "dns" ? [n.value] : []),
    ipAddresses: names.flatMap((n) => n.type === "ip" ? [n.value] : []),
    keyType: request.publicKey.keyType,
    signatureAlgorithm: request.signatureAlgorithm.name,
    signatureValid: check.status === "valid",
    ...(check.status === "refused" ? { signatureRefused: check.reason } : {}),
    requestedExtensions: request.extensions.map((e) => e.oid),
    publicKeyInfo: request.publicKey.der,
    der,
  };
}
