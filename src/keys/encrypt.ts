/**
 * Private keys at rest: encrypt a key to PKCS#8 "ENCRYPTED PRIVATE KEY"
 * (PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC — what `openssl pkcs8 -topk8`
 * writes), and decrypt what OpenSSL writes: PBES2 with PBKDF2
 * (hmacWithSHA1…SHA512) or scrypt and AES-128/192/256-CBC, and the legacy
 * `Proc-Type: 4,ENCRYPTED` / `DEK-Info` PEM of `openssl genrsa -aes256` and
 * `openssl ec -aes128`. WebCrypto does the PBKDF2 and AES work;
 * `@noble/hashes` does scrypt, PBKDF2 with SHA-224 and the MD5 of the legacy format.
 *
 * Ciphers WebCrypto cannot do (DES, 3DES, RC2, PKCS#5 v1.5 / PKCS#12 PBE) are
 * refused with `UNSUPPORTED_ALGORITHM` and the openssl command that converts
 * the file.
 *
 * @module
 */

import * as asn1js from "npm:asn1js@^4.0.0";
import { scryptAsync } from "npm:@noble/hashes@^2.0.0/scrypt.js";
import { md5 } from "npm:@noble/hashes@^2.0.0/legacy.js";
import { pbkdf2Async } from "npm:@noble/hashes@^2.0.0/pbkdf2.js";
import { sha224 } from "npm:@noble/hashes@^2.0.0/sha2.js";
import { sourcePrefix, TlsmithError } from "../errors.ts";
import { concatBytes, decodeHex, toArrayBuffer, utf8 } from "../_internal/bytes.ts";
import { decodePem, encodePem, type PemBlock } from "../pem.ts";
import {
  badStructure,
  children,
  curveName,
  encodeDer,
  int,
  intOf,
  isRsaPrivateKey,
  isSequence,
  nul,
  octets,
  octetsOf,
  oid,
  oidOf,
  parseDer,
  pkcs8FromPkcs1,
  pkcs8FromPlainBlocks,
  pkcs8FromSec1Checked,
  readPkcs8,
  readSec1,
  seq,
} from "../_internal/asn1.ts";
import { LEGACY_PBE_NAMES, OID } from "../_internal/oids.ts";
import { type KeyPair, type KeyType, rsaKeyType } from "./keys.ts";

/** A pass phrase: text (encoded as UTF-8, as OpenSSL does) or raw bytes. */
export type Passphrase = string | Uint8Array;

/** A private key as the keys-at-rest functions accept it. */
export type PrivateKeyInput = string | CryptoKey | KeyPair;

/** Options of {@linkcode encryptPrivateKey}. */
export interface EncryptPrivateKeyOptions {
  /** PBKDF2 iterations (default 600 000, OWASP's figure for PBKDF2-HMAC-SHA256). */
  iterations?: number;
}

/** The default PBKDF2 iteration count of {@linkcode encryptPrivateKey}. */
export const DEFAULT_ITERATIONS = 600_000;

