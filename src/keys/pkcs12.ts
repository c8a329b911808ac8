/**
 * PKCS#12 (.p12 / .pfx) export and import, as OpenSSL 3 writes them by
 * default: the private key in a PBES2-shrouded key bag (PBKDF2-HMAC-SHA256,
 * AES-256-CBC), the certificates in PBES2-encrypted safe contents, and an
 * HMAC-SHA256 integrity MAC keyed with the RFC 7292 PKCS#12 KDF. Read by
 * `openssl pkcs12`, Node's `tls.createSecureContext({ pfx })` and Java's
 * `keytool`.
 *
 * @module
 */

import * as asn1js from "npm:asn1js@^4.0.0";
import { sha1 } from "npm:@noble/hashes@^2.0.0/legacy.js";
import { sha224, sha256, sha384, sha512 } from "npm:@noble/hashes@^2.0.0/sha2.js";
import { hmac as nobleHmac } from "npm:@noble/hashes@^2.0.0/hmac.js";
import { sourcePrefix, TlsmithError } from "../errors.ts";
import { concatBytes, equalBytes, toArrayBuffer, toBytes } from "../_internal/bytes.ts";
import { decodePem, encodePem } from "../pem.ts";
import {
  children,
  encodeDer,
  explicit,
  implicitOctets,
  int,
  intOf,
  isContext,
  isSequence,
  nul,
  octets,
  octetsOf,
  oid,
  oidOf,
  parseDer,
  raw,
  readPkcs8,
  seq,
  set,
  tryParseDer,
} from "../_internal/asn1.ts";
import { OID } from "../_internal/oids.ts";
import {
  decryptPkcs8Der,
  DEFAULT_ITERATIONS,
  encryptPkcs8Der,
  importPrivateKeyInfo,
  pbes2Decrypt,
  pbes2Encrypt,
  pkcs8Of,
  type PrivateKeyInput,
} from "./encrypt.ts";
import type { KeyPair } from "./keys.ts";
import { certificateSpki, publicKeyMatches } from "./spki.ts";

/** Options of {@linkcode exportPkcs12}. */
export interface ExportPkcs12Options {
  /** The certificate in PEM (leaf first; further certificates in the text join the chain) or DER. */
  cert: string | Uint8Array;
  /** The private key: unencrypted PEM in any format, a `CryptoKey` or a `KeyPair`. */
  key: PrivateKeyInput;
  /** Intermediate / CA certificates: PEM text (one or more blocks), DER, or a list of those. */
  chain?: string | Uint8Array | Array<string | Uint8Array>;
  /** The pass phrase protecting the file (key encryption and MAC). Must not be empty. */
  passphrase: string;
  /** The name shown by keytool and the OS key stores (friendlyName attribute). */
  friendlyName?: string;
  /** PBKDF2 and MAC iterations (default 600 000). */
  iterations?: number;
}

/** What {@linkcode importPkcs12} finds in a .p12 file. */
export interface Pkcs12Contents {
  /** The certificate that belongs to the key, in PEM. */
  cert: string;
  /** The private key. */
  key: KeyPair;
  /** The private key as unencrypted PKCS#8 PEM (to write out or give a TLS server). */
  keyPem: string;
  /** The other certificates, in PEM, in file order. */
  chain: string[];
  /** The key's (or certificate's) friendlyName attribute, if any. */
  friendlyName?: string;
}

/** Options of {@linkcode importPkcs12}. */
export interface ImportPkcs12Options {
  /** Where the bytes came from (a file name), used in error messages. */
  source?: string;
}

// ---------------------------------------------------------------------------
// RFC 7292 appendix B: the PKCS#12 key derivation (used here for the MAC key)

type Hasher = (data: Uint8Array) => Uint8Array;

/** `times` more rounds of `a = H(a)` on a digest, with a general-purpose hasher. */
function repeatWith(fn: Hasher): (digest: Uint8Array, times: number) => Uint8Array {
  return (digest, times) => {
    let a = digest;
    for (let r = 0; r < times; r++) a = fn(a);
    return a;
  };
}

