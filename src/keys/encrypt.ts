/**
 * Password-based encryption of keys at rest: PKCS#8 `EncryptedPrivateKeyInfo` with PBES2
 * (PBKDF2-HMAC-SHA1…SHA512 or scrypt, AES-128/192/256-CBC), as `openssl pkcs8 -topk8` writes it,
 * and OpenSSL's legacy `Proc-Type: 4,ENCRYPTED` / `DEK-Info` PEM (`openssl genrsa -aes256`).
 * Shared with the .p12 code, which encrypts its contents the same way.
 *
 * It also reads (never writes) what older tools wrote: 3DES, DES and RC2 (`./legacy_ciphers.ts`)
 * in PBES2 and in DEK-Info PEM (`openssl genrsa -des3`), PKCS#5 v1.5 PBES1 (pbeWithMD5AndDES-CBC,
 * pbeWithSHA1AndRC2-CBC …) and PKCS#12 PBE (pbeWithSHAAnd3-KeyTripleDES-CBC,
 * pbeWithSHAAnd40BitRC2-CBC …, what Windows, macOS, Java and OpenSSL 1.1 put in .p12 files).
 *
 * Every key derivation is capped ({@linkcode KEY_LIMITS}) before it starts, may be charged to a
 * {@linkcode KdfBudget} (a .p12 file derives several keys), and never blocks the event loop:
 * WebCrypto's PBKDF2 runs off the main thread, `@noble/hashes` scrypt and PBKDF2-SHA224, PBKDF1
 * and the PKCS#12 KDF yield. What tlsmith cannot decrypt (RC4, MD2, other PEM ciphers) is refused
 * with the command that converts the file; an algorithm nobody knows is named as such.
 *
 * @module
 */

import { concatBytes, decodeHex, toArrayBuffer, utf8 } from "../_internal/bytes.ts";
import {
  DerError,
  type DerNode,
  int,
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
  TAG,
} from "../_internal/der.ts";
import { LEGACY_PBE_NAMES, OID } from "../_internal/oids.ts";
import { sourcePrefix, TlsmithError } from "../errors.ts";
import type { PemBlock } from "../pem.ts";
import { type InputKind, reencryptKeyCommand, reexportPkcs12Command } from "./commands.ts";
import { KEY_LIMITS } from "./limits.ts";
import { isPkcs8, parseRsaPrivateKey, parseSec1 } from "./pkcs8.ts";

/** A pass phrase: text (encoded as UTF-8, as OpenSSL does) or raw bytes. */
export type Passphrase = string | Uint8Array;

/** The default PBKDF2 iteration count of keys and .p12 files tlsmith writes. */
export const DEFAULT_ITERATIONS = 600_000;

/** The bytes of a pass phrase (UTF-8 for text). `BAD_OPTION` for anything else. */
export function passphraseBytes(passphrase: Passphrase): Uint8Array {
  if (passphrase instanceof Uint8Array) return passphrase;
  if (typeof passphrase !== "string") {
    throw new TlsmithError("BAD_OPTION", "the pass phrase must be a string or a Uint8Array.");
  }
  return utf8(passphrase);
}

/**
 * `iterations` checked as an iteration count tlsmith writes (1 … the PBKDF2 cap, so that every
 * file it writes it also reads). `BAD_OPTION` otherwise.
 */
export function checkIterations(iterations: number, cap = KEY_LIMITS.maxPbkdf2Iterations): number {
  if (!Number.isSafeInteger(iterations) || iterations < 1 || iterations > cap) {
    throw new TlsmithError(
      "BAD_OPTION",
      `iterations must be a whole number from 1 to ${count(cap)} (got ${iterations}).`,
    );
  }
  return iterations;
}