/** The openssl command that re-encrypts any key OpenSSL reads into a form tlsmith reads. */
export function convertCommand(source?: string): string {
  const file = source && !/[\s'"$`\\]/.test(source) ? source : "key.pem";
  const out = file.replace(/(\.pem|\.key)?$/i, "-aes.pem");
  return `openssl pkcs8 -topk8 -v2 aes-256-cbc -in ${file} -out ${out}`;
}

function passphraseBytes(passphrase: Passphrase): Uint8Array {
  if (passphrase instanceof Uint8Array) return passphrase;
  if (typeof passphrase !== "string") {
    throw new TlsmithError("BAD_OPTION", "the pass phrase must be a string or a Uint8Array.");
  }
  return utf8(passphrase);
}

// ---------------------------------------------------------------------------
// PBES2 (RFC 8018) — shared with pkcs12.ts

const PRF_HASH: Record<string, string> = {
  [OID.hmacWithSHA1]: "SHA-1",
  [OID.hmacWithSHA224]: "SHA-224",
  [OID.hmacWithSHA256]: "SHA-256",
  [OID.hmacWithSHA384]: "SHA-384",
  [OID.hmacWithSHA512]: "SHA-512",
};

const AES_KEY_BYTES: Record<string, number> = {
  [OID.aes128cbc]: 16,
  [OID.aes192cbc]: 24,
  [OID.aes256cbc]: 32,
};

const UNSUPPORTED_CIPHERS: Record<string, string> = {
  [OID.desCbc]: "DES-CBC",
  [OID.desEde3Cbc]: "DES-EDE3-CBC (3DES)",
  [OID.rc2Cbc]: "RC2-CBC",
};

async function pbkdf2(
  password: Uint8Array,
  salt: Uint8Array,
  iterations: number,
  hash: string,
  length: number,
): Promise<Uint8Array> {
  if (hash === "SHA-224") {
    // WebCrypto has no SHA-224 PBKDF2 (`openssl pkcs8 -v2prf hmacWithSHA224`).
    return await pbkdf2Async(sha224, password, salt, { c: iterations, dkLen: length });
  }
  const base = await crypto.subtle.importKey(
    "raw",
    toArrayBuffer(password),
    "PBKDF2",
    false,
    ["deriveBits"],
  );
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", salt: toArrayBuffer(salt), iterations, hash },
    base,
    length * 8,
  );
  return new Uint8Array(bits);
}

async function aesCbc(
  mode: "encrypt" | "decrypt",
  key: Uint8Array,
  iv: Uint8Array,
  data: Uint8Array,
): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey("raw", toArrayBuffer(key), "AES-CBC", false, [mode]);
  const out = await crypto.subtle[mode](
    { name: "AES-CBC", iv: toArrayBuffer(iv) },
    k,
    toArrayBuffer(data),
  );
  return new Uint8Array(out);
}

/**
 * Encrypt `data` with PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC, random 16-byte
 * salt and IV). Returns the AlgorithmIdentifier and the ciphertext.
 * Internal, shared with `pkcs12.ts`.
 */
export async function pbes2Encrypt(
  data: Uint8Array,
  passphrase: Passphrase,
  iterations: number = DEFAULT_ITERATIONS,
): Promise<{ algorithm: asn1js.Sequence; ciphertext: Uint8Array }> {
  if (!Number.isSafeInteger(iterations) || iterations < 1 || iterations > 100_000_000) {
    throw new TlsmithError(
      "BAD_OPTION",
      `iterations must be a whole number from 1 to 100000000 (got ${iterations}).`,
    );
  }
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const iv = crypto.getRandomValues(new Uint8Array(16));
  const key = await pbkdf2(passphraseBytes(passphrase), salt, iterations, "SHA-256", 32);
  const ciphertext = await aesCbc("encrypt", key, iv, data);
  const algorithm = seq(
    oid(OID.pbes2),
    seq(
      seq(
        oid(OID.pbkdf2),
        seq(octets(salt), int(iterations), seq(oid(OID.hmacWithSHA256), nul())),
      ),
      seq(oid(OID.aes256cbc), octets(iv)),
    ),
  );
  return { algorithm, ciphertext };
}

/**
 * The most scrypt work (N·r·p) a key file may ask for: 2^24, 128 times OpenSSL's
 * `-scrypt` default, about ten seconds. The 256 MiB memory cap alone still lets a
 * hostile file ask for days of work (small N·r, huge p).
 */
const SCRYPT_MAX_WORK = 2 ** 24;

/** Where a decryption happens, for messages. */
export interface DecryptContext {
  /** File name, if known. */
  source?: string;
  /** What is being decrypted, e.g. "private key". */
  what: string;
}

function unsupported(ctx: DecryptContext, name: string): TlsmithError {
  return new TlsmithError(
    "UNSUPPORTED_ALGORITHM",
    `${
      sourcePrefix(ctx.source)
    }the ${ctx.what} is encrypted with ${name}, which WebCrypto cannot do ` +
      `(tlsmith reads PBES2 with PBKDF2 or scrypt and AES-CBC). Convert it once with ` +
      `\`${
        convertCommand(ctx.source)
      }\` (OpenSSL 3 may need \`-provider legacy -provider default\` ` +
      `to read old ciphers).`,
  );
}

