/**
 * PKCS#10 certificate signing requests: create one for a key pair and host
 * names (SAN in an extensionRequest attribute, signed with SHA-256/384 or
 * Ed25519), and parse any CSR (ours or `openssl req -new`, EC, RSA, Ed25519)
 * into its subject, names, key type and whether its signature verifies.
 *
 * @module
 */

import * as asn1js from "npm:asn1js@^4.0.0";
import * as pkijs from "npm:pkijs@^4.0.0";
import { toArrayBuffer } from "../_internal/bytes.ts";
import { buildName, type CertificateSubject } from "./certificate.ts";
import { cryptoEngine } from "./engine.ts";
import { TlsmithError } from "../errors.ts";
import { exportSpki, type KeyPair, keyTypeOf, signatureHashFor } from "../keys/keys.ts";
import { generalNameOf, parseHosts, type SubjectAltName } from "./names.ts";
import { spkiKeyType } from "./describe.ts";
import { decodePem, encodePem } from "../pem.ts";
import { altNamesToList, formatName, verifySignature } from "./verify.ts";

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
function subjectName(fields: SubjectFields): pkijs.RelativeDistinguishedNames {
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
  return buildName(subject);
}

/**
 * Create a PKCS#10 CSR for `keyPair`, asking for `hosts` as subjectAltNames.
 * The signature uses the key's hash (SHA-256, SHA-384 for P-384, none for
 * Ed25519).
 *
 * @example
 * ```ts
 * import { createCsr, parseCsr } from "./csr.ts";
 * import { generateKeyPair } from "../keys/keys.ts";
 * const { pem } = await createCsr(await generateKeyPair(), { hosts: ["localhost", "127.0.0.1"] });
 * const info = await parseCsr(pem);
 * console.log(info.dnsNames, info.ipAddresses, info.signatureValid); // [ "localhost" ] [ "127.0.0.1" ] true
 * ```
 */
export async function createCsr(
  keyPair: KeyPair | CryptoKeyPair,
  options: CreateCsrOptions = {},
): Promise<CreatedCsr> {
  if (!keyPair?.privateKey || !keyPair?.publicKey) {
    throw new TlsmithError("BAD_KEY", "createCsr needs a key pair { privateKey, publicKey }.");
  }
  const type = keyTypeOf(keyPair.privateKey);
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
  const csr = new pkijs.CertificationRequest();
  csr.version = 0;
  const name = subjectName(fields);
  csr.subject = name;
  csr.subjectPublicKeyInfo = pkijs.PublicKeyInfo.fromBER(
    toArrayBuffer(await exportSpki(keyPair.publicKey)),
  );
  csr.attributes = [];
  if (sans.length) {
    const altName = new pkijs.AltName({ altNames: sans.map(generalNameOf) });
    const extensions = new pkijs.Extensions({
      extensions: [
        new pkijs.Extension({
          extnID: "2.5.29.17",
          critical: false,
          extnValue: altName.toSchema().toBER(false),
        }),
      ],
    });
    csr.attributes.push(
      new pkijs.Attribute({ type: "1.2.840.113549.1.9.14", values: [extensions.toSchema()] }),
    );
  }
  await csr.sign(keyPair.privateKey, signatureHashFor(type) ?? "SHA-256", cryptoEngine());
  const der = new Uint8Array(csr.toSchema().toBER(false));
  return { pem: encodePem("CERTIFICATE REQUEST", der), der };
}

