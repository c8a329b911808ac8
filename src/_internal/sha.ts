/**
 * THE SHA-256 and SHA-1 of tlsmith's own code (FIPS 180-4), synchronous: certificate
 * fingerprints and the SHA-256 of a public key (plain properties of the parsed certificate, where
 * no `await` fits), a new certificate's key identifiers, and the PKCS#12 KDF's inner loop
 * ({@linkcode sha256Repeat}). Bulk and user-facing digests (`fingerprint()`, signatures, HMAC)
 * use WebCrypto; the hashes WebCrypto and this module lack (MD5, SHA-224/384/512 for the KDFs,
 * scrypt, PBKDF2) come from
 * @noble/hashes, loaded with the first encrypted key. Having these here means reading a
 * certificate imports no npm package: on Deno the first `npm:` import of a process costs ≈ 8 ms
 * of its start-up.
 *
 * `tests/sha_test.ts` holds both to OpenSSL's digests over many lengths and derives the
 * constants again.
 *
 * @module
 */

/**
 * SHA-256's round constants K (the first 32 bits of the fractional parts of the cube roots of the
 * first 64 primes) and initial state (the same of the square roots of the first 8), FIPS 180-4
 * §4.2.2 and §5.3.3; `tests/sha_test.ts` derives both again with exact integer roots. Int32 (not
 * Uint32) arrays keep every value a small integer for the JIT.
 */
const K = Int32Array.of(
  0x428a2f98,
  0x71374491,
  0xb5c0fbcf,
  0xe9b5dba5,
  0x3956c25b,
  0x59f111f1,
  0x923f82a4,
  0xab1c5ed5,
  0xd807aa98,
  0x12835b01,
  0x243185be,
  0x550c7dc3,
  0x72be5d74,
  0x80deb1fe,
  0x9bdc06a7,
  0xc19bf174,
  0xe49b69c1,
  0xefbe4786,
  0x0fc19dc6,
  0x240ca1cc,
  0x2de92c6f,
  0x4a7484aa,
  0x5cb0a9dc,
  0x76f988da,
  0x983e5152,
  0xa831c66d,
  0xb00327c8,
  0xbf597fc7,
  0xc6e00bf3,
  0xd5a79147,
  0x06ca6351,
  0x14292967,
  0x27b70a85,
  0x2e1b2138,
  0x4d2c6dfc,
  0x53380d13,
  0x650a7354,
  0x766a0abb,
  0x81c2c92e,
  0x92722c85,
  0xa2bfe8a1,
  0xa81a664b,
  0xc24b8b70,
  0xc76c51a3,
  0xd192e819,
  0xd6990624,
  0xf40e3585,
  0x106aa070,
  0x19a4c116,
  0x1e376c08,
  0x2748774c,
  0x34b0bcb5,
  0x391c0cb3,
  0x4ed8aa4a,
  0x5b9cca4f,
  0x682e6ff3,
  0x748f82ee,
  0x78a5636f,
  0x84c87814,
  0x8cc70208,
  0x90befffa,
  0xa4506ceb,
  0xbef9a3f7,
  0xc67178f2,
);
const IV = Int32Array.of(
  0x6a09e667,
  0xbb67ae85,
  0x3c6ef372,
  0xa54ff53a,
  0x510e527f,
  0x9b05688c,
  0x1f83d9ab,
  0x5be0cd19,
);

/** SHA-256's K and initial state, for the test that derives them again. Internal. */
export const SHA256_CONSTANTS: { readonly k: Int32Array; readonly iv: Int32Array } = {
  k: K,
  iv: IV,
};

/**
 * The message padded to whole 64-byte blocks (0x80, zeros, the bit length big-endian), as the
 * 32-bit big-endian words both hashes read.
 */
function paddedWords(data: Uint8Array): Int32Array {
  const blocks = Math.floor((data.length + 8) / 64) + 1;
  const bytes = new Uint8Array(blocks * 64);
  bytes.set(data);
  bytes[data.length] = 0x80;
  const view = new DataView(bytes.buffer);
  view.setUint32(bytes.length - 8, Math.floor(data.length / 0x20000000));
  view.setUint32(bytes.length - 4, (data.length * 8) >>> 0);
  const words = new Int32Array(blocks * 16);
  for (let i = 0; i < words.length; i++) words[i] = view.getInt32(i * 4);
  return words;
}

/** The state words, big-endian. */
function digestBytes(state: Int32Array): Uint8Array {
  const out = new Uint8Array(state.length * 4);
  const view = new DataView(out.buffer);
  state.forEach((word, i) => view.setInt32(i * 4, word));
  return out;
}