/**
 * Decrypt PBES2-encrypted `ciphertext` described by the AlgorithmIdentifier
 * `algorithm`. A padding failure is `WRONG_PASSPHRASE`; callers must also check
 * that the plaintext parses. Internal, shared with `pkcs12.ts`.
 */
export async function pbes2Decrypt(
  algorithm: asn1js.AsnType,
  ciphertext: Uint8Array,
  passphrase: Passphrase,
  ctx: DecryptContext,
): Promise<Uint8Array> {
  const alg = isSequence(algorithm) ? children(algorithm) : null;
  const algOid = oidOf(alg?.[0]);
  if (!alg || !algOid) throw badStructure(`${ctx.what}'s encryption algorithm`, ctx.source);
  if (algOid !== OID.pbes2) {
    throw unsupported(ctx, LEGACY_PBE_NAMES[algOid] ?? `algorithm ${algOid}`);
  }
  const params = children(alg[1]);
  const kdf = children(params?.[0]);
  const enc = children(params?.[1]);
  const kdfOid = oidOf(kdf?.[0]);
  const encOid = oidOf(enc?.[0]);
  if (!kdf || !enc || !kdfOid || !encOid) {
    throw badStructure(`${ctx.what}'s PBES2 parameters`, ctx.source);
  }
  if (UNSUPPORTED_CIPHERS[encOid]) {
    throw unsupported(ctx, `PBES2 with ${UNSUPPORTED_CIPHERS[encOid]}`);
  }
  const keyBytes = AES_KEY_BYTES[encOid];
  if (!keyBytes) throw unsupported(ctx, `PBES2 with cipher ${encOid}`);
  const iv = octetsOf(enc[1]);
  if (!iv || iv.length !== 16) throw badStructure(`${ctx.what}'s AES IV`, ctx.source);
  if (ciphertext.length === 0 || ciphertext.length % 16 !== 0) {
    throw badStructure(
      `${ctx.what}`,
      ctx.source,
      `ciphertext of ${ciphertext.length} bytes is not a multiple of the AES block`,
    );
  }
  const pass = passphraseBytes(passphrase);
  let key: Uint8Array;
  const kp = children(kdf[1]);
  if (kdfOid === OID.pbkdf2) {
    const salt = octetsOf(kp?.[0]);
    const iterations = intOf(kp?.[1]);
    if (!kp || !salt || !iterations) {
      throw badStructure(`${ctx.what}'s PBKDF2 parameters`, ctx.source);
    }
    let hash = "SHA-1";
    for (const extra of kp.slice(2)) {
      if (extra instanceof asn1js.Integer) {
        if (intOf(extra) !== keyBytes) {
          throw badStructure(`${ctx.what}'s PBKDF2 parameters`, ctx.source, "key length");
        }
      } else if (isSequence(extra)) {
        const prf = oidOf(children(extra)?.[0]);
        if (!prf || !PRF_HASH[prf]) {
          throw unsupported(ctx, `PBKDF2 with pseudo-random function ${prf}`);
        }
        hash = PRF_HASH[prf];
      }
    }
    if (iterations > 100_000_000) {
      throw badStructure(`${ctx.what}'s PBKDF2 parameters`, ctx.source, `${iterations} iterations`);
    }
    key = await pbkdf2(pass, salt, iterations, hash, keyBytes);
  } else if (kdfOid === OID.scrypt) {
    const salt = octetsOf(kp?.[0]);
    const n = intOf(kp?.[1]);
    const r = intOf(kp?.[2]);
    const p = intOf(kp?.[3]);
    if (!salt || !n || !r || !p) throw badStructure(`${ctx.what}'s scrypt parameters`, ctx.source);
    if (kp?.[4] && intOf(kp[4]) !== keyBytes) {
      throw badStructure(`${ctx.what}'s scrypt parameters`, ctx.source, "key length");
    }
    if (n * r * p > SCRYPT_MAX_WORK) {
      throw new TlsmithError(
        "UNSUPPORTED_ALGORITHM",
        `${
          sourcePrefix(ctx.source)
        }the ${ctx.what}'s scrypt parameters (N=${n}, r=${r}, p=${p}) are out of range: ` +
          `N·r·p is above ${SCRYPT_MAX_WORK}, 128 times the work of OpenSSL's -scrypt ` +
          `(N=16384, r=8, p=1); deriving the key would take minutes to days. Convert it with \`${
            convertCommand(ctx.source)
          }\`.`,
      );
    }
    try {
      // At most 256 MiB (OpenSSL's default -scrypt needs 16 MiB): a hostile file cannot
      // make us allocate gigabytes.
      key = await scryptAsync(pass, salt, { N: n, r, p, dkLen: keyBytes, maxmem: 2 ** 28 });
    } catch (err) {
      throw new TlsmithError(
        "UNSUPPORTED_ALGORITHM",
        `${
          sourcePrefix(ctx.source)
        }the ${ctx.what}'s scrypt parameters (N=${n}, r=${r}, p=${p}) are ` +
          `out of range: ${(err as Error).message}. Convert it with \`${
            convertCommand(ctx.source)
          }\`.`,
      );
    }
  } else {
    throw unsupported(ctx, `PBES2 with key derivation ${kdfOid}`);
  }
  try {
    return await aesCbc("decrypt", key, iv, ciphertext);
  } catch {
    throw wrongPassphrase(ctx);
  }
}

