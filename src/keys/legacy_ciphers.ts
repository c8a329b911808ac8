/**
 * The block ciphers of old key files that WebCrypto lacks, decryption only: DES and triple DES
 * (FIPS 46-3, two- and three-key EDE) and RC2 (RFC 2268, any effective key size), in CBC mode
 * with PKCS#7 padding. They read DES-EDE3-CBC / DES-CBC legacy PEM, PBES2 with des-ede3-cbc,
 * desCBC or rc2-cbc, PKCS#5 v1.5 (PBES1) and PKCS#12 PBE; tlsmith never writes them.
 *
 * Internal to the keys layer: callers check key, IV and ciphertext lengths first (a wrong length
 * is a programming error here, a `RangeError`).
 *
 * @module
 */

import { decodeHex } from "../_internal/bytes.ts";

/** Decrypts one 8-byte block of `input` at `at` into `out` at `at`. */
export type BlockDecrypt = (input: Uint8Array, out: Uint8Array, at: number) => void;

// ---------------------------------------------------------------------------
// DES (FIPS 46-3). Tables are 1-based bit positions, most significant bit first.

/** A table written as numbers separated by spaces. */
function numbers(text: string): number[] {
  return text.split(" ").map(Number);
}

const PC1 = numbers(
  "57 49 41 33 25 17 9 1 58 50 42 34 26 18 10 2 59 51 43 35 27 19 11 3 60 52 44 36 63 55 47 39 31 " +
    "23 15 7 62 54 46 38 30 22 14 6 61 53 45 37 29 21 13 5 28 20 12 4",
);
const PC2 = numbers(
  "14 17 11 24 1 5 3 28 15 6 21 10 23 19 12 4 26 8 16 7 27 20 13 2 41 52 31 37 47 55 30 40 51 45 " +
    "33 48 44 49 39 56 34 53 46 42 50 36 29 32",
);
const SHIFTS = [1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1];
const IP = numbers(
  "58 50 42 34 26 18 10 2 60 52 44 36 28 20 12 4 62 54 46 38 30 22 14 6 64 56 48 40 32 24 16 8 57 " +
    "49 41 33 25 17 9 1 59 51 43 35 27 19 11 3 61 53 45 37 29 21 13 5 63 55 47 39 31 23 15 7",
);
const E = numbers(
  "32 1 2 3 4 5 4 5 6 7 8 9 8 9 10 11 12 13 12 13 14 15 16 17 16 17 18 19 20 21 20 21 22 23 24 25 " +
    "24 25 26 27 28 29 28 29 30 31 32 1",
);
const P = numbers(
  "16 7 20 21 29 12 28 17 1 15 23 26 5 18 31 10 2 8 24 14 32 27 3 9 19 13 30 6 22 11 4 25",
);
const SBOX = [
  "e4d12fb83a6c5907 0f74e2d1a6cb9538 41e8d62bfc973a50 fc8249175b3ea06d",
  "f18e6b34972dc05a 3d47f28ec01a69b5 0e7ba4d158c6932f d8a13f42b67c05e9",
  "a09e63f51dc7b428 d709346a285ecbf1 d6498f30b12c5ae7 1ad069874fe3b52c",
  "7de3069a1285bc4f d8b56f03472c1ae9 a690cb7df13e5284 3f06a1d8945bc72e",
  "2c417ab6853fd0e9 eb2c47d150fa3986 421bad78f9c5630e b8c71e2d6f09a453",
  "c1af92680d34e75b af427c9561de0b38 9ef528c3704a1db6 432c95fabe17608d",
  "4b2ef08d3c975a61 d0b7491ae35c2f86 14bdc37eaf680592 6bd814a7950fe23c",
  "d2846fb1a93e50c7 1fd8a374c56b0e92 7b419ce206adf358 21e74a8dfc90356b",
].map((box) => Uint8Array.from(box.replace(/ /g, ""), (c) => parseInt(c, 16)));

/** The 16 round keys, 48 bits each (one bit per entry). */
function desSubkeys(key: Uint8Array, at: number): Uint8Array[] {
  const bit = (i: number) => (key[at + ((i - 1) >> 3)] >> (7 - ((i - 1) & 7))) & 1;
  const cd = Uint8Array.from(PC1, bit);
  const keys: Uint8Array[] = [];
  for (const shift of SHIFTS) {
    for (let s = 0; s < shift; s++) {
      const c0 = cd[0];
      const d0 = cd[28];
      cd.copyWithin(0, 1, 28);
      cd[27] = c0;
      cd.copyWithin(28, 29, 56);
      cd[55] = d0;
    }
    keys.push(Uint8Array.from(PC2, (i) => cd[i - 1]));
  }
  return keys;
}

