/**
 * PKCS#12 (.p12 / .pfx) export and import. Export writes OpenSSL 3's default layout: the private
 * key in a PBES2-shrouded key bag (PBKDF2-HMAC-SHA256, AES-256-CBC), the certificates in
 * PBES2-encrypted safe contents, and an HMAC-SHA256 integrity MAC keyed with the RFC 7292 PKCS#12
 * KDF; `openssl pkcs12`, Node's `tls.createSecureContext({ pfx })`, Java's `keytool`, GnuTLS and
 * NSS read it. Import reads that, and what OpenSSL, keytool, GnuTLS and NSS write (BER with
 * indefinite lengths included), with the strict, bounded `_internal/der.ts`.
 *
 * Import is bounded before any work: the file size, the MAC iterations and every key derivation
 * are capped ({@linkcode KEY_LIMITS}), their sum per file too, and the MAC's key derivation (done
 * in JavaScript) yields to the event loop as it goes. An empty pass phrase is tried both ways
 * OpenSSL tries it (the two-byte BMPString NUL and the zero-length password).
 *
 * @module
 */

import { sha224 } from "npm:@noble/hashes@^2.0.0/sha2.js";
import { hmac as nobleHmac } from "npm:@noble/hashes@^2.0.0/hmac.js";
import { concatBytes, equalBytes, toArrayBuffer } from "../_internal/bytes.ts";
import {
  berToDer,
  DerError,
  type DerNode,
  explicit,
  implicit,
  int,
  isContext,
  isUniversal,
  nul,
  octets,
  oid,
  parseDer,
  readOctets,
  readOid,
  readSmallInt,
  seq,
  sequence,
  set,
  setOf,
  TAG,
  tlv,
} from "../_internal/der.ts";
import { OID } from "../_internal/oids.ts";
import { sourcePrefix, TlsmithError } from "../errors.ts";
import { decodePem, encodePem, isCertificateLabel } from "../pem.ts";
import { fileArgument, reexportPkcs12Command } from "./commands.ts";
import {
  checkIterations,
  count,
  type DecryptContext,
  decryptEncryptedPkcs8,
  DEFAULT_ITERATIONS,
  encryptPkcs8,
  limitExceeded,
  pbeDecrypt,
  pbes2Encrypt,
  spend,
} from "./encrypt.ts";
import { exportPrivateKey, type PrivateKeyInput } from "./formats.ts";
import type { KeyPair } from "./keys.ts";
import { KEY_LIMITS } from "./limits.ts";
import { importPkcs8Der, isPkcs8 } from "./pkcs8.ts";
import { bmpPassword, MAC_HASHES, pkcs12Kdf } from "./pkcs12_kdf.ts";
import { certificateSpki, publicKeyMatches } from "./spki.ts";

/** Options of {@linkcode exportPkcs12}. */
export interface ExportPkcs12Options {
  /** The certificate in PEM (leaf first; further certificates in the text join the chain) or DER. */
  cert: string | Uint8Array;
  /** The private key: a `CryptoKey`, a `KeyPair`, or an unencrypted stored key in any format. */
  key: PrivateKeyInput;
  /** Intermediate / CA certificates: PEM text (one or more blocks), DER, or a list of those. */
  chain?: string | Uint8Array | Array<string | Uint8Array>;
  /** The pass phrase protecting the file (key encryption and MAC). Must not be empty. */
  passphrase: string;
  /** The name shown by keytool and the OS key stores (friendlyName attribute). */
  friendlyName?: string;
  /** PBKDF2 and MAC iterations (default 600 000, at most 1 000 000: the MAC's cap). */
  iterations?: number;
}