function wrongPassphrase(ctx: DecryptContext): TlsmithError {
  return new TlsmithError(
    "WRONG_PASSPHRASE",
    `${sourcePrefix(ctx.source)}wrong pass phrase for the ${ctx.what} (it does not decrypt). ` +
      `Check the pass phrase, --passphrase-file or TLSMITH_PASSPHRASE.`,
  );
}

// ---------------------------------------------------------------------------
// EncryptedPrivateKeyInfo (PKCS#8)

/**
 * Encrypt PKCS#8 DER into EncryptedPrivateKeyInfo DER (PBES2-PBKDF2-SHA256-AES-256-CBC).
 * Internal, shared with `pkcs12.ts` (the shrouded key bag is the same structure).
 */
export async function encryptPkcs8Der(
  pkcs8: Uint8Array,
  passphrase: Passphrase,
  iterations: number = DEFAULT_ITERATIONS,
): Promise<Uint8Array> {
  const { algorithm, ciphertext } = await pbes2Encrypt(pkcs8, passphrase, iterations);
  return encodeDer(seq(algorithm, octets(ciphertext)));
}

/**
 * Decrypt EncryptedPrivateKeyInfo DER to PKCS#8 DER. `WRONG_PASSPHRASE` when
 * the padding fails or the plaintext is not a PKCS#8 private key.
 * Internal, shared with `pkcs12.ts`.
 */
export async function decryptPkcs8Der(
  der: Uint8Array,
  passphrase: Passphrase,
  source?: string,
): Promise<Uint8Array> {
  const ctx: DecryptContext = { source, what: "encrypted private key" };
  const node = parseDer(der, "encrypted private key", source);
  const items = isSequence(node) ? children(node) : null;
  const data = octetsOf(items?.[1]);
  if (!items || items.length !== 2 || !data) {
    throw badStructure("encrypted private key (EncryptedPrivateKeyInfo)", source);
  }
  const plain = await pbes2Decrypt(items[0], data, passphrase, ctx);
  if (!readPkcs8(plain)) throw wrongPassphrase(ctx);
  return plain;
}

// ---------------------------------------------------------------------------
// OpenSSL legacy PEM encryption (Proc-Type / DEK-Info)

/** EVP_BytesToKey with MD5 and one iteration, as OpenSSL's PEM_do_header. */
function evpBytesToKey(pass: Uint8Array, salt: Uint8Array, length: number): Uint8Array {
  const parts: Uint8Array[] = [];
  let have = 0;
  let prev = new Uint8Array(0);
  while (have < length) {
    prev = md5(concatBytes(prev, pass, salt));
    parts.push(prev);
    have += prev.length;
  }
  return concatBytes(...parts).slice(0, length);
}

const DEK_AES: Record<string, number> = { "AES-128-CBC": 16, "AES-192-CBC": 24, "AES-256-CBC": 32 };

