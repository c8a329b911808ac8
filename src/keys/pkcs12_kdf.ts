/**
 * RFC 7292 appendix B: the PKCS#12 key derivation, used for the .p12 integrity MAC and for the
 * PKCS#12 PBE ciphers (pbeWithSHAAnd3-KeyTripleDES-CBC …), with the hashes it runs on. Every
 * derivation yields to the event loop about every 10 ms, so a large iteration count never blocks
 * it; the callers cap the counts first ({@linkcode KEY_LIMITS}).
 *
 * @module
 */

import { md5 } from "npm:@noble/hashes@^2.0.0/legacy.js";
import { sha224, sha384, sha512 } from "npm:@noble/hashes@^2.0.0/sha2.js";
import { concatBytes } from "../_internal/bytes.ts";
import { sha1, sha256, sha256Repeat } from "../_internal/sha.ts";
import { OID } from "../_internal/oids.ts";
import { KEY_LIMITS } from "./limits.ts";

type Hasher = (data: Uint8Array) => Uint8Array;

/** `times` more rounds of `a = H(a)` on a digest, with a general-purpose hasher. */
function repeatWith(fn: Hasher): (digest: Uint8Array, times: number) => Uint8Array {
  return (digest, times) => {
    let a = digest;
    for (let r = 0; r < times; r++) a = fn(a);
    return a;
  };
}

/** A hash as the PKCS#12 KDF (and PBKDF1) use it, with the cap on its iteration count. */
export interface MacHash {
  /** The name in messages and for WebCrypto's HMAC, e.g. "SHA-256". */
  name: string;
  /** The hash function. */
  fn: Hasher;
  /** `times` more rounds of `a = H(a)` on a digest. */
  repeat: (digest: Uint8Array, times: number) => Uint8Array;
  /** Rounds per slice between checks of the clock (a fraction of a millisecond to a few). */
  slice: number;
  /** The most iterations an input may ask for with this hash. */
  maxIterations: number;
  /** Digest length in bytes. */
  u: number;
  /** Block length in bytes. */
  v: number;
}

const OTHER_MAX = KEY_LIMITS.maxPkcs12MacIterationsOtherHash;

/** The hashes of the PKCS#12 MAC and KDF, by digest-algorithm OID. */
export const MAC_HASHES: Readonly<Record<string, MacHash>> = Object.freeze({
  [OID.sha1]: {
    name: "SHA-1",
    fn: (d: Uint8Array) => sha1(d),
    repeat: repeatWith(sha1),
    slice: 500,
    maxIterations: OTHER_MAX,
    u: 20,
    v: 64,
  },
  [OID.sha224]: {
    name: "SHA-224",
    fn: (d: Uint8Array) => sha224(d),
    repeat: repeatWith(sha224),
    slice: 500,
    maxIterations: OTHER_MAX,
    u: 28,
    v: 64,
  },
  [OID.sha256]: {
    name: "SHA-256",
    fn: (d: Uint8Array) => sha256(d),
    repeat: sha256Repeat,
    slice: 4000,
    maxIterations: KEY_LIMITS.maxPkcs12MacIterations,
    u: 32,
    v: 64,
  },
  [OID.sha384]: {
    name: "SHA-384",
    fn: (d: Uint8Array) => sha384(d),
    repeat: repeatWith(sha384),
    slice: 250,
    maxIterations: OTHER_MAX,
    u: 48,
    v: 128,
  },
  [OID.sha512]: {
    name: "SHA-512",
    fn: (d: Uint8Array) => sha512(d),
    repeat: repeatWith(sha512),
    slice: 250,
    maxIterations: OTHER_MAX,
    u: 64,
    v: 128,
  },
});

/**
 * The pass phrase as a BMPString with a two-byte NUL terminator (RFC 7292 B.1).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bmpPassword } from "./pkcs12_kdf.ts";
 * assert.deepEqual(Array.from(bmpPassword("a")), [0, 0x61, 0, 0]);
 * ```
 */
export function bmpPassword(passphrase: string): Uint8Array {
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

/** Let the event loop run (timers, I/O) between slices of a long computation. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** `times` rounds of the hash on `digest`, yielding to the event loop about every 10 ms. */
export async function repeatYielding(
  hash: MacHash,
  digest: Uint8Array,
  times: number,
): Promise<Uint8Array> {
  let a = digest;
  let left = times;
  let since = Date.now();
  while (left > 0) {
    const n = Math.min(left, hash.slice);
    a = hash.repeat(a, n);
    left -= n;
    if (left > 0 && Date.now() - since >= 10) {
      await yieldToEventLoop();
      since = Date.now();
    }
  }
  return a;
}

/**
 * The PKCS#12 KDF (RFC 7292 B.2): `n` bytes for `id` 1 = key, 2 = IV, 3 = MAC key, from the
 * BMPString `password` (see {@linkcode bmpPassword}). Yields as it goes; the caller caps
 * `iterations` first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { OID } from "../_internal/oids.ts";
 * import { bmpPassword, MAC_HASHES, pkcs12Kdf } from "./pkcs12_kdf.ts";
 * const h = MAC_HASHES[OID.sha1];
 * const key = await pkcs12Kdf(h, bmpPassword("pw"), new Uint8Array(8), 2048, 1, 24);
 * assert.equal(key.length, 24);
 * ```
 */
export async function pkcs12Kdf(
  hash: MacHash,
  password: Uint8Array,
  salt: Uint8Array,
  iterations: number,
  id: number,
  n: number,
): Promise<Uint8Array> {
  const { fn, u, v } = hash;
  const d = new Uint8Array(v).fill(id);
  const i = concatBytes(repeatTo(salt, v), repeatTo(password, v));
  const out: Uint8Array[] = [];
  for (let produced = 0; produced < n; produced += u) {
    const a = await repeatYielding(hash, fn(concatBytes(d, i)), iterations - 1);
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

/** MD5 as PBKDF1 uses it (PKCS#5 v1.5 pbeWithMD5And…), with the same cap as SHA-1. */
export const MD5_HASH: MacHash = Object.freeze({
  name: "MD5",
  fn: (d: Uint8Array) => md5(d),
  repeat: repeatWith(md5),
  slice: 500,
  maxIterations: OTHER_MAX,
  u: 16,
  v: 64,
});