/** One DES block with round keys in the given order (reversed for decryption). */
function desBlock(bits: Uint8Array, keys: readonly Uint8Array[]): Uint8Array {
  let l = Uint8Array.from(IP.slice(0, 32), (i) => bits[i - 1]);
  let r = Uint8Array.from(IP.slice(32), (i) => bits[i - 1]);
  const f = new Uint8Array(32);
  for (const k of keys) {
    for (let s = 0; s < 8; s++) {
      const x = (j: number) => r[E[6 * s + j] - 1] ^ k[6 * s + j];
      const row = (x(0) << 1) | x(5);
      const col = (x(1) << 3) | (x(2) << 2) | (x(3) << 1) | x(4);
      const v = SBOX[s][row * 16 + col];
      for (let j = 0; j < 4; j++) f[4 * s + j] = (v >> (3 - j)) & 1;
    }
    const next = Uint8Array.from(P, (i, j) => l[j] ^ f[i - 1]);
    l = r;
    r = next;
  }
  // Undo the last swap, then the final permutation (the inverse of IP).
  const pre = new Uint8Array(64);
  pre.set(r, 0);
  pre.set(l, 32);
  const out = new Uint8Array(64);
  IP.forEach((i, j) => (out[i - 1] = pre[j]));
  return out;
}

function toBits(bytes: Uint8Array, at: number): Uint8Array {
  const bits = new Uint8Array(64);
  for (let i = 0; i < 64; i++) bits[i] = (bytes[at + (i >> 3)] >> (7 - (i & 7))) & 1;
  return bits;
}

function fromBits(bits: Uint8Array, out: Uint8Array, at: number): void {
  for (let i = 0; i < 8; i++) {
    let b = 0;
    for (let j = 0; j < 8; j++) b = (b << 1) | bits[8 * i + j];
    out[at + i] = b;
  }
}

/**
 * The block decryption of DES (an 8-byte key) or triple DES EDE (16 bytes: two keys, 24: three).
 * Parity bits are ignored, as OpenSSL does.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cbcDecrypt, desDecrypt } from "./legacy_ciphers.ts";
 * // The textbook DES example: key 133457799BBCDFF1, 0123456789ABCDEF → 85E813540F0AB405.
 * const key = Uint8Array.from([0x13, 0x34, 0x57, 0x79, 0x9b, 0xbc, 0xdf, 0xf1]);
 * const cipher = Uint8Array.from([0x85, 0xe8, 0x13, 0x54, 0x0f, 0x0a, 0xb4, 0x05]);
 * const out = new Uint8Array(8);
 * desDecrypt(key)(cipher, out, 0);
 * assert.deepEqual(Array.from(out), [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef]);
 * // A padded CBC message whose padding does not check out is null.
 * assert.equal(cbcDecrypt(desDecrypt(key), new Uint8Array(8), cipher), null);
 * ```
 */
export function desDecrypt(key: Uint8Array): BlockDecrypt {
  if (key.length !== 8 && key.length !== 16 && key.length !== 24) {
    throw new RangeError(`a DES key is 8, 16 or 24 bytes (got ${key.length})`);
  }
  const k1 = desSubkeys(key, 0);
  if (key.length === 8) {
    const dec = k1.slice().reverse();
    return (input, out, at) => fromBits(desBlock(toBits(input, at), dec), out, at);
  }
  const k2 = desSubkeys(key, 8);
  const k3 = key.length === 24 ? desSubkeys(key, 16) : k1;
  const d1 = k1.slice().reverse();
  const d3 = k3.slice().reverse();
  // EDE: C = E_K3(D_K2(E_K1(P))), so P = D_K1(E_K2(D_K3(C))).
  return (input, out, at) =>
    fromBits(desBlock(desBlock(desBlock(toBits(input, at), d3), k2), d1), out, at);
}

// ---------------------------------------------------------------------------
// RC2 (RFC 2268)

/** RFC 2268's PITABLE, a permutation of 0…255 "based on the digits of pi". */
const PITABLE: Uint8Array = decodeHex(
  "d978f9c419ddb5ed28e9fd794aa0d89dc67e37832b76538e624c6488448bfba2" +
    "179a59f587b34f1361456d8d09817d32bd8f40eb86b77b0bf09521225c6b4e82" +
    "54d66593ce60b21c7356c014a78cf1dc1275ca1f3bbee4d1423dd430a33cb626" +
    "6fbf0eda4669075727f21d9bbc944303f811c7f690ef3ee706c3d52fc8661ed7" +
    "08e8eade8052eef784aa72ac354d6a2a961ad2715a1549744b9fd05e0418a4ec" +
    "c2e0416e0f51cbcc2491af50a1f47039997c3a8523b8b47afc02365b25559731" +
    "2d5dfa98e38a92ae05df2910676cbac9d300e6cfe19ea82c6316013f58e289a9" +
    "0d38341bab33ffb0bb480c5fb9b1cd2ec5f3db47e5a59c770aa62068fe7fc1ad",
)!;