/** What {@linkcode importPkcs12} finds in a .p12 file. */
export interface Pkcs12Contents {
  /** The certificate that belongs to the key, in PEM. */
  cert: string;
  /** The private key as unencrypted PKCS#8 PEM (to write out or give a TLS server). */
  key: string;
  /** The private key as a WebCrypto key pair. */
  keyPair: KeyPair;
  /**
   * `cert` followed by the file's other certificates (its CA chain), in PEM, in file order:
   * what a server presents.
   */
  chain: string;
  /** The key's (or certificate's) friendlyName attribute, if any. */
  friendlyName?: string;
  /** @deprecated Use {@linkcode Pkcs12Contents.key}, the same PEM. */
  keyPem: string;
}

/** Options of {@linkcode importPkcs12}. */
export interface ImportPkcs12Options {
  /** The file's pass phrase (default: the empty pass phrase of a file made without one). */
  passphrase?: string;
  /** Where the bytes came from (a file name), used in error messages. */
  source?: string;
}

// ---------------------------------------------------------------------------
// The MAC

async function hmac(hashName: string, key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  // WebCrypto has no SHA-224 HMAC (`openssl pkcs12 -macalg sha224`).
  if (hashName === "SHA-224") return nobleHmac(sha224, key, data);
  const k = await crypto.subtle.importKey(
    "raw",
    toArrayBuffer(key),
    { name: "HMAC", hash: hashName },
    false,
    ["sign"],
  );
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, toArrayBuffer(data)));
}

// ---------------------------------------------------------------------------
// Export

function certDers(input: string | Uint8Array, what: string): Uint8Array[] {
  if (input instanceof Uint8Array) return [input];
  const blocks = decodePem(input, { source: what }).filter((b) => isCertificateLabel(b.label));
  if (blocks.length === 0) {
    throw new TlsmithError(
      "BAD_CERTIFICATE",
      `${what}: no "CERTIFICATE" block found. Pass the certificate PEM file.`,
    );
  }
  return blocks.map((b) => b.der);
}

function bmpString(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    out[2 * i] = text.charCodeAt(i) >> 8;
    out[2 * i + 1] = text.charCodeAt(i) & 0xff;
  }
  return tlv(0x1e, out);
}

function attributes(localKeyId: Uint8Array, friendlyName?: string): Uint8Array {
  const attrs: Uint8Array[] = [];
  if (friendlyName) attrs.push(seq(oid(OID.friendlyName), set(bmpString(friendlyName))));
  attrs.push(seq(oid(OID.localKeyId), set(octets(localKeyId))));
  return set(...attrs);
}

function certBag(der: Uint8Array, attrs?: Uint8Array): Uint8Array {
  const value = seq(oid(OID.x509Certificate), explicit(0, octets(der)));
  return attrs
    ? seq(oid(OID.certBag), explicit(0, value), attrs)
    : seq(oid(OID.certBag), explicit(0, value));
}

/**
 * Make a PKCS#12 file (.p12 / .pfx) with a certificate, its private key and an optional chain,
 * protected by `passphrase`: PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) for the key and the
 * certificates, an HMAC-SHA256 MAC, and friendlyName + localKeyId attributes — OpenSSL 3's
 * default layout, read by `openssl pkcs12`, Node (`tls.createSecureContext({ pfx, passphrase })`),
 * Java's `keytool` and the OS key stores. `KEY_MISMATCH` when the key does not belong to the
 * certificate.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { adhocCert } from "../ca/adhoc.ts";
 * import { exportPkcs12, importPkcs12 } from "./pkcs12.ts";
 *
 * const { cert, key } = await adhocCert();
 * const p12 = await exportPkcs12({ cert, key, passphrase: "changeit", friendlyName: "dev", iterations: 2048 });
 * const back = await importPkcs12(p12, { passphrase: "changeit" });
 * assert.equal(back.friendlyName, "dev");
 * assert.equal(back.cert, cert);
 * ```
 */