/** 1234567 → "1,234,567", the same on every runtime and locale. */
export function count(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

// ---------------------------------------------------------------------------
// Limits

/** Key-derivation work an input may still ask for, in units of one derivation at its cap. */
export interface KdfBudget {
  /** Units left. */
  left: number;
}

/** What is being decrypted, for messages, caps and the command that fits. */
export interface DecryptContext extends InputKind {
  /** What it is, e.g. "private key" or "PKCS#12 certificates". */
  what: string;
  /** A key file (the default) or a .p12 file: which command fixes it. */
  container?: "key" | "pkcs12";
  /** Shared by every derivation of one input (a .p12 file). */
  budget?: KdfBudget;
}

function fixCommand(ctx: DecryptContext, options: { legacy?: boolean; iterations?: number }) {
  return ctx.container === "pkcs12"
    ? reexportPkcs12Command(ctx, { legacy: options.legacy })
    : reencryptKeyCommand(ctx, options);
}

/**
 * The `LIMIT_EXCEEDED` error for a parameter above its cap, naming both, with the command that
 * re-encrypts a genuine file with a sane value.
 */
export function limitExceeded(
  ctx: DecryptContext,
  parameter: string,
  value: string,
  cap: string,
): TlsmithError {
  return new TlsmithError(
    "LIMIT_EXCEEDED",
    `${sourcePrefix(ctx.source)}the ${ctx.what} asks for ${parameter} ${value}; tlsmith allows ` +
      `at most ${cap}, about two seconds of work, so that a damaged or hostile file cannot ` +
      `stall it. If the file is genuine, re-encrypt it with the defaults: ` +
      `\`${
        fixCommand(ctx, { iterations: ctx.container === "pkcs12" ? undefined : DEFAULT_ITERATIONS })
      }\`.`,
  );
}

/** Charge `units` of work to the context's budget (if any), refusing what would overdraw it. */
export function spend(ctx: DecryptContext, units: number): void {
  if (!ctx.budget) return;
  if (units > ctx.budget.left + 1e-9) {
    throw new TlsmithError(
      "LIMIT_EXCEEDED",
      `${sourcePrefix(ctx.source)}the file asks for more key-derivation work in total than ` +
        `tlsmith allows for one file (${KEY_LIMITS.maxPkcs12KdfWork} derivations at the ` +
        `largest iteration counts). If it is genuine, re-export it: \`${fixCommand(ctx, {})}\`.`,
    );
  }
  ctx.budget.left -= units;
}

// ---------------------------------------------------------------------------
// Primitives

const PRF_HASH: Readonly<Record<string, string>> = Object.freeze({
  [OID.hmacWithSHA1]: "SHA-1",
  [OID.hmacWithSHA224]: "SHA-224",
  [OID.hmacWithSHA256]: "SHA-256",
  [OID.hmacWithSHA384]: "SHA-384",
  [OID.hmacWithSHA512]: "SHA-512",
});

/** PRFs OpenSSL writes (`-v2prf`) that WebCrypto has no HMAC for. */
const OTHER_PRFS: Readonly<Record<string, string>> = Object.freeze({
  [OID.hmacWithSHA512_224]: "hmacWithSHA512-224",
  [OID.hmacWithSHA512_256]: "hmacWithSHA512-256",
});

/** A CBC cipher with its key size (RC2: also its effective key bits). */
interface CbcCipher {
  name: string;
  kind: "aes" | "des" | "rc2";
  keyBytes: number;
  /** RC2's effective key size in bits. */
  effectiveBits?: number;
}

const aes = (bits: number): CbcCipher => ({ name: `AES-${bits}`, kind: "aes", keyBytes: bits / 8 });
const DES: CbcCipher = { name: "DES", kind: "des", keyBytes: 8 };
const DES_EDE: CbcCipher = { name: "two-key 3DES", kind: "des", keyBytes: 16 };
const DES_EDE3: CbcCipher = { name: "3DES", kind: "des", keyBytes: 24 };
const rc2 = (keyBytes: number, effectiveBits = keyBytes * 8): CbcCipher => ({
  name: `RC2-${effectiveBits}`,
  kind: "rc2",
  keyBytes,
  effectiveBits,
});

/** The block size of a cipher, which is also its IV size. */
function blockBytes(cipher: CbcCipher): number {
  return cipher.kind === "aes" ? 16 : 8;
}

/** PBES2 ciphers with a fixed key size. */
const PBES2_CIPHERS: Readonly<Record<string, CbcCipher>> = Object.freeze({
  [OID.aes128cbc]: aes(128),
  [OID.aes192cbc]: aes(192),
  [OID.aes256cbc]: aes(256),
  [OID.desEde3Cbc]: DES_EDE3,
  [OID.desCbc]: DES,
});

/** RC2-CBC's parameter version → effective key bits (RFC 8018 B.2.3; 256 and up: the bits). */
const RC2_VERSION_BITS: Readonly<Record<number, number>> = Object.freeze({
  160: 40,
  120: 64,
  58: 128,
});

async function pbkdf2(
  password: Uint8Array,
  salt: Uint8Array,
  iterations: number,
  hash: string,
  length: number,
): Promise<Uint8Array> {
  if (hash === "SHA-224") {
    // WebCrypto has no SHA-224 (`openssl pkcs8 -v2prf hmacWithSHA224`); noble yields as it goes.
    // Loaded here, on first use: reading an unencrypted key never loads it.
    const [{ pbkdf2Async }, { sha224 }] = await Promise.all([
      import("npm:@noble/hashes@^2.0.0/pbkdf2.js"),
      import("npm:@noble/hashes@^2.0.0/sha2.js"),
    ]);
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
 * CBC-decrypt `data` and remove its padding: `null` when the padding fails (a wrong pass phrase).
 * Callers have checked the key, IV and ciphertext lengths ({@linkcode checkCbcInput}).
 */
async function decryptCbc(
  cipher: CbcCipher,
  key: Uint8Array,
  iv: Uint8Array,
  data: Uint8Array,
): Promise<Uint8Array | null> {
  if (cipher.kind === "aes") {
    try {
      return await aesCbc("decrypt", key, iv, data);
    } catch {
      return null;
    }
  }
  // DES and RC2 (legacy_ciphers.ts) load only for the legacy files that use them.
  const { cbcDecrypt, desDecrypt, rc2Decrypt } = await import("./legacy_ciphers.ts");
  const block = cipher.kind === "des"
    ? desDecrypt(key)
    : rc2Decrypt(key, cipher.effectiveBits ?? key.length * 8);
  return cbcDecrypt(block, iv, data);
}

/** `BAD_DER` unless the ciphertext is whole blocks (checked before any key derivation). */
function checkCiphertext(ctx: DecryptContext, cipher: CbcCipher, data: Uint8Array) {
  if (data.length === 0 || data.length % blockBytes(cipher) !== 0) {
    throw new DerError(
      `the ${ctx.what}'s ciphertext of ${data.length} bytes is not whole ${cipher.name} blocks.`,
    );
  }
}

/** `BAD_DER` unless the IV is one block and the ciphertext whole blocks. */
function checkCbcInput(ctx: DecryptContext, cipher: CbcCipher, iv: Uint8Array, data: Uint8Array) {
  const size = blockBytes(cipher);
  if (iv.length !== size) {
    throw new DerError(`the ${ctx.what}'s ${cipher.name} IV is not ${size} bytes.`);
  }
  checkCiphertext(ctx, cipher, data);
}

function cannotDecrypt(ctx: DecryptContext, name: string, legacy: boolean): TlsmithError {
  return new TlsmithError(
    "UNSUPPORTED_ALGORITHM",
    `${sourcePrefix(ctx.source)}the ${ctx.what} is encrypted with ${name}, which tlsmith ` +
      `cannot decrypt (it reads PBES2 with PBKDF2 or scrypt and AES, 3DES, DES or RC2, ` +
      `PKCS#5 v1.5 and PKCS#12 PBE with DES, 3DES or RC2). Convert it once: ` +
      `\`${fixCommand(ctx, { legacy })}\`.`,
  );
}

function unknownAlgorithm(ctx: DecryptContext, role: string, oidText: string): TlsmithError {
  return new TlsmithError(
    "UNSUPPORTED_ALGORITHM",
    `${sourcePrefix(ctx.source)}the ${ctx.what} names an unknown ${role} (OID ${oidText}); ` +
      `tlsmith reads PBES2 with PBKDF2 (HMAC-SHA-1 … SHA-512) or scrypt and AES-128/192/256-CBC, ` +
      `and OpenSSL's older password-based schemes. ` +
      `The file is damaged, or was made by a tool with its own algorithms: export the key from ` +
      `that tool again as PKCS#8 with PBES2 and AES-256-CBC.`,
  );
}

function wrongPassphrase(ctx: DecryptContext): TlsmithError {
  return new TlsmithError(
    "WRONG_PASSPHRASE",
    `${sourcePrefix(ctx.source)}wrong pass phrase for the ${ctx.what} (it does not decrypt). ` +
      `Check the pass phrase, --passphrase-file or TLSMITH_PASSPHRASE.`,
  );
}

// ---------------------------------------------------------------------------
// PBES2 (RFC 8018)

/**
 * Encrypt `data` with PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC, random 16-byte salt and IV).
 * Returns the AlgorithmIdentifier DER and the ciphertext.
 */
export async function pbes2Encrypt(
  data: Uint8Array,
  passphrase: Passphrase,
  iterations: number = DEFAULT_ITERATIONS,
): Promise<{ algorithm: Uint8Array; ciphertext: Uint8Array }> {
  checkIterations(iterations);
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const iv = crypto.getRandomValues(new Uint8Array(16));
  const key = await pbkdf2(passphraseBytes(passphrase), salt, iterations, "SHA-256", 32);
  const ciphertext = await aesCbc("encrypt", key, iv, data);
  const algorithm = seq(
    oid(OID.pbes2),
    seq(
      seq(oid(OID.pbkdf2), seq(octets(salt), int(iterations), seq(oid(OID.hmacWithSHA256), nul()))),
      seq(oid(OID.aes256cbc), octets(iv)),
    ),
  );
  return { algorithm, ciphertext };
}

/**
 * The key length a PBES2 key derivation states: `fixed` (the cipher's, which a stated one must
 * equal), or for RC2 (`fixed` undefined) the stated one, 16 bytes when none is.
 */
function pbes2KeyLength(
  ctx: DecryptContext,
  stated: DerNode | undefined,
  fixed: number | undefined,
  kdf: string,
): number {
  if (stated === undefined) return fixed ?? 16;
  const n = readSmallInt(stated, `${ctx.what}'s ${kdf} key length`);
  if (fixed !== undefined ? n !== fixed : n < 1 || n > 128) {
    throw new DerError(`the ${ctx.what}'s ${kdf} key length does not fit its cipher.`);
  }
  return n;
}

/**
 * Derive the key of PBES2 `kdf` parameters, after the caps and the budget: `keyBytes` long, or
 * (RC2, `keyBytes` undefined) as long as the parameters say.
 */
async function pbes2Key(
  kdf: readonly DerNode[],
  pass: Uint8Array,
  fixedKeyBytes: number | undefined,
  ctx: DecryptContext,
): Promise<Uint8Array> {
  const kdfOid = readOid(kdf[0], `${ctx.what}'s key derivation`);
  if (kdfOid === OID.pbkdf2) {
    const params = sequence(kdf[1], `${ctx.what}'s PBKDF2 parameters`, 2, 4);
    const salt = readOctets(params[0], `${ctx.what}'s PBKDF2 salt`);
    const iterations = readSmallInt(params[1], `${ctx.what}'s PBKDF2 iteration count`);
    let hash = "SHA-1";
    let at = 2;
    let stated: DerNode | undefined;
    if (isUniversal(params[at], TAG.INTEGER)) {
      stated = params[at];
      at++;
    }
    const keyBytes = pbes2KeyLength(ctx, stated, fixedKeyBytes, "PBKDF2");
    if (params[at] !== undefined) {
      const prf = sequence(params[at], `${ctx.what}'s PBKDF2 function`, 1, 2);
      const prfOid = readOid(prf[0], `${ctx.what}'s PBKDF2 function`);
      if (OTHER_PRFS[prfOid]) cannotPrf(ctx, OTHER_PRFS[prfOid]);
      if (!PRF_HASH[prfOid]) throw unknownAlgorithm(ctx, "PBKDF2 pseudo-random function", prfOid);
      hash = PRF_HASH[prfOid];
      at++;
    }
    if (params[at] !== undefined) {
      throw new DerError(`the ${ctx.what}'s PBKDF2 parameters are malformed.`);
    }
    if (iterations < 1) throw new DerError(`the ${ctx.what}'s PBKDF2 iteration count is 0.`);
    const cap = hash === "SHA-224"
      ? KEY_LIMITS.maxPbkdf2IterationsSha224
      : KEY_LIMITS.maxPbkdf2Iterations;
    if (iterations > cap) {
      throw limitExceeded(
        ctx,
        "PBKDF2 iterations",
        count(iterations),
        `${count(cap)}${hash === "SHA-224" ? " with HMAC-SHA-224" : ""}`,
      );
    }
    spend(ctx, iterations / cap);
    return await pbkdf2(pass, salt, iterations, hash, keyBytes);
  }
  if (kdfOid === OID.scrypt) {
    const params = sequence(kdf[1], `${ctx.what}'s scrypt parameters`, 4, 5);
    const salt = readOctets(params[0], `${ctx.what}'s scrypt salt`);
    const [n, r, p] = [1, 2, 3].map((i) =>
      readSmallInt(params[i], `${ctx.what}'s scrypt parameters`)
    );
    const keyBytes = pbes2KeyLength(ctx, params[4], fixedKeyBytes, "scrypt");
    if (n < 2 || (n & (n - 1)) !== 0 || r < 1 || p < 1) {
      throw new DerError(
        `the ${ctx.what}'s scrypt parameters (N=${n}, r=${r}, p=${p}) are invalid.`,
      );
    }
    const work = n * r * p;
    const memory = 128 * n * r;
    if (work > KEY_LIMITS.maxScryptWork) {
      throw limitExceeded(
        ctx,
        "scrypt cost N·r·p =",
        `${count(work)} (N=${n}, r=${r}, p=${p})`,
        `${count(KEY_LIMITS.maxScryptWork)}`,
      );
    }
    if (memory > KEY_LIMITS.maxScryptMemory) {
      throw limitExceeded(
        ctx,
        "scrypt memory 128·N·r =",
        `${count(memory)} bytes`,
        `${count(KEY_LIMITS.maxScryptMemory)} bytes`,
      );
    }
    spend(ctx, work / KEY_LIMITS.maxScryptWork);
    try {
      const { scryptAsync } = await import("npm:@noble/hashes@^2.0.0/scrypt.js");
      return await scryptAsync(pass, salt, {
        N: n,
        r,
        p,
        dkLen: keyBytes,
        maxmem: KEY_LIMITS.maxScryptMemory + 1024,
      });
    } catch (err) {
      throw new DerError(
        `the ${ctx.what}'s scrypt parameters are refused: ${(err as Error)?.message}.`,
      );
    }
  }
  throw unknownAlgorithm(ctx, "key-derivation function", kdfOid);
}

function cannotPrf(ctx: DecryptContext, name: string): never {
  throw cannotDecrypt(ctx, `PBKDF2 with ${name}`, false);
}

/**
 * Decrypt password-encrypted `ciphertext` described by the AlgorithmIdentifier `algorithm`:
 * PBES2 (AES, 3DES, DES, RC2), PKCS#5 v1.5 PBES1 or PKCS#12 PBE. A padding failure is
 * `WRONG_PASSPHRASE` (callers also check that the plaintext parses); a malformed structure a
 * `BAD_DER` error; refusals as this module's description says.
 */
export async function pbeDecrypt(
  algorithm: DerNode,
  ciphertext: Uint8Array,
  passphrase: Passphrase,
  ctx: DecryptContext,
): Promise<Uint8Array> {
  const alg = sequence(algorithm, `${ctx.what}'s encryption algorithm`, 1, 2);
  const algOid = readOid(alg[0], `${ctx.what}'s encryption algorithm`);
  if (algOid !== OID.pbes2) {
    const legacyName = LEGACY_PBE_NAMES[algOid];
    if (!legacyName) throw unknownAlgorithm(ctx, "encryption algorithm", algOid);
    return await legacyPbeDecrypt(legacyName, alg[1], ciphertext, passphrase, ctx);
  }
  const [kdfNode, encNode] = sequence(alg[1], `${ctx.what}'s PBES2 parameters`, 2, 2);
  const kdf = sequence(kdfNode, `${ctx.what}'s key derivation`, 1, 2);
  const enc = sequence(encNode, `${ctx.what}'s cipher`, 1, 2);
  const encOid = readOid(enc[0], `${ctx.what}'s cipher`);
  let cipher = PBES2_CIPHERS[encOid];
  let iv: Uint8Array;
  if (cipher) {
    iv = readOctets(enc[1], `${ctx.what}'s ${cipher.name} IV`);
  } else if (encOid === OID.rc2Cbc) {
    // RC2-CBCParameter ::= SEQUENCE { rc2ParameterVersion INTEGER OPTIONAL, iv OCTET STRING }
    const params = sequence(enc[1], `${ctx.what}'s RC2 parameters`, 1, 2);
    const version = params.length === 2 ? readSmallInt(params[0], `${ctx.what}'s RC2 version`) : 0;
    const bits = version >= 256 ? version : params.length === 1 ? 32 : RC2_VERSION_BITS[version];
    if (!bits || bits > 1024) {
      throw new DerError(`the ${ctx.what}'s RC2 version ${version} is not a known key size.`);
    }
    iv = readOctets(params[params.length - 1], `${ctx.what}'s RC2 IV`);
    cipher = { ...rc2(16), effectiveBits: bits, name: `RC2-${bits}` };
  } else {
    throw unknownAlgorithm(ctx, "cipher", encOid);
  }
  checkCbcInput(ctx, cipher, iv, ciphertext);
  const key = await pbes2Key(
    kdf,
    passphraseBytes(passphrase),
    encOid === OID.rc2Cbc ? undefined : cipher.keyBytes,
    ctx,
  );
  const plain = await decryptCbc(cipher, key, iv, ciphertext);
  if (!plain) throw wrongPassphrase(ctx);
  return plain;
}

// ---------------------------------------------------------------------------
// PKCS#5 v1.5 (PBES1, RFC 8018 section 6.1) and PKCS#12 PBE (RFC 7292 appendix C)

/** A legacy scheme: PBKDF1 with its hash (PBES1) or the PKCS#12 KDF, and its cipher. */
type LegacyPbe =
  | { kdf: "pbkdf1"; hash: "md5" | "sha1"; cipher: CbcCipher }
  | { kdf: "pkcs12"; cipher: CbcCipher };

/** How each legacy scheme derives its key and IV and what it decrypts with, by name. */
const LEGACY_PBES: Readonly<Record<string, LegacyPbe>> = Object.freeze({
  "pbeWithMD5AndDES-CBC": { kdf: "pbkdf1", hash: "md5", cipher: DES },
  "pbeWithSHA1AndDES-CBC": { kdf: "pbkdf1", hash: "sha1", cipher: DES },
  "pbeWithMD5AndRC2-CBC": { kdf: "pbkdf1", hash: "md5", cipher: rc2(8) },
  "pbeWithSHA1AndRC2-CBC": { kdf: "pbkdf1", hash: "sha1", cipher: rc2(8) },
  "pbeWithSHAAnd3-KeyTripleDES-CBC": { kdf: "pkcs12", cipher: DES_EDE3 },
  "pbeWithSHAAnd2-KeyTripleDES-CBC": { kdf: "pkcs12", cipher: DES_EDE },
  "pbeWithSHAAnd128BitRC2-CBC": { kdf: "pkcs12", cipher: rc2(16) },
  "pbewithSHAAnd40BitRC2-CBC": { kdf: "pkcs12", cipher: rc2(5) },
});

/** Decrypt with a PBES1 or PKCS#12 PBE scheme (`name` from `LEGACY_PBE_NAMES`). */
async function legacyPbeDecrypt(
  name: string,
  paramsNode: DerNode | undefined,
  ciphertext: Uint8Array,
  passphrase: Passphrase,
  ctx: DecryptContext,
): Promise<Uint8Array> {
  const scheme = LEGACY_PBES[name];
  if (!scheme) {
    throw cannotDecrypt(ctx, `${name} (PKCS#5 v1.5 / PKCS#12 PBE)`, !/TripleDES/.test(name));
  }
  const pass = passphraseBytes(passphrase);
  const [saltNode, iterNode] = sequence(paramsNode, `${ctx.what}'s ${name} parameters`, 2, 2);
  const salt = readOctets(saltNode, `${ctx.what}'s ${name} salt`);
  const iterations = readSmallInt(iterNode, `${ctx.what}'s ${name} iteration count`);
  // The KDFs and their hashes (pkcs12_kdf.ts, with noble's MD5 and SHA-1) load on first use.
  const { bmpPassword, MAC_HASHES, MD5_HASH, pkcs12Kdf, repeatYielding } = await import(
    "./pkcs12_kdf.ts"
  );
  const hash = scheme.kdf === "pbkdf1" && scheme.hash === "md5" ? MD5_HASH : MAC_HASHES[OID.sha1];
  const { cipher } = scheme;
  if (iterations < 1) throw new DerError(`the ${ctx.what}'s ${name} iteration count is 0.`);
  if (iterations > hash.maxIterations) {
    throw limitExceeded(
      ctx,
      `${name} iterations`,
      count(iterations),
      `${count(hash.maxIterations)} with ${hash.name}`,
    );
  }
  checkCiphertext(ctx, cipher, ciphertext);
  if (scheme.kdf === "pbkdf1") {
    // PBKDF1: T = H^c(P || S); the key is its first 8 bytes, the IV the next 8.
    spend(ctx, iterations / hash.maxIterations);
    const t = await repeatYielding(hash, hash.fn(concatBytes(pass, salt)), iterations - 1);
    const plain = await decryptCbc(cipher, t.slice(0, 8), t.slice(8, 16), ciphertext);
    if (!plain) throw wrongPassphrase(ctx);
    return plain;
  }
  // PKCS#12 PBE: the RFC 7292 KDF over the BMPString pass phrase, ID 1 for the key, 2 for the
  // IV. An empty pass phrase is tried both ways, as for the MAC (see pkcs12.ts).
  const text = typeof passphrase === "string" ? passphrase : new TextDecoder().decode(pass);
  const passwords = text === "" ? [bmpPassword(""), new Uint8Array(0)] : [bmpPassword(text)];
  const chains = Math.ceil(cipher.keyBytes / hash.u) + 1;
  for (const password of passwords) {
    spend(ctx, (chains * iterations) / hash.maxIterations);
    const key = await pkcs12Kdf(hash, password, salt, iterations, 1, cipher.keyBytes);
    const iv = await pkcs12Kdf(hash, password, salt, iterations, 2, 8);
    const plain = await decryptCbc(cipher, key, iv, ciphertext);
    if (plain) return plain;
  }
  throw wrongPassphrase(ctx);
}

// ---------------------------------------------------------------------------
// EncryptedPrivateKeyInfo (PKCS#8)

/** Encrypt PKCS#8 DER into EncryptedPrivateKeyInfo DER (PBES2-PBKDF2-SHA256-AES-256-CBC). */
export async function encryptPkcs8(
  pkcs8: Uint8Array,
  passphrase: Passphrase,
  iterations: number = DEFAULT_ITERATIONS,
): Promise<Uint8Array<ArrayBuffer>> {
  const { algorithm, ciphertext } = await pbes2Encrypt(pkcs8, passphrase, iterations);
  return seq(algorithm, octets(ciphertext));
}

/**
 * Decrypt EncryptedPrivateKeyInfo DER to PKCS#8 DER. `WRONG_PASSPHRASE` when the padding fails
 * or the plaintext is not a PKCS#8 private key.
 */
export async function decryptEncryptedPkcs8(
  der: Uint8Array,
  passphrase: Passphrase,
  ctx: DecryptContext,
): Promise<Uint8Array> {
  const [algorithm, data] = sequence(parseDer(der, ctx.what), ctx.what, 2, 2);
  const plain = await pbeDecrypt(
    algorithm,
    readOctets(data, `${ctx.what}'s data`),
    passphrase,
    ctx,
  );
  if (!isPkcs8(plain)) throw wrongPassphrase(ctx);
  return plain;
}

// ---------------------------------------------------------------------------
// OpenSSL's legacy PEM encryption (Proc-Type / DEK-Info)

/** True for a PEM block holding an encrypted private key. */
export function isEncryptedBlock(block: PemBlock): boolean {
  return block.label === "ENCRYPTED PRIVATE KEY" ||
    /ENCRYPTED/i.test(block.headers["Proc-Type"] ?? "");
}

/** EVP_BytesToKey with MD5 and one iteration, as OpenSSL's PEM_do_header. */
async function evpBytesToKey(
  pass: Uint8Array,
  salt: Uint8Array,
  length: number,
): Promise<Uint8Array> {
  const { md5 } = await import("npm:@noble/hashes@^2.0.0/legacy.js");
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

/** The DEK-Info ciphers tlsmith reads, by OpenSSL's name. */
const DEK_CIPHERS: Readonly<Record<string, CbcCipher>> = Object.freeze({
  "AES-128-CBC": aes(128),
  "AES-192-CBC": aes(192),
  "AES-256-CBC": aes(256),
  "DES-EDE3-CBC": DES_EDE3,
  "DES-EDE-CBC": DES_EDE,
  "DES-CBC": DES,
  "RC2-CBC": rc2(16),
  "RC2-64-CBC": rc2(8),
  "RC2-40-CBC": rc2(5),
});

/**
 * Decrypt a legacy encrypted "RSA PRIVATE KEY" / "EC PRIVATE KEY" block to its DER (PKCS#1 or
 * SEC1). `WRONG_PASSPHRASE` when the padding fails or the plaintext is not that structure.
 */
export async function decryptLegacyPem(
  block: PemBlock,
  passphrase: Passphrase,
  ctx: DecryptContext,
): Promise<Uint8Array> {
  const dek = block.headers["DEK-Info"] ?? "";
  const m = /^([A-Za-z0-9-]+)\s*,\s*([0-9A-Fa-f]*)$/.exec(dek.trim());
  if (!m) {
    throw new TlsmithError(
      "BAD_PEM",
      `${sourcePrefix(ctx.source)}the "${block.label}" block says Proc-Type: 4,ENCRYPTED but ` +
        `has no valid DEK-Info header. The file is damaged; re-export it.`,
    );
  }
  const name = m[1].toUpperCase();
  const cipher = DEK_CIPHERS[name];
  if (!cipher) {
    throw cannotDecrypt(
      ctx,
      `${name} (legacy PEM encryption)`,
      !/^(AES|CAMELLIA|ARIA)-/.test(name),
    );
  }
  const size = blockBytes(cipher);
  const iv = decodeHex(m[2]);
  if (!iv || iv.length !== size) {
    throw new TlsmithError(
      "BAD_PEM",
      `${sourcePrefix(ctx.source)}the DEK-Info IV is not ${size} bytes of hex. The file is ` +
        `damaged; re-export it.`,
    );
  }
  checkCbcInput(ctx, cipher, iv, block.der);
  const key = await evpBytesToKey(passphraseBytes(passphrase), iv.slice(0, 8), cipher.keyBytes);
  const plain = await decryptCbc(cipher, key, iv, block.der);
  if (!plain) throw wrongPassphrase(ctx);
  try {
    if (block.label === "RSA PRIVATE KEY") parseRsaPrivateKey(plain, ctx.what);
    else parseSec1(plain, ctx.what);
  } catch {
    throw wrongPassphrase(ctx);
  }
  return plain;
}