/** What {@linkcode parseCsr} finds in a CSR. */
export interface CsrInfo {
  /** Subject in one-line form (`CN=localhost, O=x`), empty when there is none. */
  subject: string;
  /** The subject common name, if any. */
  commonName?: string;
  /** Requested subjectAltNames (DNS, IP, e-mail, URI). */
  subjectAltNames: SubjectAltName[];
  /** The requested DNS names. */
  dnsNames: string[];
  /** The requested IP addresses (text form). */
  ipAddresses: string[];
  /** Key type: `ec-p256`, `ec-p384`, `rsa-2048`…, `ed25519`, or a description of another key. */
  keyType: string;
  /** True when the CSR's self-signature verifies with its own public key. */
  signatureValid: boolean;
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

/**
 * Parse a PEM (`CERTIFICATE REQUEST` or `NEW CERTIFICATE REQUEST`) or DER
 * CSR. Checks its self-signature (`signatureValid`); does not throw for a bad
 * signature, but throws `BAD_CSR` / `BAD_PEM` for input that is not a CSR.
 *
 * @example
 * ```ts
 * import { createCsr, parseCsr } from "./csr.ts";
 * import { generateKeyPair } from "../keys/keys.ts";
 * const { pem } = await createCsr(await generateKeyPair("ec-p384"), { subject: "app.localhost", hosts: ["app.localhost"] });
 * const info = await parseCsr(pem, { source: "app.csr" });
 * console.log(info.subject, info.keyType); // CN=app.localhost ec-p384
 * ```
 */
export async function parseCsr(
  input: string | Uint8Array,
  options: ParseCsrOptions = {},
): Promise<CsrInfo> {
  const where = options.source ? `${options.source}: ` : "";
  let der: Uint8Array;
  if (typeof input === "string") {
    const blocks = decodePem(input, { source: options.source });
    const block = blocks.find((b) =>
      b.label === "CERTIFICATE REQUEST" || b.label === "NEW CERTIFICATE REQUEST"
    );
    if (!block) {
      const found = [...new Set(blocks.map((b) => b.label))].join(", ");
      throw new TlsmithError(
        "BAD_CSR",
        `${where}expected a CERTIFICATE REQUEST but found ${found}. Create a CSR with \`tlsmith csr HOST --key KEY\` or \`openssl req -new\`.`,
      );
    }
    der = block.der;
  } else {
    der = input;
  }
  const asn = asn1js.fromBER(toArrayBuffer(der));
  if (asn.offset === -1 || asn.offset !== der.length) {
    throw new TlsmithError(
      "BAD_CSR",
      `${where}the CSR is not valid DER (damaged or truncated). Re-create it.`,
    );
  }
  let request: pkijs.CertificationRequest;
  try {
    request = new pkijs.CertificationRequest({ schema: asn.result });
  } catch (err) {
    throw new TlsmithError(
      "BAD_CSR",
      `${where}the data is not a PKCS#10 certificate request (${(err as Error).message}).`,
      { cause: err },
    );
  }
  const requestedExtensions: string[] = [];
  const altNames: pkijs.GeneralName[] = [];
  for (const attr of request.attributes ?? []) {
    if (attr.type !== "1.2.840.113549.1.9.14" && attr.type !== "1.3.6.1.4.1.311.2.1.14") continue;
    for (const value of attr.values) {
      let exts: pkijs.Extensions;
      try {
        exts = new pkijs.Extensions({ schema: value });
      } catch (err) {
        throw new TlsmithError("BAD_CSR", `${where}the CSR's extension request is malformed.`, {
          cause: err,
        });
      }
      for (const ext of exts.extensions) {
        requestedExtensions.push(ext.extnID);
        if (ext.extnID === "2.5.29.17") {
          // pkijs hands back an empty AltName (with parsingError) for a malformed value.
          let alt = ext.parsedValue as (pkijs.AltName & { parsingError?: string }) | undefined;
          if (!(alt instanceof pkijs.AltName) || alt.parsingError) {
            const bytes = ext.extnValue.valueBlock.valueHexView;
            const asn = asn1js.fromBER(bytes);
            try {
              if (asn.offset !== bytes.length || asn.result.error) throw new Error("not DER");
              alt = new pkijs.AltName({ schema: asn.result });
            } catch (err) {
              throw new TlsmithError(
                "BAD_CSR",
                `${where}the CSR's subjectAltName request is malformed. Re-create the CSR.`,
                { cause: err },
              );
            }
          }
          altNames.push(...alt.altNames);
        }
      }
    }
  }
  const subjectAltNames = altNamesToList(altNames) as SubjectAltName[];
  let signatureValid = false;
  try {
    signatureValid = await verifySignature(
      request.subjectPublicKeyInfo,
      request.signatureAlgorithm,
      request.tbsView,
      request.signatureValue.valueBlock.valueHexView,
    );
  } catch {
    signatureValid = false;
  }
  const cn = request.subject.typesAndValues.find((tv) => tv.type === "2.5.4.3");
  const cnValue = (cn?.value as { valueBlock?: { value?: unknown } } | undefined)?.valueBlock
    ?.value;
  return {
    subject: formatName(request.subject),
    ...(typeof cnValue === "string" ? { commonName: cnValue } : {}),
    subjectAltNames,
    dnsNames: subjectAltNames.filter((s) => s.type === "dns").map((s) => s.value),
    ipAddresses: subjectAltNames.filter((s) => s.type === "ip").map((s) => s.value),
    keyType: spkiKeyType(request.subjectPublicKeyInfo),
    signatureValid,
    requestedExtensions,
    publicKeyInfo: new Uint8Array(request.subjectPublicKeyInfo.toSchema().toBER(false)),
    der,
  };
}