export async function exportPkcs12(options: ExportPkcs12Options): Promise<Uint8Array> {
  const { passphrase, friendlyName } = options;
  const iterations = checkIterations(
    options.iterations ?? DEFAULT_ITERATIONS,
    KEY_LIMITS.maxPkcs12MacIterations,
  );
  if (typeof passphrase !== "string" || passphrase.length === 0) {
    throw new TlsmithError(
      "BAD_OPTION",
      "a PKCS#12 file needs a non-empty pass phrase (many readers refuse empty ones).",
    );
  }
  const certs = certDers(options.cert, "cert");
  const leaf = certs[0];
  const chainInputs = options.chain === undefined
    ? []
    : Array.isArray(options.chain)
    ? options.chain
    : [options.chain];
  const chain = [...certs.slice(1), ...chainInputs.flatMap((c) => certDers(c, "chain"))];
  const keyPem = await exportPrivateKey(options.key);
  const pkcs8 = decodePem(keyPem)[0].der;
  const keyPair = await importPkcs8Der(pkcs8);
  if (!(await publicKeyMatches(certificateSpki(leaf), keyPair))) {
    throw new TlsmithError(
      "KEY_MISMATCH",
      "the private key does not belong to the certificate (their public keys differ). " +
        "Pass the key the certificate was issued for.",
    );
  }
  const localKeyId = new Uint8Array(await crypto.subtle.digest("SHA-1", toArrayBuffer(leaf)));
  const attrs = attributes(localKeyId, friendlyName);

  // Certificates: PBES2-encrypted safe contents (as OpenSSL 3 does by default).
  const certContents = seq(certBag(leaf, attrs), ...chain.map((c) => certBag(c)));
  const enc = await pbes2Encrypt(certContents, passphrase, iterations);
  const encryptedData = seq(int(0), seq(oid(OID.data), enc.algorithm, implicit(0, enc.ciphertext)));
  // Key: a PBES2-shrouded key bag in plain safe contents.
  const shrouded = await encryptPkcs8(pkcs8, passphrase, iterations);
  const keyContents = seq(seq(oid(OID.pkcs8ShroudedKeyBag), explicit(0, shrouded), attrs));
  const authSafe = seq(
    seq(oid(OID.encryptedData), explicit(0, encryptedData)),
    seq(oid(OID.data), explicit(0, octets(keyContents))),
  );
  return seq(
    int(3),
    seq(oid(OID.data), explicit(0, octets(authSafe))),
    await pkcs12MacData(authSafe, passphrase, iterations),
  );
}

/**
 * The MacData DER of a PFX: HMAC-SHA256 over the AuthenticatedSafe DER with a key from the
 * RFC 7292 PKCS#12 KDF (random 16-byte salt). Internal, exported for tests.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pkcs12MacData } from "./pkcs12.ts";
 * const mac = await pkcs12MacData(new Uint8Array([0x30, 0]), "pw", 1000);
 * assert.equal(mac[0], 0x30);
 * ```
 */
export async function pkcs12MacData(
  authSafe: Uint8Array,
  passphrase: string,
  iterations: number,
): Promise<Uint8Array> {
  const macSalt = crypto.getRandomValues(new Uint8Array(16));
  const h = MAC_HASHES[OID.sha256];
  const macKey = await pkcs12Kdf(h, bmpPassword(passphrase), macSalt, iterations, 3, h.u);
  const mac = await hmac(h.name, macKey, authSafe);
  return seq(seq(seq(oid(OID.sha256), nul()), octets(mac)), octets(macSalt), int(iterations));
}

// ---------------------------------------------------------------------------
// Import

interface Bag {
  kind: "key" | "cert";
  der: Uint8Array;
  localKeyId?: Uint8Array;
  friendlyName?: string;
}

function bad(source: string | undefined, what: string): TlsmithError {
  return new TlsmithError(
    "BAD_DER",
    `${sourcePrefix(source)}not a valid PKCS#12 file (${what}). Check that it is a .p12/.pfx ` +
      `file; it may be damaged.`,
  );
}

/** Parse one BER or DER element (what other tools write) strictly after normalizing it. */
function parseBer(bytes: Uint8Array, what: string): DerNode {
  return parseDer(berToDer(bytes, what), what);
}

