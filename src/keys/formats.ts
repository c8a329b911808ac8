/**
 * THE reader and THE writer of private keys. {@linkcode importPrivateKey} reads every format
 * OpenSSL writes, PEM or DER, encrypted or not — PKCS#8 `PRIVATE KEY`, `ENCRYPTED PRIVATE KEY`
 * (PBES2 with PBKDF2 or scrypt, AES-CBC; and the legacy DES, 3DES, RC2, PBES1 and PKCS#12 PBE
 * schemes, read only), PKCS#1 `RSA PRIVATE KEY`, SEC1 `EC PRIVATE KEY` (with
 * or without `EC PARAMETERS`), OpenSSL's legacy `Proc-Type: 4,ENCRYPTED` PEM — into a
 * {@linkcode KeyPair} through the one PKCS#8 importer (`pkcs8.ts`). {@linkcode exportPrivateKey}
 * writes PKCS#8 PEM, encrypted when given a pass phrase.
 *
 * The older names (`readPrivateKey`, `importPrivateKeyPem`, `importPkcs8`, `decryptPrivateKey`,
 * `toPkcs8Pem`, `encryptPrivateKey`, `exportPrivateKeyPem`) are thin deprecated wrappers of these
 * two.
 *
 * @module
 */

import { toBytes } from "../_internal/bytes.ts";
import {
  DerError,
  type DerNode,
  isUniversal,
  parseDer,
  readSmallInt,
  TAG,
} from "../_internal/der.ts";
import { OID } from "../_internal/oids.ts";
import { sourcePrefix, TlsmithError } from "../errors.ts";
import { decodePem, encodePem, isCertificateLabel, isCsrLabel, type PemBlock } from "../pem.ts";
import { fileArgument, type InputKind, namedCurveCommand, newKeyCommands } from "./commands.ts";
import {
  checkIterations,
  type DecryptContext,
  decryptEncryptedPkcs8,
  decryptLegacyPem,
  DEFAULT_ITERATIONS,
  encryptPkcs8,
  isEncryptedBlock,
  type Passphrase,
  passphraseBytes,
} from "./encrypt.ts";
import type { KeyPair } from "./keys.ts";
import { KEY_LIMITS } from "./limits.ts";
import {
  ecParametersCurve,
  importPkcs8Der,
  parseSec1,
  pkcs8FromPkcs1,
  pkcs8FromSec1,
  unsupportedAlgorithm,
} from "./pkcs8.ts";

export type { Passphrase } from "./encrypt.ts";

/** A private key as stored: PEM text, or DER / PEM bytes (a file read as bytes). */
export type PrivateKeyData = string | Uint8Array | ArrayBuffer;

/** A private key to write: a `CryptoKey`, a {@linkcode KeyPair}, or stored data (unencrypted). */
export type PrivateKeyInput = PrivateKeyData | CryptoKey | KeyPair;

/** Options of {@linkcode importPrivateKey}. */
export interface ImportPrivateKeyOptions {
  /** The pass phrase of an encrypted key (ignored for an unencrypted one). */
  passphrase?: Passphrase;
  /** Where the key came from (a file name), used in error messages and suggested commands. */
  source?: string;
}

/** Options of {@linkcode exportPrivateKey}. */
export interface ExportPrivateKeyOptions {
  /** Encrypt with this pass phrase (PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC). Not empty. */
  passphrase?: Passphrase;
  /** PBKDF2 iterations when encrypting (default 600 000, OWASP's figure for PBKDF2-HMAC-SHA256). */
  iterations?: number;
  /** Where a stored `key` came from (a file name), used in error messages. */
  source?: string;
}

/** The PEM labels of private keys (the ones tlsmith reads and the ones it names when refusing). */
export const PRIVATE_KEY_LABELS: readonly string[] = Object.freeze([
  "PRIVATE KEY",
  "ENCRYPTED PRIVATE KEY",
  "RSA PRIVATE KEY",
  "EC PRIVATE KEY",
  "DSA PRIVATE KEY",
  "RSA-PSS PRIVATE KEY",
  "OPENSSH PRIVATE KEY",
]);

