/**
 * Hand-made certificates and CSRs for the reader tests: any subject bytes, any extension bytes,
 * any time encoding, any serial, signed for real (so openssl and certtool read them as they would
 * a CA's). What tlsmith's own creation refuses to write (x400Address SANs, IA5 bytes over 0x7f,
 * a 15-character UTCTime, an empty extendedKeyUsage, a CSR attribute with an empty value SET) is
 * made here, byte for byte, with the DER writer.
 */
import {
  bits,
  explicit,
  int,
  octets,
  oid,
  seq,
  set,
  time,
  tlv,
  utf8String,
} from "../src/_internal/der.ts";
import { exportSpki, generateKeyPair, type KeyPair } from "../src/keys/keys.ts";
import { signerFor } from "../src/x509/signature.ts";
import { encodePem } from "../src/pem.ts";
import { join } from "node:path";
import { writeFile } from "node:fs/promises";
import { openssl } from "./helpers.ts";

let shared: KeyPair | undefined;

/** One key pair for every forged item (P-256). */
export async function forgeKeys(): Promise<KeyPair> {
  shared ??= await generateKeyPair("ec-p256");
  return shared;
}

/** An AttributeTypeAndValue with an already-encoded value. */
export function atv(type: string, value: Uint8Array): Uint8Array {
  return seq(oid(type), value);
}

/** A Name with one RDN per element; an element that is an array becomes a multi-valued RDN. */
export function name(...rdns: (Uint8Array | Uint8Array[])[]): Uint8Array {
  return seq(...rdns.map((r) => Array.isArray(r) ? tlv(0x31, ...r) : set(r)));
}

/** An Extension (`critical` only written when true). */
export function extension(type: string, value: Uint8Array, critical = false): Uint8Array {
  return seq(oid(type), ...(critical ? [tlv(0x01, new Uint8Array([0xff]))] : []), octets(value));
}

/** A primitive element with any tag byte and raw contents (`0x16` IA5String, `0x82` dNSName …). */
export function raw(tag: number, bytes: number[] | Uint8Array | string): Uint8Array {
  const content = typeof bytes === "string"
    ? new TextEncoder().encode(bytes)
    : new Uint8Array(bytes);
  return tlv(tag, content);
}

/** What {@linkcode forgeCertificate} writes; everything has a plain default. */
export interface ForgeOptions {
  /** Subject Name DER (default CN=forged); also the issuer. */
  subject?: Uint8Array;
  /** Extension DERs, written in `[3]` when given. */
  extensions?: Uint8Array[];
  /** Encoded notBefore (default 2026-01-01, UTCTime). */
  notBefore?: Uint8Array;
  /** Encoded notAfter (default 2036-01-01, UTCTime). */
  notAfter?: Uint8Array;
  /** Encoded serial INTEGER (default 5). */
  serial?: Uint8Array;
}

/** A signed certificate with exactly the given parts: DER and PEM. */
export async function forgeCertificate(
  options: ForgeOptions = {},
): Promise<{ der: Uint8Array; pem: string }> {
  const keys = await forgeKeys();
  const signer = signerFor(keys.privateKey);
  const subject = options.subject ?? name(atv("2.5.4.3", utf8String("forged")));
  const tbs = seq(
    explicit(0, int(2)),
    options.serial ?? int(5),
    signer.algorithm,
    subject,
    seq(
      options.notBefore ?? time(new Date("2026-01-01T00:00:00Z")),
      options.notAfter ?? time(new Date("2036-01-01T00:00:00Z")),
    ),
    subject,
    await exportSpki(keys.publicKey),
    ...(options.extensions ? [explicit(3, seq(...options.extensions))] : []),
  );
  const der = seq(tbs, signer.algorithm, bits(await signer.sign(tbs)));
  return { der, pem: encodePem("CERTIFICATE", der) };
}

/** A signed CSR with the given subject and attribute DERs: DER and PEM. */
export async function forgeCsr(
  options: { subject?: Uint8Array; attributes?: Uint8Array[] } = {},
): Promise<{ der: Uint8Array; pem: string }> {
  const keys = await forgeKeys();
  const signer = signerFor(keys.privateKey);
  const info = seq(
    int(0),
    options.subject ?? name(atv("2.5.4.3", utf8String("forged.test"))),
    await exportSpki(keys.publicKey),
    tlv(0xa0, ...(options.attributes ?? [])),
  );
  const der = seq(info, signer.algorithm, bits(await signer.sign(info)));
  return { der, pem: encodePem("CERTIFICATE REQUEST", der) };
}

/** openssl config lines (in `[v3]`) for a subjectAltName of every GeneralName type openssl writes. */
export const EVERY_OPENSSL_SAN: readonly string[] = [
  "subjectAltName=@alt",
  "[alt]",
  "DNS.1=a.example",
  "DNS.2=*.w.example",
  "email.1=x@y.example",
  "URI.1=https://u.example/p?q#f",
  "IP.1=10.0.0.1",
  "IP.2=2001:db8::1",
  "IP.3=::ffff:1.2.3.4",
  "RID.1=1.2.3.4",
  "dirName.1=dirsec",
  "otherName.1=1.3.6.1.4.1.311.20.2.3;UTF8:upn@example",
  "otherName.2=1.2.3.5;UTF8:hello",
  "[dirsec]",
  "C=DE",
  "O=Dir Org",
  "CN=dir name",
];

/**
 * A self-signed certificate (PEM) from `openssl req -x509 -nodes` with `args` (key, subject,
 * serial …) and the extension lines `v3` (default `basicConstraints=CA:FALSE`); files in `dir`.
 */
export async function opensslSelfSigned(
  dir: string,
  args: readonly string[],
  v3: readonly string[] = ["basicConstraints=CA:FALSE"],
): Promise<string> {
  const id = crypto.randomUUID();
  const conf = join(dir, `${id}.cnf`);
  await writeFile(conf, ["[req]", "distinguished_name=dn", "[dn]", "[v3]", ...v3, ""].join("\n"));
  return await openssl([
    "req",
    "-x509",
    "-nodes",
    "-keyout",
    join(dir, `${id}.key`),
    "-days",
    "30",
    "-config",
    conf,
    "-extensions",
    "v3",
    ...args,
  ]);
}