/** The contents of `[0] EXPLICIT` around one element. */
function explicitInner(node: DerNode | undefined, what: string): DerNode {
  if (!isContext(node, 0) || !node.constructed || node.children.length !== 1) {
    throw new DerError(`the ${what} is not an explicitly tagged [0] value.`);
  }
  return node.children[0];
}

/** An `[0] IMPLICIT OCTET STRING`, primitive or (BER) constructed of OCTET STRING pieces. */
function implicitOctets(node: DerNode | undefined, what: string): Uint8Array {
  if (isContext(node, 0) && !node.constructed) return node.value;
  if (isContext(node, 0) && node.children.every((c) => isUniversal(c, TAG.OCTET_STRING))) {
    return concatBytes(...node.children.map((c) => readOctets(c, what)));
  }
  throw new DerError(`the ${what} is not an [0] OCTET STRING.`);
}

function readAttributes(node: DerNode | undefined, bag: Bag): void {
  if (node === undefined) return;
  for (const attr of setOf(node, "bag attributes")) {
    const [type, values] = sequence(attr, "bag attribute", 2, 2);
    const value = setOf(values, "bag attribute values")[0];
    const typeOid = readOid(type, "bag attribute type");
    if (typeOid === OID.friendlyName && isUniversal(value, TAG.BMP_STRING)) {
      const v = value.value;
      let name = "";
      for (let i = 0; i + 1 < v.length; i += 2) name += String.fromCharCode((v[i] << 8) | v[i + 1]);
      bag.friendlyName = name;
    } else if (typeOid === OID.localKeyId && isUniversal(value, TAG.OCTET_STRING)) {
      bag.localKeyId = value.value;
    }
  }
}

async function readSafeContents(
  der: Uint8Array,
  passphrase: string,
  bags: Bag[],
  ctx: DecryptContext,
  depth = 0,
): Promise<void> {
  for (const item of sequence(parseBer(der, "SafeContents"), "SafeContents")) {
    const parts = sequence(item, "SafeBag", 2, 3);
    const bagId = readOid(parts[0], "SafeBag type");
    const value = explicitInner(parts[1], "SafeBag value");
    const bag: Bag = { kind: "cert", der: new Uint8Array(0) };
    readAttributes(parts[2], bag);
    if (bagId === OID.pkcs8ShroudedKeyBag) {
      bag.kind = "key";
      bag.der = await decryptEncryptedPkcs8(
        berToDer(value.der, "shrouded key bag"),
        passphrase,
        { ...ctx, what: "PKCS#12 private key" },
      );
      bags.push(bag);
    } else if (bagId === OID.keyBag) {
      bag.kind = "key";
      bag.der = berToDer(value.der, "key bag");
      if (!isPkcs8(bag.der)) throw new DerError("the key bag is not a PKCS#8 private key.");
      bags.push(bag);
    } else if (bagId === OID.certBag) {
      const [certType, certValue] = sequence(value, "certificate bag", 2, 2);
      if (readOid(certType, "certificate type") !== OID.x509Certificate) continue; // SDSI
      bag.der = readOctets(explicitInner(certValue, "certificate bag"), "certificate bag");
      bags.push(bag);
    } else if (bagId === OID.safeContentsBag && depth < 4) {
      await readSafeContents(value.der, passphrase, bags, ctx, depth + 1);
    }
    // CRL and secret bags are ignored.
  }
}

function sameId(a?: Uint8Array, b?: Uint8Array): boolean {
  return !!a && !!b && equalBytes(a, b);
}