/**
 * Decrypt a legacy encrypted "RSA PRIVATE KEY" / "EC PRIVATE KEY" block to the
 * inner DER (PKCS#1 or SEC1). `WRONG_PASSPHRASE` when the padding fails or the
 * plaintext is not that structure.
 */
async function decryptLegacyBlock(
  block: PemBlock,
  passphrase: Passphrase,
  source?: string,
): Promise<Uint8Array> {
  const ctx: DecryptContext = {
    source,
    what: `${block.label.toLowerCase()} (legacy PEM encryption)`,
  };
  const dek = block.headers["DEK-Info"];
  if (!dek || !dek.includes(",")) {
    throw new TlsmithError(
      "BAD_PEM",
      `${
        sourcePrefix(source)
      }the "${block.label}" block says Proc-Type: 4,ENCRYPTED but has no valid ` +
        `DEK-Info header. The file is damaged.`,
    );
  }
  const [cipher, ivHex] = dek.split(",").map((s) => s.trim());
  const keyBytes = DEK_AES[cipher.toUpperCase()];
  if (!keyBytes) {
    throw new TlsmithError(
      "UNSUPPORTED_ALGORITHM",
      `${
        sourcePrefix(source)
      }the ${block.label.toLowerCase()} is encrypted with ${cipher} (legacy PEM ` +
        `encryption), which WebCrypto cannot do; tlsmith reads AES-128/192/256-CBC. Convert it ` +
        `once with \`${convertCommand(source)}\`.`,
    );
  }
  const iv = decodeHex(ivHex);
  if (!iv || iv.length !== 16) {
    throw new TlsmithError(
      "BAD_PEM",
      `${
        sourcePrefix(source)
      }the DEK-Info IV "${ivHex}" is not 16 bytes of hex. The file is damaged.`,
    );
  }
  if (block.der.length % 16 !== 0) {
    throw badStructure(ctx.what, source, "ciphertext is not a multiple of the AES block");
  }
  const key = evpBytesToKey(passphraseBytes(passphrase), iv.slice(0, 8), keyBytes);
  let plain: Uint8Array;
  try {
    plain = await aesCbc("decrypt", key, iv, block.der);
  } catch {
    throw wrongPassphrase(ctx);
  }
  const ok = block.label === "RSA PRIVATE KEY" ? isRsaPrivateKey(plain) : readSec1(plain) !== null;
  if (!ok) throw wrongPassphrase(ctx);
  return plain;
}

// ---------------------------------------------------------------------------
// Importing PKCS#8 (including RSA-PSS-tagged keys)

/**
 * Import PKCS#8 DER as an extractable {@linkcode KeyPair}: ECDSA P-256/P-384,
 * RSA 2048/3072/4096 (RSASSA-PKCS1-v1_5, SHA-256) and Ed25519, as keys.ts's
 * `importPkcs8` does — done here with WebCrypto alone so that decrypting a key
 * never loads pkijs (it is half of the CLI's start-up time). Keys tagged with
 * the RSA-PSS OID (`openssl genpkey -algorithm RSA-PSS`) are re-wrapped as
 * rsaEncryption and imported for RSA-PSS signing (WebCrypto only imports
 * rsaEncryption PKCS#8). Internal, shared with `key_formats.ts` and `pkcs12.ts`.
 */