interface MacHash {
  name: string;
  fn: Hasher;
  repeat: (digest: Uint8Array, times: number) => Uint8Array;
  u: number;
  v: number;
}

const MAC_HASHES: Record<string, MacHash> = {
  [OID.sha1]: { name: "SHA-1", fn: (d) => sha1(d), repeat: repeatWith(sha1), u: 20, v: 64 },
  [OID.sha224]: { name: "SHA-224", fn: (d) => sha224(d), repeat: repeatWith(sha224), u: 28, v: 64 },
  [OID.sha256]: { name: "SHA-256", fn: (d) => sha256(d), repeat: sha256Repeat, u: 32, v: 64 },
  [OID.sha384]: {
    name: "SHA-384",
    fn: (d) => sha384(d),
    repeat: repeatWith(sha384),
    u: 48,
    v: 128,
  },
  [OID.sha512]: {
    name: "SHA-512",
    fn: (d) => sha512(d),
    repeat: repeatWith(sha512),
    u: 64,
    v: 128,
  },
};

// SHA-256 constants, computed exactly with integer roots (FIPS 180-4 §4.2.2, §5.3.3):
// K[i] = first 32 bits of the fractional part of cbrt(prime i), IV[i] likewise of sqrt.
let SHA256_K: Int32Array | undefined;
let SHA256_IV: Int32Array | undefined;

function integerRoot(x: bigint, k: bigint): bigint {
  // Newton's method on integers: the largest r with r^k <= x.
  let r = 1n << (BigInt(x.toString(2).length) / k + 1n);
  for (;;) {
    const next = ((k - 1n) * r + x / r ** (k - 1n)) / k;
    if (next >= r) break;
    r = next;
  }
  while (r ** k > x) r--;
  while ((r + 1n) ** k <= x) r++;
  return r;
}

function sha256Constants(): { k: Int32Array; iv: Int32Array } {
  if (!SHA256_K || !SHA256_IV) {
    const primes: number[] = [];
    for (let n = 2; primes.length < 64; n++) {
      if (primes.every((p) => n % p !== 0)) primes.push(n);
    }
    const frac32 = (p: number, k: bigint) =>
      Number(integerRoot(BigInt(p) << (32n * k), k) & 0xffffffffn);
    SHA256_K = Int32Array.from(primes, (p) => frac32(p, 3n) | 0);
    SHA256_IV = Int32Array.from(primes.slice(0, 8), (p) => frac32(p, 2n) | 0);
  }
  return { k: SHA256_K, iv: SHA256_IV };
}

/**
 * `times` more rounds of `a = SHA-256(a)` on a 32-byte digest, without
 * allocating: the input of each round is one padded block whose first eight
 * words are the previous digest. The PKCS#12 KDF spends nearly all its time
 * here (600 000 rounds for our default MAC), about 4x faster than hashing with
 * a general-purpose SHA-256. Internal, exported for tests.
 *
 * @example
 * ```ts
 * import { sha256Repeat } from "./pkcs12.ts";
 * import { sha256 } from "npm:@noble/hashes@^2.0.0/sha2.js";
 * const x = new Uint8Array(32);
 * console.log(sha256Repeat(x, 2).join() === sha256(sha256(x)).join()); // true
 * ```
 */