/** Check the PFX MAC; `WRONG_PASSPHRASE` when it does not match. */
async function checkMac(
  macData: DerNode,
  authSafe: Uint8Array,
  passphrase: string,
  ctx: DecryptContext,
): Promise<void> {
  const [digestInfo, saltNode, iterNode] = sequence(macData, "MacData", 2, 3);
  const [algorithm, digest] = sequence(digestInfo, "MAC digest", 2, 2);
  const macAlg = readOid(sequence(algorithm, "MAC algorithm", 1, 2)[0], "MAC algorithm");
  const expected = readOctets(digest, "MAC value");
  const salt = readOctets(saltNode, "MAC salt");
  const iterations = iterNode === undefined ? 1 : readSmallInt(iterNode, "MAC iteration count");
  const h = MAC_HASHES[macAlg];
  if (!h) {
    throw new TlsmithError(
      "UNSUPPORTED_ALGORITHM",
      `${sourcePrefix(ctx.source)}the PKCS#12 MAC uses ${
        macAlg === OID.pbmac1 ? "PBMAC1" : `the unknown algorithm ${macAlg}`
      }, which tlsmith does not read (it reads HMAC with SHA-1 … SHA-512). Re-export it: ` +
        `\`${reexportPkcs12Command(ctx)}\`.`,
    );
  }
  if (iterations < 1) throw new DerError("the MAC iteration count is 0.");
  if (iterations > h.maxIterations) {
    throw limitExceeded(
      { ...ctx, what: "PKCS#12 file" },
      `${h.name} MAC iterations`,
      count(iterations),
      `${count(h.maxIterations)} with ${h.name}`,
    );
  }
  spend(ctx, iterations / h.maxIterations);
  // OpenSSL tries an empty pass phrase both ways: as the BMPString NUL (what it writes) and as
  // the zero-length password other tools (GnuTLS --null-password, Windows) write.
  const passwords = passphrase === ""
    ? [bmpPassword(""), new Uint8Array(0)]
    : [bmpPassword(passphrase)];
  for (const password of passwords) {
    const key = await pkcs12Kdf(h, password, salt, iterations, 3, h.u);
    if (equalBytes(await hmac(h.name, key, authSafe), expected)) return;
  }
  throw new TlsmithError(
    "WRONG_PASSPHRASE",
    `${sourcePrefix(ctx.source)}wrong pass phrase for the PKCS#12 file (the integrity check ` +
      `fails). Check the pass phrase, --passphrase-file or TLSMITH_PASSPHRASE.`,
  );
}

/** Every bag of the AuthenticatedSafe, decrypting encrypted safe contents. */
async function readBags(
  authSafe: Uint8Array,
  passphrase: string,
  ctx: DecryptContext,
): Promise<Bag[]> {
  const bags: Bag[] = [];
  for (const ci of sequence(parseBer(authSafe, "AuthenticatedSafe"), "AuthenticatedSafe")) {
    const [typeNode, contentNode] = sequence(ci, "ContentInfo", 2, 2);
    const type = readOid(typeNode, "ContentInfo type");
    const content = explicitInner(contentNode, "ContentInfo content");
    if (type === OID.data) {
      await readSafeContents(readOctets(content, "data content"), passphrase, bags, ctx);
    } else if (type === OID.encryptedData) {
      const [, eci] = sequence(content, "EncryptedData", 2, 3);
      const [, algorithm, ciphertext] = sequence(eci, "EncryptedContentInfo", 3, 3);
      const what = "PKCS#12 certificates";
      const plain = await pbeDecrypt(
        algorithm,
        implicitOctets(ciphertext, "encrypted content"),
        passphrase,
        { ...ctx, what },
      );
      try {
        parseBer(plain, what);
      } catch {
        throw new TlsmithError(
          "WRONG_PASSPHRASE",
          `${sourcePrefix(ctx.source)}wrong pass phrase for the PKCS#12 certificates.`,
        );
      }
      await readSafeContents(plain, passphrase, bags, ctx);
    } else {
      throw new TlsmithError(
        "UNSUPPORTED_ALGORITHM",
        `${sourcePrefix(ctx.source)}the PKCS#12 file holds public-key-encrypted contents ` +
          `(${type}), which tlsmith does not read. Re-export it: ` +
          `\`${reexportPkcs12Command(ctx)}\`.`,
      );
    }
  }
  return bags;
}