/**
 * The format of an unencrypted private key's PEM block that tlsmith reads, by its label:
 * `PKCS#8` (`PRIVATE KEY`), `PKCS#1` (`RSA PRIVATE KEY`) or `SEC1` (`EC PRIVATE KEY`);
 * `undefined` for any other label.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { keyFormatOf } from "./formats.ts";
 * assert.equal(keyFormatOf("RSA PRIVATE KEY"), "PKCS#1");
 * assert.equal(keyFormatOf("ENCRYPTED PRIVATE KEY"), undefined);
 * assert.equal(keyFormatOf("toString"), undefined);
 * ```
 */
export function keyFormatOf(label: string): "PKCS#8" | "PKCS#1" | "SEC1" | undefined {
  switch (label) {
    case "PRIVATE KEY":
      return "PKCS#8";
    case "RSA PRIVATE KEY":
      return "PKCS#1";
    case "EC PRIVATE KEY":
      return "SEC1";
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// Input: text or DER

interface Input extends InputKind {
  text?: string;
  bytes?: Uint8Array;
}

function tooLarge(source: string | undefined, size: number): TlsmithError {
  return new TlsmithError(
    "LIMIT_EXCEEDED",
    `${sourcePrefix(source)}the input is ${size} bytes; a private key file is at most ` +
      `${KEY_LIMITS.maxKeyBytes} bytes (a 4096-bit RSA key is about 3,300). Check that you passed ` +
      `the key file.`,
  );
}

function looksLikeText(bytes: Uint8Array): boolean {
  if (bytes[0] === 0x30) return false;
  const head = new TextDecoder().decode(bytes.subarray(0, 4096));
  return head.includes("-----BEGIN ");
}

function readInput(input: PrivateKeyData, source?: string): Input {
  if (typeof input === "string") {
    if (input.length > KEY_LIMITS.maxKeyBytes) throw tooLarge(source, input.length);
    return { text: input, source };
  }
  if (!(input instanceof Uint8Array) && !(input instanceof ArrayBuffer)) {
    throw new TlsmithError(
      "BAD_OPTION",
      "expected a private key as PEM text or DER bytes (a Uint8Array).",
    );
  }
  const bytes = toBytes(input);
  if (bytes.length > KEY_LIMITS.maxKeyBytes) throw tooLarge(source, bytes.length);
  if (bytes.length > 0 && looksLikeText(bytes)) {
    return { text: new TextDecoder().decode(bytes), source };
  }
  return { bytes, source, der: true };
}

function damaged(ctx: InputKind, err: DerError): TlsmithError {
  return new TlsmithError(
    "BAD_KEY",
    `${sourcePrefix(ctx.source)}the private key is damaged or invalid (${
      err.message.replace(/^the |\.$/g, "")
    }). Re-export it from where it came from, or generate a new one.`,
    { cause: err },
  );
}

function passphraseRequired(source?: string): TlsmithError {
  return new TlsmithError(
    "PASSPHRASE_REQUIRED",
    `${sourcePrefix(source)}the private key is encrypted and no pass phrase was given. ` +
      `Pass { passphrase } in code; on the command line type it at the prompt, or use ` +
      `--passphrase-file FILE or the TLSMITH_PASSPHRASE environment variable.`,
  );
}

function notAKey(ctx: InputKind, found: string): TlsmithError {
  return new TlsmithError(
    "BAD_KEY",
    `${sourcePrefix(ctx.source)}expected a private key but found ${found}. Check that you ` +
      `passed the key file (it begins with "-----BEGIN PRIVATE KEY-----" or another ` +
      `"… PRIVATE KEY" line).`,
  );
}

/** What a PEM text holds instead of a private key, for the message. */
function describeLabels(labels: string[]): string {
  if (labels.some(isCertificateLabel)) return "a certificate";
  if (labels.includes("PUBLIC KEY") || labels.includes("RSA PUBLIC KEY")) {
    return "a public key (the key file holds the private key)";
  }
  if (labels.some(isCsrLabel)) return "a certificate request";
  return `only ${[...new Set(labels)].map((l) => `"${l}"`).join(", ")} blocks`;
}

// ---------------------------------------------------------------------------
// OpenSSH keys: say which kind, and what converts it

function opensshKeyType(der: Uint8Array): string | undefined {
  const magic = "openssh-key-v1\0";
  if (new TextDecoder().decode(der.subarray(0, magic.length)) !== magic) return undefined;
  let at = magic.length;
  const next = (): Uint8Array | undefined => {
    if (at + 4 > der.length) return undefined;
    const n = ((der[at] << 24) | (der[at + 1] << 16) | (der[at + 2] << 8) | der[at + 3]) >>> 0;
    if (at + 4 + n > der.length) return undefined;
    const out = der.subarray(at + 4, at + 4 + n);
    at += 4 + n;
    return out;
  };
  next(); // cipher name
  next(); // KDF name
  next(); // KDF options
  at += 4; // number of keys
  const pub = next();
  if (!pub || pub.length < 4) return undefined;
  const len = ((pub[0] << 24) | (pub[1] << 16) | (pub[2] << 8) | pub[3]) >>> 0;
  if (len === 0 || len > 64 || 4 + len > pub.length) return undefined;
  return new TextDecoder().decode(pub.subarray(4, 4 + len));
}

function opensshError(block: PemBlock, ctx: InputKind): TlsmithError {
  const type = opensshKeyType(block.der);
  const file = fileArgument(ctx.source, "id_key");
  const how = type === "ssh-ed25519"
    ? `ssh-keygen cannot write Ed25519 keys as PKCS#8, so make a key for TLS instead: ${newKeyCommands()}`
    : `convert a copy with \`cp ${file} key.pem && ssh-keygen -p -m PKCS8 -f key.pem\``;
  return new TlsmithError(
    "BAD_KEY",
    `${sourcePrefix(ctx.source)}this is an OpenSSH private key${
      type ? ` (${type})` : ""
    }, not a key in a format TLS uses; ${how}.`,
  );
}

// ---------------------------------------------------------------------------
// Every format → PKCS#8 DER

function ctxFor(input: InputKind, what = "private key"): DecryptContext {
  return { source: input.source, der: input.der, what, container: "key" };
}

function sec1ToPkcs8(sec1: Uint8Array, blocks: PemBlock[], input: InputKind): Uint8Array {
  const key = parseSec1(sec1, "EC private key");
  let curve = key.explicitCurve ? "explicit" : key.curve;
  if (curve === undefined) {
    const params = blocks.find((b) => b.label === "EC PARAMETERS");
    if (params) curve = ecParametersCurve(parseDer(params.der, "EC PARAMETERS"), "EC PARAMETERS");
  }
  if (curve === "explicit") {
    throw new TlsmithError(
      "UNSUPPORTED_KEY_TYPE",
      `${sourcePrefix(input.source)}the EC key spells out its curve parameters instead of ` +
        `naming the curve, which WebCrypto cannot import. Rewrite it with a named curve: ` +
        `\`${namedCurveCommand(input)}\`.`,
    );
  }
  if (curve === undefined) {
    throw new TlsmithError(
      "BAD_KEY",
      `${sourcePrefix(input.source)}the EC private key does not name its curve and no ` +
        `"EC PARAMETERS" block comes with it. Add the block that was written with it, or ` +
        `re-export the key from where it came from as PKCS#8.`,
    );
  }
  return pkcs8FromSec1(sec1, curve);
}

async function pemToPkcs8(input: Input, passphrase: Passphrase | undefined): Promise<Uint8Array> {
  const blocks = decodePem(input.text!, { source: input.source });
  const block = blocks.find((b) => PRIVATE_KEY_LABELS.includes(b.label));
  if (!block) throw notAKey(input, describeLabels(blocks.map((b) => b.label)));
  switch (block.label) {
    case "DSA PRIVATE KEY":
      throw unsupportedAlgorithm(input, OID.dsa);
    case "RSA-PSS PRIVATE KEY":
      throw unsupportedAlgorithm(input, OID.rsassaPss);
    case "OPENSSH PRIVATE KEY":
      throw opensshError(block, input);
  }
  const encrypted = isEncryptedBlock(block);
  if (encrypted && passphrase === undefined) throw passphraseRequired(input.source);
  if (block.label === "ENCRYPTED PRIVATE KEY") {
    return await decryptEncryptedPkcs8(block.der, passphrase!, ctxFor(input));
  }
  if (block.label === "PRIVATE KEY") return block.der;
  const inner = encrypted
    ? await decryptLegacyPem(block, passphrase!, ctxFor(input, `${block.label.toLowerCase()}`))
    : block.der;
  if (block.label === "RSA PRIVATE KEY") return pkcs8FromPkcs1(inner);
  return sec1ToPkcs8(inner, blocks, input);
}

/** What a DER structure is, by its shape. */
type DerKind =
  | "pkcs8"
  | "encrypted-pkcs8"
  | "pkcs1"
  | "sec1"
  | "dsa"
  | "pkcs12"
  | "certificate"
  | "public-key"
  | "unknown";

function derKind(node: DerNode): DerKind {
  if (!isUniversal(node, TAG.SEQUENCE)) return "unknown";
  const items = node.children;
  const is = (i: number, tag: number) => isUniversal(items[i], tag);
  if (is(0, TAG.INTEGER)) {
    let version = -1;
    try {
      version = readSmallInt(items[0], "version");
    } catch {
      return "unknown";
    }
    if (items.length >= 3 && is(1, TAG.SEQUENCE) && is(2, TAG.OCTET_STRING)) return "pkcs8";
    if (version === 1 && is(1, TAG.OCTET_STRING)) return "sec1";
    if (items.every((_, i) => is(i, TAG.INTEGER))) {
      if (items.length === 9 || items.length === 10) return "pkcs1";
      if (items.length === 6) return "dsa";
    }
    if (version === 3 && is(1, TAG.SEQUENCE)) return "pkcs12";
    return "unknown";
  }
  if (is(0, TAG.SEQUENCE) && items.length === 2 && is(1, TAG.OCTET_STRING)) {
    return "encrypted-pkcs8";
  }
  if (is(0, TAG.SEQUENCE) && items.length === 2 && is(1, TAG.BIT_STRING)) return "public-key";
  if (is(0, TAG.SEQUENCE) && items.length === 3 && is(2, TAG.BIT_STRING)) return "certificate";
  return "unknown";
}

async function derToPkcs8(input: Input, passphrase: Passphrase | undefined): Promise<Uint8Array> {
  const bytes = input.bytes!;
  if (bytes.length === 0) {
    throw new TlsmithError("BAD_KEY", `${sourcePrefix(input.source)}the key input is empty.`);
  }
  let node: DerNode;
  try {
    node = parseDer(bytes, "private key");
  } catch (err) {
    throw new TlsmithError(
      "BAD_KEY",
      `${sourcePrefix(input.source)}not a private key: neither PEM text nor DER (${
        (err as Error).message.replace(/^the |\.$/g, "")
      }).`,
      { cause: err },
    );
  }
  switch (derKind(node)) {
    case "pkcs8":
      return bytes;
    case "encrypted-pkcs8":
      if (passphrase === undefined) throw passphraseRequired(input.source);
      return await decryptEncryptedPkcs8(bytes, passphrase, ctxFor(input));
    case "pkcs1":
      return pkcs8FromPkcs1(bytes);
    case "sec1":
      return sec1ToPkcs8(bytes, [], input);
    case "dsa":
      throw unsupportedAlgorithm(input, OID.dsa);
    case "pkcs12":
      throw notAKey(
        input,
        "a PKCS#12 (.p12/.pfx) file: read it with importPkcs12 or `tlsmith p12 import`",
      );
    case "certificate":
      throw notAKey(input, "a certificate (or certificate request) in DER");
    case "public-key":
      throw notAKey(input, "a public key in DER");
    default:
      throw notAKey(input, "DER data that is no private key format tlsmith knows");
  }
}

/** Unencrypted PKCS#8 DER of a stored key in any format, and where it came from. */
async function readPkcs8(
  data: PrivateKeyData,
  options: ImportPrivateKeyOptions,
): Promise<{ der: Uint8Array; input: Input }> {
  const input = readInput(data, options.source);
  try {
    const der = input.text !== undefined
      ? await pemToPkcs8(input, options.passphrase)
      : await derToPkcs8(input, options.passphrase);
    return { der, input };
  } catch (err) {
    if (err instanceof DerError) throw damaged(input, err);
    throw err;
  }
}

// ---------------------------------------------------------------------------
// The reader and the writer

/**
 * Read a private key in any format OpenSSL writes, PEM or DER, encrypted or not, into an
 * extractable {@linkcode KeyPair}: PKCS#8 (plain, PBES2 with PBKDF2/scrypt and AES-CBC, 3DES, DES
 * or RC2, PKCS#5 v1.5 PBES1 or PKCS#12 PBE), PKCS#1, SEC1 (with `EC PARAMETERS`), OpenSSL's
 * legacy encrypted PEM (AES, 3DES, DES, RC2). Key types: ECDSA
 * P-256/P-384, RSA 2048/3072/4096, Ed25519.
 *
 * Errors, all `TlsmithError`s: `PASSPHRASE_REQUIRED` (encrypted, no pass phrase),
 * `WRONG_PASSPHRASE` (never a garbage key), `BAD_KEY` (damaged or contradictory, or not a key:
 * it says what was found), `BAD_PEM`, `UNSUPPORTED_KEY_TYPE` (DSA, RSA-PSS, other curves and
 * sizes), `UNSUPPORTED_ALGORITHM` (RC4, MD2, other PEM ciphers: with the command that
 * converts the file), `LIMIT_EXCEEDED` (over 1 MiB, or a key derivation above its cap).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exportPrivateKey, importPrivateKey } from "./formats.ts";
 * import { generateKeyPair } from "./keys.ts";
 *
 * const pem = await exportPrivateKey(await generateKeyPair("ec-p384"), { passphrase: "pw", iterations: 1000 });
 * const pair = await importPrivateKey(pem, { passphrase: "pw", source: "key.pem" });
 * assert.equal(pair.type, "ec-p384");
 * await assert.rejects(importPrivateKey(pem), { code: "PASSPHRASE_REQUIRED" });
 * ```
 */
export async function importPrivateKey(
  data: PrivateKeyData,
  options: ImportPrivateKeyOptions = {},
): Promise<KeyPair> {
  const { der, input } = await readPkcs8(data, options ?? {});
  return await importPkcs8Der(der, { source: input.source, der: input.der });
}

async function privateCryptoKey(key: PrivateKeyInput, source?: string): Promise<CryptoKey> {
  if (typeof key === "string" || key instanceof Uint8Array || key instanceof ArrayBuffer) {
    if (isEncryptedPrivateKey(key)) {
      throw new TlsmithError(
        "BAD_OPTION",
        `${sourcePrefix(source)}the key is already encrypted. Read it first with ` +
          `importPrivateKey(key, { passphrase }) and export the KeyPair.`,
      );
    }
    return (await importPrivateKey(key, { source })).privateKey;
  }
  const cryptoKey = key instanceof CryptoKey ? key : (key as KeyPair)?.privateKey;
  if (!(cryptoKey instanceof CryptoKey) || cryptoKey.type !== "private") {
    throw new TlsmithError(
      "BAD_OPTION",
      "expected a private CryptoKey, a KeyPair, or a private key as PEM text or DER bytes " +
        "(for a public key use exportPublicKey).",
    );
  }
  if (!cryptoKey.extractable) {
    throw new TlsmithError(
      "BAD_KEY",
      "the private CryptoKey is not extractable, so it cannot be written out. " +
        "Generate or import it with extractable: true.",
    );
  }
  return cryptoKey;
}

/**
 * Write a private key as PKCS#8 PEM: `PRIVATE KEY`, or with `passphrase` an
 * `ENCRYPTED PRIVATE KEY` (PBES2, PBKDF2-HMAC-SHA256 with 600 000 iterations by default,
 * AES-256-CBC, random 16-byte salt and IV — what `openssl pkcs8 -topk8 -v2 aes-256-cbc` writes;
 * OpenSSL, Node, Go and Java read it). `key` is a `CryptoKey` (extractable), a
 * {@linkcode KeyPair}, or an unencrypted stored key in any format {@linkcode importPrivateKey}
 * reads (it is imported first, so a damaged key is refused, never copied).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exportPrivateKey } from "./formats.ts";
 * import { generateKeyPair } from "./keys.ts";
 * const pair = await generateKeyPair();
 * assert.match(await exportPrivateKey(pair), /^-----BEGIN PRIVATE KEY-----\n/);
 * const encrypted = await exportPrivateKey(pair, { passphrase: "correct horse", iterations: 1000 });
 * assert.match(encrypted, /^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
 * ```
 */
export async function exportPrivateKey(
  key: PrivateKeyInput,
  options: ExportPrivateKeyOptions = {},
): Promise<string> {
  const { passphrase, source } = options ?? {};
  const iterations = checkIterations(options?.iterations ?? DEFAULT_ITERATIONS);
  let pass: Uint8Array | undefined;
  if (passphrase !== undefined) {
    pass = passphraseBytes(passphrase);
    if (pass.length === 0) {
      throw new TlsmithError(
        "BAD_OPTION",
        "the pass phrase is empty. Use a non-empty pass phrase to encrypt a key, or leave it " +
          "out to write the key unencrypted.",
      );
    }
  }
  const cryptoKey = await privateCryptoKey(key, source);
  let pkcs8: Uint8Array;
  try {
    pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", cryptoKey));
  } catch (err) {
    throw new TlsmithError(
      "BAD_KEY",
      `${sourcePrefix(source)}the private key cannot be exported (${
        (err as Error)?.message ?? err
      }).`,
      { cause: err },
    );
  }
  if (pass === undefined) return encodePem("PRIVATE KEY", pkcs8);
  return encodePem("ENCRYPTED PRIVATE KEY", await encryptPkcs8(pkcs8, pass, iterations));
}

/**
 * True when the stored key is encrypted: an `ENCRYPTED PRIVATE KEY`, a legacy block with
 * `Proc-Type: 4,ENCRYPTED`, or DER EncryptedPrivateKeyInfo. Never throws.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isEncryptedPrivateKey } from "./formats.ts";
 * const pem = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAA=\n-----END ENCRYPTED PRIVATE KEY-----\n";
 * assert.equal(isEncryptedPrivateKey(pem), true);
 * assert.equal(isEncryptedPrivateKey("not a key"), false);
 * ```
 */
export function isEncryptedPrivateKey(data: PrivateKeyData): boolean {
  try {
    const input = readInput(data);
    if (input.text !== undefined) {
      return decodePem(input.text).some((b) =>
        PRIVATE_KEY_LABELS.includes(b.label) && isEncryptedBlock(b)
      );
    }
    return derKind(parseDer(input.bytes!, "key")) === "encrypted-pkcs8";
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------
// Deprecated names, kept working

/**
 * Options of {@linkcode readPrivateKey}.
 *
 * @deprecated Use {@linkcode ImportPrivateKeyOptions}.
 */
export type ReadPrivateKeyOptions = ImportPrivateKeyOptions;

/**
 * Options of {@linkcode importPrivateKeyPem} and {@linkcode importPkcs8}.
 *
 * @deprecated Use {@linkcode ImportPrivateKeyOptions}.
 */
export interface ImportKeyOptions {
  /** Where the key came from (a file name), used in error messages. */
  source?: string;
}

/**
 * Options of {@linkcode decryptPrivateKey}.
 *
 * @deprecated Use {@linkcode ImportPrivateKeyOptions}.
 */
export interface DecryptPrivateKeyOptions {
  /** Where the PEM came from (a file name), used in error messages. */
  source?: string;
}

/**
 * Options of {@linkcode encryptPrivateKey}.
 *
 * @deprecated Use {@linkcode ExportPrivateKeyOptions}.
 */
export interface EncryptPrivateKeyOptions {
  /** PBKDF2 iterations (default 600 000). */
  iterations?: number;
}

/**
 * Read a private key in any format. Same as {@linkcode importPrivateKey}.
 *
 * @deprecated Use {@linkcode importPrivateKey}.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exportPrivateKey, readPrivateKey } from "./formats.ts";
 * import { generateKeyPair } from "./keys.ts";
 * const pem = await exportPrivateKey(await generateKeyPair("ed25519"));
 * assert.equal((await readPrivateKey(pem)).type, "ed25519");
 * ```
 */
export function readPrivateKey(
  pem: PrivateKeyData,
  options: ReadPrivateKeyOptions = {},
): Promise<KeyPair> {
  return importPrivateKey(pem, options);
}

/**
 * Read a private key from PEM (any format; an encrypted one is `PASSPHRASE_REQUIRED`).
 *
 * @deprecated Use {@linkcode importPrivateKey}.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exportPrivateKey, importPrivateKeyPem } from "./formats.ts";
 * import { generateKeyPair } from "./keys.ts";
 * const pem = await exportPrivateKey(await generateKeyPair());
 * assert.equal((await importPrivateKeyPem(pem)).type, "ec-p256");
 * ```
 */
export function importPrivateKeyPem(pem: string, options: ImportKeyOptions = {}): Promise<KeyPair> {
  return importPrivateKey(pem, { source: options?.source });
}

/**
 * Import DER bytes of a private key (PKCS#8, or any DER format {@linkcode importPrivateKey} reads).
 *
 * @deprecated Use {@linkcode importPrivateKey}.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { importPkcs8 } from "./formats.ts";
 * import { generateKeyPair } from "./keys.ts";
 * const der = await crypto.subtle.exportKey("pkcs8", (await generateKeyPair("ec-p384")).privateKey);
 * assert.equal((await importPkcs8(der)).type, "ec-p384");
 * ```
 */
export function importPkcs8(
  der: Uint8Array | ArrayBuffer,
  options: ImportKeyOptions = {},
): Promise<KeyPair> {
  return importPrivateKey(der, { source: options?.source });
}

/**
 * Decrypt an encrypted private key. Same as {@linkcode importPrivateKey} with a pass phrase.
 *
 * @deprecated Use `importPrivateKey(pem, { passphrase })`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decryptPrivateKey, exportPrivateKey } from "./formats.ts";
 * import { generateKeyPair } from "./keys.ts";
 * const pem = await exportPrivateKey(await generateKeyPair(), { passphrase: "pw", iterations: 1000 });
 * await assert.rejects(decryptPrivateKey(pem, "guess"), { code: "WRONG_PASSPHRASE" });
 * ```
 */
export function decryptPrivateKey(
  pem: PrivateKeyData,
  passphrase: Passphrase,
  options: DecryptPrivateKeyOptions = {},
): Promise<KeyPair> {
  return importPrivateKey(pem, { passphrase, source: options?.source });
}

/**
 * Unencrypted PKCS#8 PEM of a stored key in any format.
 *
 * @deprecated Use `exportPrivateKey(await importPrivateKey(pem, { passphrase }))`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exportPrivateKey, toPkcs8Pem } from "./formats.ts";
 * import { generateKeyPair } from "./keys.ts";
 * const pem = await exportPrivateKey(await generateKeyPair(), { passphrase: "pw", iterations: 1000 });
 * assert.match(await toPkcs8Pem(pem, { passphrase: "pw" }), /^-----BEGIN PRIVATE KEY-----/);
 * ```
 */
export async function toPkcs8Pem(
  pem: PrivateKeyData,
  options: ReadPrivateKeyOptions = {},
): Promise<string> {
  return await exportPrivateKey(await importPrivateKey(pem, options), { source: options?.source });
}

/**
 * Encrypt a private key to `ENCRYPTED PRIVATE KEY` PEM.
 *
 * @deprecated Use `exportPrivateKey(key, { passphrase, iterations })`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encryptPrivateKey } from "./formats.ts";
 * import { generateKeyPair } from "./keys.ts";
 * const pem = await encryptPrivateKey(await generateKeyPair(), "pw", { iterations: 1000 });
 * assert.match(pem, /^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
 * ```
 */
export function encryptPrivateKey(
  key: PrivateKeyInput,
  passphrase: Passphrase,
  options: EncryptPrivateKeyOptions = {},
): Promise<string> {
  return exportPrivateKey(key, { passphrase, iterations: options?.iterations });
}

/**
 * Unencrypted PKCS#8 PEM of a private key.
 *
 * @deprecated Use {@linkcode exportPrivateKey}.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exportPrivateKeyPem } from "./formats.ts";
 * import { generateKeyPair } from "./keys.ts";
 * const { privateKey } = await generateKeyPair();
 * assert.match(await exportPrivateKeyPem(privateKey), /^-----BEGIN PRIVATE KEY-----/);
 * ```
 */
export function exportPrivateKeyPem(key: CryptoKey): Promise<string> {
  return exportPrivateKey(key);
}