export function sha256Repeat(digest: Uint8Array, times: number): Uint8Array {
  if (digest.length !== 32) throw new RangeError("sha256Repeat: the input must be 32 bytes");
  const { k, iv } = sha256Constants();
  // Int32 (not Uint32) arrays keep every value a small integer for the JIT.
  const w = new Int32Array(64);
  const s = new Int32Array(8);
  for (let i = 0; i < 8; i++) {
    s[i] = (digest[4 * i] << 24) | (digest[4 * i + 1] << 16) | (digest[4 * i + 2] << 8) |
      digest[4 * i + 3];
  }
  for (let round = 0; round < times; round++) {
    for (let i = 0; i < 8; i++) w[i] = s[i];
    w[8] = 0x80000000 | 0;
    for (let i = 9; i < 15; i++) w[i] = 0;
    w[15] = 256; // message length in bits
    for (let i = 16; i < 64; i++) {
      const x = w[i - 15];
      const y = w[i - 2];
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
    }
    let a = iv[0], b = iv[1], c = iv[2], d = iv[3], e = iv[4], f = iv[5], g = iv[6], h = iv[7];
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (h + S1 + ((e & f) ^ (~e & g)) + k[i] + w[i]) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      h = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    s[0] = iv[0] + a;
    s[1] = iv[1] + b;
    s[2] = iv[2] + c;
    s[3] = iv[3] + d;
    s[4] = iv[4] + e;
    s[5] = iv[5] + f;
    s[6] = iv[6] + g;
    s[7] = iv[7] + h;
  }
  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) {
    out[4 * i] = s[i] >>> 24;
    out[4 * i + 1] = (s[i] >>> 16) & 0xff;
    out[4 * i + 2] = (s[i] >>> 8) & 0xff;
    out[4 * i + 3] = s[i] & 0xff;
  }
  return out;
}

/** The pass phrase as a BMPString with a two-byte NUL terminator (RFC 7292 B.1). */
function bmpPassword(passphrase: string): Uint8Array {
  const out = new Uint8Array((passphrase.length + 1) * 2);
  for (let i = 0; i < passphrase.length; i++) {
    const c = passphrase.charCodeAt(i);
    out[i * 2] = c >> 8;
    out[i * 2 + 1] = c & 0xff;
  }
  return out;
}

function repeatTo(data: Uint8Array, v: number): Uint8Array {
  if (data.length === 0) return data;
  const len = v * Math.ceil(data.length / v);
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) out[i] = data[i % data.length];
  return out;
}