/**
 * Read a PKCS#12 file: ours, OpenSSL 3's default (`openssl pkcs12 -export`), keytool's, GnuTLS's
 * and NSS's (BER), with PBES2 (AES) encryption or none. The MAC is checked first: a wrong pass
 * phrase is `WRONG_PASSPHRASE`; a file without a MAC is `UNSUPPORTED_ALGORITHM`; an empty pass
 * phrase matches a MAC over either encoding of the empty password. Legacy files (OpenSSL 1.x and
 * `-legacy`, Windows, macOS, older Java: PKCS#12 PBE with 3DES and RC2, PBES2 with 3DES or RC2)
 * are read too; RC4 is `UNSUPPORTED_ALGORITHM` with the command that re-exports the file;
 * over-large files and iteration counts `LIMIT_EXCEEDED`; damage `BAD_DER`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CertificateAuthority } from "../ca/authority.ts";
 * import { exportPkcs12, importPkcs12 } from "./pkcs12.ts";
 *
 * // The bytes of a server.p12 with its CA chain (from a file: `await readFile("server.p12")`).
 * const issued = await (await CertificateAuthority.create()).issue(["localhost"]);
 * const p12 = await exportPkcs12({
 *   cert: issued.chain,
 *   key: issued.key,
 *   passphrase: "changeit",
 *   iterations: 2048, // fast for the example; the default is 600 000
 * });
 *
 * const { cert, chain } = await importPkcs12(p12, { passphrase: "changeit", source: "server.p12" });
 * assert.equal(cert, issued.cert);
 * assert.equal(chain, issued.chain);
 * await assert.rejects(importPkcs12(p12, { passphrase: "wrong", source: "server.p12" }), {
 *   code: "WRONG_PASSPHRASE",
 * });
 * ```
 */