const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));

/**
 * One SHA-256 compression: `w[0..15]` holds the block's words; `w` is expanded in place and the
 * state `s` advanced.
 */
function compress256(s: Int32Array, w: Int32Array): void {
  for (let t = 16; t < 64; t++) {
    const x = w[t - 15];
    const y = w[t - 2];
    const s0 = rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3);
    const s1 = rotr(y, 17) ^ rotr(y, 19) ^ (y >>> 10);
    w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
  }
  let a = s[0], b = s[1], c = s[2], d = s[3], e = s[4], f = s[5], g = s[6], h = s[7];
  for (let t = 0; t < 64; t++) {
    const t1 = (h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[t] +
      w[t]) | 0;
    const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  s[0] += a;
  s[1] += b;
  s[2] += c;
  s[3] += d;
  s[4] += e;
  s[5] += f;
  s[6] += g;
  s[7] += h;
}

/**
 * SHA-256 of `data`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sha256 } from "./sha.ts";
 * import { encodeHex } from "./bytes.ts";
 * const abc = new TextEncoder().encode("abc");
 * assert.equal(
 *   encodeHex(sha256(abc)),
 *   "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
 * );
 * assert.deepEqual(sha256(abc), new Uint8Array(await crypto.subtle.digest("SHA-256", abc)));
 * ```
 */
export function sha256(data: Uint8Array): Uint8Array {
  const m = paddedWords(data);
  const s = IV.slice();
  const w = new Int32Array(64);
  for (let block = 0; block < m.length; block += 16) {
    w.set(m.subarray(block, block + 16));
    compress256(s, w);
  }
  return digestBytes(s);
}

/**
 * `times` more rounds of `a = SHA-256(a)` on a 32-byte digest, without allocating: the input of
 * each round is one padded block whose first eight words are the previous digest. The PKCS#12
 * KDF spends nearly all its time here (600 000 rounds for tlsmith's default MAC), about 4x faster
 * than hashing with a general-purpose SHA-256.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sha256, sha256Repeat } from "./sha.ts";
 * const x = new Uint8Array(32);
 * assert.deepEqual(sha256Repeat(x, 2), sha256(sha256(x)));
 * ```
 */
export function sha256Repeat(digest: Uint8Array, times: number): Uint8Array {
  if (digest.length !== 32) throw new RangeError("sha256Repeat: the input must be 32 bytes");
  const w = new Int32Array(64);
  const s = new Int32Array(8);
  for (let i = 0; i < 8; i++) {
    s[i] = (digest[4 * i] << 24) | (digest[4 * i + 1] << 16) | (digest[4 * i + 2] << 8) |
      digest[4 * i + 3];
  }
  for (let round = 0; round < times; round++) {
    w.set(s);
    w[8] = 0x80000000 | 0;
    w.fill(0, 9, 15);
    w[15] = 256; // the message length in bits
    s.set(IV);
    compress256(s, w);
  }
  return digestBytes(s);
}

/**
 * SHA-1 of `data`: certificate fingerprints (what OpenSSL and browsers still show beside
 * SHA-256) and key identifiers (RFC 5280 §4.2.1.2 method 1).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sha1 } from "./sha.ts";
 * import { encodeHex } from "./bytes.ts";
 * const abc = new TextEncoder().encode("abc");
 * assert.equal(encodeHex(sha1(abc)), "a9993e364706816aba3e25717850c26c9cd0d89d");
 * assert.deepEqual(sha1(abc), new Uint8Array(await crypto.subtle.digest("SHA-1", abc)));
 * ```
 */
export function sha1(data: Uint8Array): Uint8Array {
  const m = paddedWords(data);
  const h = Int32Array.of(0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0);
  const w = new Int32Array(80);
  for (let block = 0; block < m.length; block += 16) {
    for (let t = 0; t < 16; t++) w[t] = m[block + t];
    for (let t = 16; t < 80; t++) w[t] = rotr(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 31);
    let [a, b, c, d, e] = h;
    for (let t = 0; t < 80; t++) {
      const f = t < 20
        ? ((b & c) | (~b & d)) + 0x5a827999
        : t < 40
        ? (b ^ c ^ d) + 0x6ed9eba1
        : t < 60
        ? ((b & c) | (b & d) | (c & d)) + 0x8f1bbcdc
        : (b ^ c ^ d) + 0xca62c1d6;
      const next = (rotr(a, 27) + f + e + w[t]) | 0;
      e = d;
      d = c;
      c = rotr(b, 2);
      b = a;
      a = next;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
  }
  return digestBytes(h);
}