export async function importPrivateKeyInfo(der: Uint8Array, source?: string): Promise<KeyPair> {
  const info = readPkcs8(der);
  if (!info) {
    throw new TlsmithError(
      "BAD_KEY",
      `${
        sourcePrefix(source)
      }the private key is not a valid PKCS#8 structure. The file may be damaged.`,
    );
  }
  if (info.algorithm === OID.rsassaPss) {
    return await importRsaPss(info.privateKey, info.parameters, source);
  }
  let algorithm: RsaHashedImportParams | EcKeyImportParams | Algorithm;
  let type: KeyType | undefined;
  if (info.algorithm === OID.rsaEncryption) {
    algorithm = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as RsaHashedImportParams;
  } else if (info.algorithm === OID.ecPublicKey && info.curve === OID.p256) {
    algorithm = { name: "ECDSA", namedCurve: "P-256" } as EcKeyImportParams;
    type = "ec-p256";
  } else if (info.algorithm === OID.ecPublicKey && info.curve === OID.p384) {
    algorithm = { name: "ECDSA", namedCurve: "P-384" } as EcKeyImportParams;
    type = "ec-p384";
  } else if (info.algorithm === OID.ed25519) {
    algorithm = { name: "Ed25519" };
    type = "ed25519";
  } else {
    const what = info.algorithm === OID.ecPublicKey
      ? info.curve
        ? `EC keys on ${curveName(info.curve)}`
        : "EC keys with explicit curve parameters"
      : `${UNSUPPORTED_KEY_NAMES[info.algorithm] ?? `algorithm ${info.algorithm}`} keys`;
    throw new TlsmithError(
      "UNSUPPORTED_KEY_TYPE",
      `${
        sourcePrefix(source)
      }${what} are not supported. Use an ECDSA P-256/P-384, RSA (2048-4096 bits) ` +
        `or Ed25519 key.`,
    );
  }
  let privateKey: CryptoKey;
  try {
    privateKey = await crypto.subtle.importKey("pkcs8", toArrayBuffer(der), algorithm, true, [
      "sign",
    ]);
  } catch (err) {
    throw new TlsmithError(
      "BAD_KEY",
      `${sourcePrefix(source)}the ${algorithm.name} private key is damaged or invalid ` +
        `(${(err as Error)?.message ?? err}). Re-export it, or generate a new one.`,
      { cause: err },
    );
  }
  if (!type) {
    type = rsaKeyType((privateKey.algorithm as RsaHashedKeyAlgorithm).modulusLength, source);
  }
  return { privateKey, publicKey: await publicKeyOf(privateKey, algorithm), type };
}

const UNSUPPORTED_KEY_NAMES: Record<string, string> = {
  [OID.dsa]: "DSA",
  [OID.x25519]: "X25519",
  [OID.ed448]: "Ed448",
  "1.3.101.111": "X448",
  "1.2.840.113549.1.3.1": "Diffie-Hellman",
};

/** The public key of an extractable private key, through its JWK. */
async function publicKeyOf(
  privateKey: CryptoKey,
  algorithm: Algorithm,
): Promise<CryptoKey> {
  const jwk = await crypto.subtle.exportKey("jwk", privateKey);
  const pub: JsonWebKey = { kty: jwk.kty, ext: true };
  for (const field of ["crv", "x", "y", "n", "e", "alg"] as const) {
    if (jwk[field] !== undefined) (pub as Record<string, unknown>)[field] = jwk[field];
  }
  return await crypto.subtle.importKey("jwk", pub, algorithm, true, ["verify"]);
}

const HASH_OIDS: Record<string, string> = {
  [OID.sha1]: "SHA-1",
  [OID.sha256]: "SHA-256",
  [OID.sha384]: "SHA-384",
  [OID.sha512]: "SHA-512",
};