export async function importPkcs12(
  bytes: Uint8Array,
  options: ImportPkcs12Options | string = {},
  legacyOptions: ImportPkcs12Options = {},
): Promise<Pkcs12Contents> {
  // The pass phrase used to be the second argument: importPkcs12(bytes, "pw", { source }).
  const opts = typeof options === "string"
    ? { ...legacyOptions, passphrase: options }
    : options ?? {};
  const source = opts.source;
  const passphrase = opts.passphrase ?? "";
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) throw bad(source, "empty input");
  if (typeof passphrase !== "string") {
    throw new TlsmithError("BAD_OPTION", "the pass phrase of a PKCS#12 file must be a string.");
  }
  if (bytes.length > KEY_LIMITS.maxPkcs12Bytes) {
    throw new TlsmithError(
      "LIMIT_EXCEEDED",
      `${sourcePrefix(source)}the file is ${count(bytes.length)} bytes; a .p12 file is at most ` +
        `${count(KEY_LIMITS.maxPkcs12Bytes)} bytes here. Check that it is the right file.`,
    );
  }
  if (bytes[0] !== 0x30) {
    const text = new TextDecoder().decode(bytes.subarray(0, 64));
    throw bad(source, text.includes("-----BEGIN") ? "this is PEM text, not a .p12" : "not DER");
  }
  const ctx: DecryptContext = {
    source,
    what: "PKCS#12 file",
    container: "pkcs12",
    budget: { left: KEY_LIMITS.maxPkcs12KdfWork },
  };
  let bags: Bag[];
  try {
    const top = sequence(parseBer(bytes, "PKCS#12 file"), "PFX", 2, 3);
    if (readSmallInt(top[0], "PFX version") !== 3) throw new DerError("the PFX version is not 3.");
    const [typeNode, contentNode] = sequence(top[1], "authSafe", 2, 2);
    const contentType = readOid(typeNode, "authSafe content type");
    if (contentType !== OID.data) {
      throw new TlsmithError(
        "UNSUPPORTED_ALGORITHM",
        `${sourcePrefix(source)}the PKCS#12 file uses public-key integrity (content type ` +
          `${contentType}), not a pass phrase. Re-export it: \`${reexportPkcs12Command(ctx)}\`.`,
      );
    }
    const authSafe = readOctets(explicitInner(contentNode, "authSafe"), "authSafe");
    // Integrity first: a wrong pass phrase fails here. Without a MAC nothing proves the contents
    // are what the pass phrase holder made (OpenSSL's PKCS12_parse refuses too).
    if (top[2] === undefined) {
      throw new TlsmithError(
        "UNSUPPORTED_ALGORITHM",
        `${sourcePrefix(source)}the PKCS#12 file has no integrity MAC (made with ` +
          "`openssl pkcs12 -nomac`?), so its contents cannot be checked; Node and curl refuse " +
          `it too. Re-export it with a MAC: \`openssl pkcs12 -in ${
            fileArgument(source, "old.p12")
          } -nodes -out all.pem && openssl pkcs12 -export -in all.pem -out new.p12\` (then ` +
          `delete all.pem).`,
      );
    }
    await checkMac(top[2], authSafe, passphrase, ctx);
    bags = await readBags(authSafe, passphrase, ctx);
  } catch (err) {
    if (err instanceof DerError) throw bad(source, err.message.replace(/^the |\.$/g, ""));
    throw err;
  }

  const keys = bags.filter((b) => b.kind === "key");
  const certs = bags.filter((b) => b.kind === "cert");
  if (keys.length === 0) {
    throw new TlsmithError(
      "BAD_KEY",
      `${sourcePrefix(source)}the PKCS#12 file holds no private key (only ${certs.length} ` +
        `certificate(s)).`,
    );
  }
  if (certs.length === 0) {
    throw new TlsmithError(
      "BAD_CERTIFICATE",
      `${sourcePrefix(source)}the PKCS#12 file holds no certificate.`,
    );
  }
  const keyBag = keys[0];
  const key = await importPkcs8Der(keyBag.der, { source });
  // The certificate with the key's localKeyId first, but only if it really holds the key.
  let leaf: Bag | undefined;
  const byId = certs.filter((c) => sameId(c.localKeyId, keyBag.localKeyId));
  for (const c of [...byId, ...certs.filter((c) => !byId.includes(c))]) {
    let matches = false;
    try {
      matches = await publicKeyMatches(certificateSpki(c.der), key);
    } catch {
      matches = false;
    }
    if (matches) {
      leaf = c;
      break;
    }
  }
  if (!leaf) {
    throw new TlsmithError(
      "KEY_MISMATCH",
      `${sourcePrefix(source)}no certificate in the PKCS#12 file belongs to its private key.`,
    );
  }
  const cert = encodePem("CERTIFICATE", leaf.der);
  const keyPem = encodePem("PRIVATE KEY", keyBag.der);
  const result: Pkcs12Contents = {
    cert,
    key: keyPem,
    keyPair: key,
    chain: cert +
      certs.filter((c) => c !== leaf).map((c) => encodePem("CERTIFICATE", c.der)).join(""),
    keyPem,
  };
  const name = keyBag.friendlyName ?? leaf.friendlyName;
  if (name !== undefined) result.friendlyName = name;
  return result;
}

/**
 * Whether DER bytes look like a PKCS#12 file: `SEQUENCE { INTEGER 3, … }`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { looksLikePkcs12 } from "./pkcs12.ts";
 * assert.equal(looksLikePkcs12(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x03, 0, 0, 0])), true);
 * ```
 */
export function looksLikePkcs12(bytes: Uint8Array): boolean {
  if (bytes.length < 8 || bytes[0] !== 0x30) return false;
  const header = bytes[1] < 0x80 ? 2 : 2 + (bytes[1] & 0x7f);
  return bytes[header] === 0x02 && bytes[header + 1] === 0x01 && bytes[header + 2] === 0x03;
}