/** PKCS#12 KDF: `id` 1 = key, 2 = IV, 3 = MAC key. */
function pkcs12Kdf(
  hash: MacHash,
  password: Uint8Array,
  salt: Uint8Array,
  iterations: number,
  id: number,
  n: number,
): Uint8Array {
  const { fn, repeat, u, v } = hash;
  const d = new Uint8Array(v).fill(id);
  const i = concatBytes(repeatTo(salt, v), repeatTo(password, v));
  const out: Uint8Array[] = [];
  for (let produced = 0; produced < n; produced += u) {
    const a = repeat(fn(concatBytes(d, i)), iterations - 1);
    out.push(a);
    if (produced + u >= n) break;
    const b = repeatTo(a, v).slice(0, v);
    for (let j = 0; j < i.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = i[j + k] + b[k] + carry;
        i[j + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return concatBytes(...out).slice(0, n);
}

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
  const blocks = decodePem(input, { source: what }).filter((b) => b.label === "CERTIFICATE");
  if (blocks.length === 0) {
    throw new TlsmithError(
      "BAD_CERTIFICATE",
      `${what}: no "CERTIFICATE" block found. Pass the certificate PEM file.`,
    );
  }
  return blocks.map((b) => b.der);
}

function attributes(localKeyId: Uint8Array, friendlyName?: string): asn1js.Set {
  const attrs: asn1js.AsnType[] = [];
  if (friendlyName) {
    attrs.push(seq(oid(OID.friendlyName), set(new asn1js.BmpString({ value: friendlyName }))));
  }
  attrs.push(seq(oid(OID.localKeyId), set(octets(localKeyId))));
  return set(...attrs);
}

function certBag(der: Uint8Array, attrs?: asn1js.Set): asn1js.Sequence {
  const value = seq(oid(OID.x509Certificate), explicit(0, octets(der)));
  return attrs
    ? seq(oid(OID.certBag), explicit(0, value), attrs)
    : seq(oid(OID.certBag), explicit(0, value));
}

/**
 * Make a PKCS#12 file (.p12 / .pfx) with a certificate, its private key and
 * an optional chain, protected by `passphrase`: PBES2 (PBKDF2-HMAC-SHA256,
 * AES-256-CBC) for the key and the certificates, an HMAC-SHA256 MAC, and
 * friendlyName + localKeyId attributes — OpenSSL 3's default layout, read by
 * `openssl pkcs12`, Node (`tls.createSecureContext({ pfx, passphrase })`),
 * Java's `keytool` and the OS key stores. `KEY_MISMATCH` when the key does not
 * belong to the certificate.
 *
 * @example
 * ```ts
 * import { adhocCert } from "../ca/adhoc.ts";
 * import { exportPkcs12, importPkcs12 } from "./pkcs12.ts";
 *
 * const { cert, key } = await adhocCert();
 * const p12 = await exportPkcs12({ cert, key, passphrase: "changeit", friendlyName: "dev", iterations: 2048 });
 * const back = await importPkcs12(p12, "changeit");
 * console.log(back.friendlyName); // dev
 * ```
 */
export async function exportPkcs12(options: ExportPkcs12Options): Promise<Uint8Array> {
  const { passphrase, friendlyName } = options;
  const iterations = options.iterations ?? DEFAULT_ITERATIONS;
  if (typeof passphrase !== "string" || passphrase.length === 0) {
    throw new TlsmithError(
      "BAD_OPTION",
      "a PKCS#12 file needs a non-empty pass phrase (many readers refuse empty ones).",
    );
  }
  if (!Number.isSafeInteger(iterations) || iterations < 1 || iterations > 10_000_000) {
    throw new TlsmithError(
      "BAD_OPTION",
      `iterations must be a whole number from 1 to 10000000 (got ${iterations}).`,
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
  const pkcs8 = await pkcs8Of(options.key);
  const keyPair = await importPrivateKeyInfo(pkcs8);
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
  const certContents = encodeDer(seq(certBag(leaf, attrs), ...chain.map((c) => certBag(c))));
  const enc = await pbes2Encrypt(certContents, passphrase, iterations);
  const encryptedData = seq(
    int(0),
    seq(oid(OID.data), enc.algorithm, implicitOctets(0, enc.ciphertext)),
  );
  // Key: a PBES2-shrouded key bag in plain safe contents.
  const shrouded = await encryptPkcs8Der(pkcs8, passphrase, iterations);
  const keyContents = encodeDer(
    seq(seq(oid(OID.pkcs8ShroudedKeyBag), explicit(0, raw(shrouded)), attrs)),
  );
  const authSafe = encodeDer(
    seq(
      seq(oid(OID.encryptedData), explicit(0, encryptedData)),
      seq(oid(OID.data), explicit(0, octets(keyContents))),
    ),
  );
  const pfx = seq(
    int(3),
    seq(oid(OID.data), explicit(0, octets(authSafe))),
    await pkcs12MacData(authSafe, passphrase, iterations),
  );
  return encodeDer(pfx);
}

/**
 * The MacData of a PFX: HMAC-SHA256 over the AuthenticatedSafe DER with a key
 * from the RFC 7292 PKCS#12 KDF (random 16-byte salt). Internal, exported for tests.
 *
 * @example
 * ```ts
 * import { pkcs12MacData } from "./pkcs12.ts";
 * const mac = await pkcs12MacData(new Uint8Array([0x30, 0]), "pw", 1000);
 * console.log(mac.valueBlock.value.length); // 3
 * ```
 */
export async function pkcs12MacData(
  authSafe: Uint8Array,
  passphrase: string,
  iterations: number,
): Promise<asn1js.Sequence> {
  const macSalt = crypto.getRandomValues(new Uint8Array(16));
  const h = MAC_HASHES[OID.sha256];
  const macKey = pkcs12Kdf(h, bmpPassword(passphrase), macSalt, iterations, 3, h.u);
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

function reexportFile(source?: string): string {
  return source && !/[\s'"$`\\]/.test(source) ? source : "old.p12";
}

function reexportHint(source?: string): string {
  const file = reexportFile(source);
  return "Re-export it with OpenSSL 3's defaults: " +
    `\`openssl pkcs12 -in ${file} -legacy -nodes -out all.pem && ` +
    "openssl pkcs12 -export -in all.pem -out new.p12` (then delete all.pem).";
}

function bad(source: string | undefined, what: string): TlsmithError {
  return new TlsmithError(
    "BAD_DER",
    `${
      sourcePrefix(source)
    }not a valid PKCS#12 file (${what}). Check that it is a .p12/.pfx file; ` +
      `it may be damaged.`,
  );
}

function readAttributes(node: asn1js.AsnType | undefined, bag: Bag): void {
  for (const attr of children(node) ?? []) {
    const parts = children(attr);
    const type = oidOf(parts?.[0]);
    const value = children(parts?.[1])?.[0];
    if (type === OID.friendlyName && value instanceof asn1js.BmpString) {
      bag.friendlyName = value.valueBlock.value;
    } else if (type === OID.localKeyId) {
      const id = octetsOf(value);
      if (id) bag.localKeyId = id;
    }
  }
}

async function readSafeContents(
  der: Uint8Array,
  passphrase: string,
  bags: Bag[],
  source: string | undefined,
  depth = 0,
): Promise<void> {
  const node = tryParseDer(der);
  const items = isSequence(node) ? children(node) : null;
  if (!items) throw bad(source, "SafeContents");
  for (const item of items) {
    const parts = children(item);
    const bagId = oidOf(parts?.[0]);
    const value = isContext(parts?.[1], 0) ? children(parts![1])?.[0] : undefined;
    if (!parts || !bagId || !value) throw bad(source, "SafeBag");
    const bag: Bag = { kind: "cert", der: new Uint8Array(0) };
    readAttributes(parts[2], bag);
    if (bagId === OID.pkcs8ShroudedKeyBag) {
      bag.kind = "key";
      bag.der = await decryptPkcs8Der(
        toBytes(value.toBER(false)),
        passphrase,
        source,
      );
      bags.push(bag);
    } else if (bagId === OID.keyBag) {
      bag.kind = "key";
      bag.der = toBytes(value.toBER(false));
      if (!readPkcs8(bag.der)) throw bad(source, "key bag");
      bags.push(bag);
    } else if (bagId === OID.certBag) {
      const cert = children(value);
      if (oidOf(cert?.[0]) !== OID.x509Certificate) continue; // SDSI certificates: skip
      const certDer = octetsOf(children(cert![1])?.[0]);
      if (!certDer) throw bad(source, "certificate bag");
      bag.der = certDer;
      bags.push(bag);
    } else if (bagId === OID.safeContentsBag && depth < 4) {
      await readSafeContents(toBytes(value.toBER(false)), passphrase, bags, source, depth + 1);
    }
    // CRL and secret bags are ignored.
  }
}

function sameId(a?: Uint8Array, b?: Uint8Array): boolean {
  return !!a && !!b && equalBytes(a, b);
}

/**
 * Read a PKCS#12 file: ours, OpenSSL 3's default (`openssl pkcs12 -export`),
 * and other PBES2 (AES) files. The MAC is checked first: a wrong pass phrase
 * is `WRONG_PASSPHRASE`; a file without a MAC is `UNSUPPORTED_ALGORITHM`. Files encrypted with RC2/3DES (OpenSSL 1.x, `-legacy`)
 * are `UNSUPPORTED_ALGORITHM` with the command that re-exports them.
 *
 * @example
 * ```ts ignore
 * import { importPkcs12 } from "./pkcs12.ts";
 * const p12 = await Deno.readFile("server.p12");
 * const { cert, keyPem, chain, friendlyName } = await importPkcs12(p12, "changeit", { source: "server.p12" });
 * ```
 */
export async function importPkcs12(
  bytes: Uint8Array,
  passphrase: string,
  options: ImportPkcs12Options = {},
): Promise<Pkcs12Contents> {
  const { source } = options;
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) throw bad(source, "empty input");
  if (bytes[0] !== 0x30) {
    const text = new TextDecoder().decode(bytes.slice(0, 64));
    throw bad(source, text.includes("-----BEGIN") ? "this is PEM text, not a .p12" : "not DER");
  }
  const pfx = parseDer(bytes, "PKCS#12 file", source);
  const top = isSequence(pfx) ? children(pfx) : null;
  if (!top || intOf(top[0]) !== 3) throw bad(source, "PFX version is not 3");
  const authInfo = children(top[1]);
  const contentType = oidOf(authInfo?.[0]);
  if (contentType !== OID.data) {
    throw new TlsmithError(
      "UNSUPPORTED_ALGORITHM",
      `${
        sourcePrefix(source)
      }the PKCS#12 file uses public-key integrity (content type ${contentType}), ` +
        `not a pass phrase. ${reexportHint(source)}`,
    );
  }
  const authSafe = isContext(authInfo?.[1], 0) ? octetsOf(children(authInfo![1])?.[0]) : null;
  if (!authSafe) throw bad(source, "authSafe");

  // Integrity first: a wrong pass phrase fails here. Without a MAC nothing proves the
  // contents are what the pass phrase holder made (OpenSSL's PKCS12_parse refuses too).
  if (top[2] === undefined) {
    throw new TlsmithError(
      "UNSUPPORTED_ALGORITHM",
      `${
        sourcePrefix(source)
      }the PKCS#12 file has no integrity MAC (made with \`openssl pkcs12 -nomac\`?), so its ` +
        `contents cannot be checked; Node and curl refuse it too. Re-export it with a MAC: ` +
        `\`openssl pkcs12 -in ${reexportFile(source)} -nodes -out all.pem && ` +
        "openssl pkcs12 -export -in all.pem -out new.p12` (then delete all.pem).",
    );
  }
  const macData = isSequence(top[2]) ? children(top[2]) : null;
  if (!macData) throw bad(source, "MacData");
  const digestInfo = children(macData[0]);
  const macAlg = oidOf(children(digestInfo?.[0])?.[0]);
  const expected = octetsOf(digestInfo?.[1]);
  const salt = octetsOf(macData[1]);
  const iterations = macData[2] ? intOf(macData[2]) : 1;
  if (!macAlg || !expected || !salt || !iterations) throw bad(source, "MacData");
  const h = MAC_HASHES[macAlg];
  if (!h) {
    throw new TlsmithError(
      "UNSUPPORTED_ALGORITHM",
      `${sourcePrefix(source)}the PKCS#12 MAC uses ${
        macAlg === OID.pbmac1 ? "PBMAC1" : `algorithm ${macAlg}`
      }, which tlsmith does not read yet. ${reexportHint(source)}`,
    );
  }
  if (iterations > 10_000_000) throw bad(source, `MAC iteration count ${iterations}`);
  const macKey = pkcs12Kdf(h, bmpPassword(passphrase), salt, iterations, 3, h.u);
  const mac = await hmac(h.name, macKey, authSafe);
  if (!equalBytes(mac, expected)) {
    throw new TlsmithError(
      "WRONG_PASSPHRASE",
      `${
        sourcePrefix(source)
      }wrong pass phrase for the PKCS#12 file (the integrity check fails). ` +
        `Check the pass phrase, --passphrase-file or TLSMITH_PASSPHRASE.`,
    );
  }

  const bags: Bag[] = [];
  const safes = tryParseDer(authSafe);
  const contentInfos = isSequence(safes) ? children(safes) : null;
  if (!contentInfos) throw bad(source, "AuthenticatedSafe");
  for (const ci of contentInfos) {
    const parts = children(ci);
    const type = oidOf(parts?.[0]);
    const content = isContext(parts?.[1], 0) ? children(parts![1])?.[0] : undefined;
    if (!type || !content) throw bad(source, "ContentInfo");
    if (type === OID.data) {
      const data = octetsOf(content);
      if (!data) throw bad(source, "data content");
      await readSafeContents(data, passphrase, bags, source);
    } else if (type === OID.encryptedData) {
      const eci = children(children(content)?.[1]);
      const algorithm = eci?.[1];
      const ciphertext = eci?.[2] ? octetsOf(eci[2]) : null;
      if (!algorithm || !ciphertext) throw bad(source, "EncryptedData");
      let plain: Uint8Array;
      try {
        plain = await pbes2Decrypt(algorithm, ciphertext, passphrase, {
          source,
          what: "PKCS#12 certificate bag",
        });
      } catch (err) {
        if (err instanceof TlsmithError && err.code === "UNSUPPORTED_ALGORITHM") {
          throw new TlsmithError(
            "UNSUPPORTED_ALGORITHM",
            `${sourcePrefix(source)}the PKCS#12 certificates are encrypted with a legacy cipher ` +
              `(RC2/3DES, OpenSSL 1.x or \`-legacy\` default), which WebCrypto cannot do. ` +
              reexportHint(source),
          );
        }
        throw err;
      }
      if (!tryParseDer(plain)) {
        throw new TlsmithError(
          "WRONG_PASSPHRASE",
          `${sourcePrefix(source)}wrong pass phrase for the PKCS#12 certificates.`,
        );
      }
      await readSafeContents(plain, passphrase, bags, source);
    } else {
      throw new TlsmithError(
        "UNSUPPORTED_ALGORITHM",
        `${sourcePrefix(source)}the PKCS#12 file holds public-key-encrypted contents (${type}). ` +
          reexportHint(source),
      );
    }
  }

  const keys = bags.filter((b) => b.kind === "key");
  const certs = bags.filter((b) => b.kind === "cert");
  if (keys.length === 0) {
    throw new TlsmithError(
      "BAD_KEY",
      `${
        sourcePrefix(source)
      }the PKCS#12 file holds no private key (only ${certs.length} certificate(s)).`,
    );
  }
  if (certs.length === 0) {
    throw new TlsmithError(
      "BAD_CERTIFICATE",
      `${sourcePrefix(source)}the PKCS#12 file holds no certificate.`,
    );
  }
  const keyBag = keys[0];
  const key = await importPrivateKeyInfo(keyBag.der, source);
  // The certificate with the key's localKeyId first, but only if it really holds the key.
  let leaf: Bag | undefined;
  const byId = certs.filter((c) => sameId(c.localKeyId, keyBag.localKeyId));
  for (const c of [...byId, ...certs.filter((c) => !byId.includes(c))]) {
    if (await publicKeyMatches(certificateSpki(c.der), key).catch(() => false)) {
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
  const result: Pkcs12Contents = {
    cert: encodePem("CERTIFICATE", leaf.der),
    key,
    keyPem: encodePem("PRIVATE KEY", keyBag.der),
    chain: certs.filter((c) => c !== leaf).map((c) => encodePem("CERTIFICATE", c.der)),
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
 * import { looksLikePkcs12 } from "./pkcs12.ts";
 * console.log(looksLikePkcs12(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x03, 0, 0, 0]))); // true
 * ```
 */
export function looksLikePkcs12(bytes: Uint8Array): boolean {
  if (bytes.length < 8 || bytes[0] !== 0x30) return false;
  const header = bytes[1] < 0x80 ? 2 : 2 + (bytes[1] & 0x7f);
  return bytes[header] === 0x02 && bytes[header + 1] === 0x01 && bytes[header + 2] === 0x03;
}
