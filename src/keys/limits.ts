/**
 * The resource caps of the key readers, in one place (README "Keys at rest" lists them). Each is
 * checked before the work it limits starts, and an input above one is refused with a message that
 * names the parameter and the cap. The key-derivation caps are set so that the slowest allowed
 * derivation finishes in about two seconds on a small machine; every one of them runs without
 * blocking the event loop (WebCrypto works off the main thread, the JavaScript ones yield).
 *
 * @module
 */

/** The caps; see the README section "Keys at rest". */
export interface KeyLimits {
  /** Largest private-key input, PEM text or DER, in bytes (1 MiB; a 4096-bit RSA key is 3 KB). */
  readonly maxKeyBytes: number;
  /** Largest .p12 / .pfx file, in bytes (1 MiB). */
  readonly maxPkcs12Bytes: number;
  /** Most PBKDF2 iterations with HMAC-SHA-1/256/384/512 (WebCrypto): 5,000,000. */
  readonly maxPbkdf2Iterations: number;
  /** Most PBKDF2 iterations with HMAC-SHA-224, which runs in JavaScript: 300,000. */
  readonly maxPbkdf2IterationsSha224: number;
  /** Most scrypt work N·r·p: 2^20, eight times OpenSSL's `-scrypt` (N=16384, r=8, p=1). */
  readonly maxScryptWork: number;
  /** Most scrypt memory, 128·N·r bytes: 128 MiB (OpenSSL itself stops at 32 MiB). */
  readonly maxScryptMemory: number;
  /** Most PKCS#12 MAC iterations with SHA-256: 1,000,000. */
  readonly maxPkcs12MacIterations: number;
  /**
   * Most PKCS#12 MAC iterations with SHA-1, SHA-224, SHA-384 or SHA-512 (slower): 250,000. Also
   * the cap of PKCS#12 PBE and PKCS#5 v1.5 (PBKDF1 with MD5 or SHA-1) iterations.
   */
  readonly maxPkcs12MacIterationsOtherHash: number;
  /**
   * Most key-derivation work in one .p12 file, in units of one derivation at its cap (the MAC,
   * the certificates and the key each derive a key): 2.
   */
  readonly maxPkcs12KdfWork: number;
}

/**
 * The caps every key reader enforces.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { KEY_LIMITS } from "./limits.ts";
 * assert.equal(KEY_LIMITS.maxPbkdf2Iterations, 5_000_000);
 * assert.ok(Object.isFrozen(KEY_LIMITS));
 * ```
 */
export const KEY_LIMITS: KeyLimits = Object.freeze({
  maxKeyBytes: 1 << 20,
  maxPkcs12Bytes: 1 << 20,
  maxPbkdf2Iterations: 5_000_000,
  maxPbkdf2IterationsSha224: 300_000,
  maxScryptWork: 2 ** 20,
  maxScryptMemory: 2 ** 27,
  maxPkcs12MacIterations: 1_000_000,
  maxPkcs12MacIterationsOtherHash: 250_000,
  maxPkcs12KdfWork: 2,
});