async function importRsaPss(
  rsaPrivateKey: Uint8Array,
  parameters: asn1js.AsnType | undefined,
  source?: string,
): Promise<KeyPair> {
  // RSASSA-PSS-params: [0] hashAlgorithm DEFAULT sha1, [1] maskGenAlgorithm
  // DEFAULT mgf1SHA1, [2] saltLength, [3] trailerField. No parameters at all
  // means "any hash": use SHA-256. WebCrypto always uses MGF1 with the
  // signature hash, so a key restricted to another MGF1 hash cannot be used.
  let hash = "SHA-256";
  const params = children(parameters);
  if (params) {
    let hashOid: string | null = OID.sha1;
    let mgfHashOid: string | null = OID.sha1;
    for (const p of params) {
      if (p.idBlock.tagClass !== 3) continue;
      const inner = children(children(p)?.[0]);
      if (p.idBlock.tagNumber === 0) hashOid = oidOf(inner?.[0]);
      if (p.idBlock.tagNumber === 1) {
        mgfHashOid = oidOf(inner?.[0]) === OID.mgf1 ? oidOf(children(inner?.[1])?.[0]) : null;
      }
    }
    if (!hashOid || !HASH_OIDS[hashOid] || hashOid !== mgfHashOid) {
      throw new TlsmithError(
        "UNSUPPORTED_ALGORITHM",
        `${sourcePrefix(source)}the RSA-PSS key is restricted to hash ${
          hashOid ? HASH_OIDS[hashOid] ?? hashOid : "?"
        } with MGF1 hash ${
          mgfHashOid ? HASH_OIDS[mgfHashOid] ?? mgfHashOid : "?"
        }; WebCrypto signs only with MGF1 over the same hash (SHA-1/256/384/512). Generate ` +
          `the key with matching \`-pkeyopt rsa_pss_keygen_md:sha256 -pkeyopt ` +
          `rsa_pss_keygen_mgf1_md:sha256\`, or without restrictions.`,
      );
    }
    hash = HASH_OIDS[hashOid];
  }
  const wrapped = pkcs8FromPkcs1(rsaPrivateKey);
  const alg = { name: "RSA-PSS", hash };
  let privateKey: CryptoKey;
  try {
    privateKey = await crypto.subtle.importKey("pkcs8", toArrayBuffer(wrapped), alg, true, [
      "sign",
    ]);
  } catch (err) {
    throw new TlsmithError(
      "BAD_KEY",
      `${sourcePrefix(source)}the RSA-PSS private key does not import: ${(err as Error).message}.`,
    );
  }
  const type = rsaKeyType((privateKey.algorithm as RsaHashedKeyAlgorithm).modulusLength, source);
  const publicKey = await publicKeyOf(privateKey, alg);
  return { privateKey, publicKey, type };
}

// ---------------------------------------------------------------------------
// Public API

/** Options of {@linkcode decryptPrivateKey}. */
export interface DecryptPrivateKeyOptions {
  /** Where the PEM came from (a file name), used in error messages. */
  source?: string;
}

/**
 * Encrypt a private key to PKCS#8 "ENCRYPTED PRIVATE KEY" PEM: PBES2 with
 * PBKDF2-HMAC-SHA256 (600 000 iterations by default) and AES-256-CBC, a random
 * 16-byte salt and IV — the format of `openssl pkcs8 -topk8 -v2 aes-256-cbc`,
 * readable by OpenSSL, Node, Go, Java and rustls-pemfile users. The key may be
 * a `CryptoKey` (extractable), a {@linkcode KeyPair}, or unencrypted PEM in any
 * format {@linkcode decryptPrivateKey}'s sibling `readPrivateKey` reads
 * ("PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY").
 *
 * @example Encrypt, then decrypt again
 * ```ts
 * import { decryptPrivateKey, encryptPrivateKey } from "./encrypt.ts";
 * import { generateKeyPair } from "./keys.ts";
 *
 * const pair = await generateKeyPair("ec-p256");
 * const pem = await encryptPrivateKey(pair, "correct horse", { iterations: 1000 });
 * console.log(pem.split("\n")[0]); // -----BEGIN ENCRYPTED PRIVATE KEY-----
 * const again = await decryptPrivateKey(pem, "correct horse");
 * console.log(again.type); // ec-p256
 * ```
 */
export async function encryptPrivateKey(
  key: PrivateKeyInput,
  passphrase: Passphrase,
  options: EncryptPrivateKeyOptions = {},
): Promise<string> {
  const pass = passphraseBytes(passphrase);
  if (pass.length === 0) {
    throw new TlsmithError(
      "BAD_OPTION",
      "the pass phrase is empty. Use a non-empty pass phrase to encrypt a key.",
    );
  }
  const pkcs8 = await pkcs8Of(key);
  const der = await encryptPkcs8Der(pkcs8, pass, options.iterations ?? DEFAULT_ITERATIONS);
  return encodePem("ENCRYPTED PRIVATE KEY", der);
}