/**
 * The block decryption of RC2 with a 1…128-byte key and `effectiveBits` (1…1024) of effective key
 * size: 40 and 128 in PKCS#12, 64 in PBES1, the version-coded size in PBES2.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rc2Decrypt } from "./legacy_ciphers.ts";
 * // RFC 2268 section 5: key 88, 64 effective bits, plaintext 0 → 61a8a244adacccf0.
 * const out = new Uint8Array(8);
 * rc2Decrypt(Uint8Array.of(0x88), 64)(
 *   Uint8Array.from([0x61, 0xa8, 0xa2, 0x44, 0xad, 0xac, 0xcc, 0xf0]),
 *   out,
 *   0,
 * );
 * assert.deepEqual(Array.from(out), [0, 0, 0, 0, 0, 0, 0, 0]);
 * ```
 */
export function rc2Decrypt(key: Uint8Array, effectiveBits: number): BlockDecrypt {
  const t = key.length;
  if (t < 1 || t > 128 || !Number.isInteger(effectiveBits) || effectiveBits < 1) {
    throw new RangeError("an RC2 key is 1 to 128 bytes with at least one effective bit");
  }
  const bits = Math.min(effectiveBits, 1024);
  const l = new Uint8Array(128);
  l.set(key);
  for (let i = t; i < 128; i++) l[i] = PITABLE[(l[i - 1] + l[i - t]) & 0xff];
  const t8 = (bits + 7) >> 3;
  const tm = 0xff >> (8 * t8 - bits);
  l[128 - t8] = PITABLE[l[128 - t8] & tm];
  for (let i = 127 - t8; i >= 0; i--) l[i] = PITABLE[l[i + 1] ^ l[i + t8]];
  const k = new Uint16Array(64);
  for (let i = 0; i < 64; i++) k[i] = l[2 * i] | (l[2 * i + 1] << 8);

  const ror = (x: number, s: number) => ((x >>> s) | (x << (16 - s))) & 0xffff;
  return (input, out, at) => {
    const r = [0, 1, 2, 3].map((i) => input[at + 2 * i] | (input[at + 2 * i + 1] << 8));
    const rmix = (j: number, i: number) => {
      r[i] = ror(r[i], [1, 2, 3, 5][i]);
      r[i] = (r[i] - k[j] - (r[(i + 3) & 3] & r[(i + 2) & 3]) -
        (~r[(i + 3) & 3] & r[(i + 1) & 3])) & 0xffff;
    };
    const rmash = (i: number) => (r[i] = (r[i] - k[r[(i + 3) & 3] & 63]) & 0xffff);
    for (let round = 15; round >= 0; round--) {
      for (let i = 3; i >= 0; i--) rmix(4 * round + i, i);
      if (round === 11 || round === 5) { for (let i = 3; i >= 0; i--) rmash(i); }
    }
    for (let i = 0; i < 4; i++) {
      out[at + 2 * i] = r[i] & 0xff;
      out[at + 2 * i + 1] = r[i] >> 8;
    }
  };
}

// ---------------------------------------------------------------------------
// CBC with PKCS#7 padding

/**
 * CBC-decrypt `data` (whole 8-byte blocks) with `iv` (8 bytes) and remove the PKCS#7 padding.
 * `null` when the padding does not check out: what a wrong key nearly always gives. The last
 * block is decrypted first, so a wrong key costs one block.
 */
export function cbcDecrypt(
  decrypt: BlockDecrypt,
  iv: Uint8Array,
  data: Uint8Array,
): Uint8Array | null {
  if (iv.length !== 8 || data.length === 0 || data.length % 8 !== 0) {
    throw new RangeError("CBC needs an 8-byte IV and whole 8-byte blocks");
  }
  const out = new Uint8Array(data.length);
  const xorPrevious = (at: number) => {
    const prev = at === 0 ? iv : data.subarray(at - 8, at);
    for (let j = 0; j < 8; j++) out[at + j] ^= prev[j];
  };
  const last = data.length - 8;
  decrypt(data, out, last);
  xorPrevious(last);
  const pad = out[data.length - 1];
  if (pad < 1 || pad > 8) return null;
  for (let j = data.length - pad; j < data.length; j++) if (out[j] !== pad) return null;
  for (let at = 0; at < last; at += 8) {
    decrypt(data, out, at);
    xorPrevious(at);
  }
  return out.slice(0, data.length - pad);
}