/** PKCS#8 DER of a key input (unencrypted). */
export async function pkcs8Of(key: PrivateKeyInput, source?: string): Promise<Uint8Array> {
  if (typeof key === "string") {
    const blocks = decodePem(key, { source });
    if (blocks.some(isEncryptedBlock)) {
      throw new TlsmithError(
        "BAD_OPTION",
        `${
          sourcePrefix(source)
        }the key is already encrypted. Decrypt it first (decryptPrivateKey).`,
      );
    }
    return pkcs8FromPlainBlocks(blocks, source);
  }
  const cryptoKey = key instanceof CryptoKey ? key : key?.privateKey;
  if (!(cryptoKey instanceof CryptoKey) || cryptoKey.type !== "private") {
    throw new TlsmithError(
      "BAD_OPTION",
      "expected a private CryptoKey, a KeyPair or a PEM private key.",
    );
  }
  if (!cryptoKey.extractable) {
    throw new TlsmithError(
      "BAD_KEY",
      "the private CryptoKey is not extractable, so it cannot be written out. " +
        "Generate or import it with extractable: true.",
    );
  }
  return new Uint8Array(await crypto.subtle.exportKey("pkcs8", cryptoKey));
}

/** True for a PEM block that holds an encrypted private key. */
export function isEncryptedBlock(block: PemBlock): boolean {
  return block.label === "ENCRYPTED PRIVATE KEY" ||
    /ENCRYPTED/i.test(block.headers["Proc-Type"] ?? "");
}

/**
 * Decrypt an encrypted private key PEM — PKCS#8 "ENCRYPTED PRIVATE KEY"
 * (PBES2 with PBKDF2 or scrypt, AES-CBC) or OpenSSL's legacy
 * `Proc-Type: 4,ENCRYPTED` "RSA PRIVATE KEY" / "EC PRIVATE KEY" — into a
 * {@linkcode KeyPair}. A wrong pass phrase is always `WRONG_PASSPHRASE`, never
 * a garbage key: the plaintext must unpad, parse and import. DES, 3DES, RC2 and
 * PKCS#5 v1.5 encryption are `UNSUPPORTED_ALGORITHM` with the openssl command
 * that converts the file.
 *
 * @example
 * ```ts
 * import { decryptPrivateKey, encryptPrivateKey } from "./encrypt.ts";
 * import { generateKeyPair } from "./keys.ts";
 *
 * const pem = await encryptPrivateKey(await generateKeyPair("ed25519"), "s3cret", { iterations: 1000 });
 * try {
 *   await decryptPrivateKey(pem, "guess");
 * } catch (err) {
 *   console.log((err as { code: string }).code); // WRONG_PASSPHRASE
 * }
 * ```
 */
export async function decryptPrivateKey(
  pem: string,
  passphrase: Passphrase,
  options: DecryptPrivateKeyOptions = {},
): Promise<KeyPair> {
  const pkcs8 = await decryptToPkcs8(pem, passphrase, options.source);
  return await importPrivateKeyInfo(pkcs8, options.source);
}

/**
 * Decrypt an encrypted private key PEM to plain PKCS#8 DER (legacy formats are
 * converted). Internal, used by `key_formats.ts` and the CLI.
 */
export async function decryptToPkcs8(
  pem: string,
  passphrase: Passphrase,
  source?: string,
): Promise<Uint8Array> {
  const blocks = decodePem(pem, { source });
  const block = blocks.find(isEncryptedBlock);
  if (!block) {
    throw new TlsmithError(
      "BAD_PEM",
      `${sourcePrefix(source)}no encrypted private key found (found ${
        [...new Set(blocks.map((b) => b.label))].join(", ")
      }). An unencrypted key needs no pass phrase; read it with readPrivateKey.`,
    );
  }
  if (block.label === "ENCRYPTED PRIVATE KEY") {
    return await decryptPkcs8Der(block.der, passphrase, source);
  }
  if (block.label !== "RSA PRIVATE KEY" && block.label !== "EC PRIVATE KEY") {
    throw new TlsmithError(
      "UNSUPPORTED_KEY_TYPE",
      `${
        sourcePrefix(source)
      }legacy-encrypted "${block.label}" keys are not supported. Convert it with ` +
        `\`${convertCommand(source)}\`.`,
    );
  }
  const inner = await decryptLegacyBlock(block, passphrase, source);
  if (block.label === "RSA PRIVATE KEY") return pkcs8FromPkcs1(inner);
  return pkcs8FromSec1Checked(inner, blocks, source);
}
