import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { sha1, sha256, SHA256_CONSTANTS } from "../src/_internal/sha.ts";
import { encodeHex } from "../src/_internal/bytes.ts";
import { openssl, withTempDir, writeFiles } from "./helpers.ts";

/**
 * Messages of every length from 0 to 200 bytes (every padding case: 55, 56, 63, 64 and 119, 120
 * sit on block boundaries) and a few long ones, from a fixed pseudo-random stream so a failure
 * names the same input every run.
 */
function messages(): Uint8Array<ArrayBuffer>[] {
  let x = 0x2545f491;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x & 0xff;
  };
  const lengths = [...Array(201).keys(), 1000, 4095, 4096, 65_537, 1_000_003];
  return lengths.map((n) => Uint8Array.from({ length: n }, next));
}

describe("sha (the synchronous SHA-256 and SHA-1 of fingerprints and the PKCS#12 KDF)", () => {
  it("agrees with openssl dgst on every length up to 200 bytes and on long messages", async () => {
    const inputs = messages();
    await withTempDir(async (dir) => {
      const files = await writeFiles(
        dir,
        Object.fromEntries(inputs.map((m, i) => [`m${i}`, m])),
      );
      const names = inputs.map((_, i) => files[`m${i}`]);
      for (const [name, fn] of [["sha256", sha256], ["sha1", sha1]] as const) {
        // One openssl process for all of them: "-r" prints "<hex> *<file>" per file, in order.
        const out = await openssl(["dgst", `-${name}`, "-r", ...names]);
        const lines = out.trim().split("\n");
        assert.equal(lines.length, inputs.length);
        inputs.forEach((m, i) => {
          const [hex, file] = lines[i].split(" ");
          assert.equal(file.replace(/^\*/, ""), join(dir, `m${i}`));
          assert.equal(encodeHex(fn(m)), hex, `${name} of ${m.length} bytes`);
        });
      }
    });
  });

  it("has FIPS 180-4's constants: the cube and square roots of the first primes, exactly", () => {
    // The largest r with r^k <= x (Newton's method on integers).
    const integerRoot = (x: bigint, k: bigint): bigint => {
      let r = 1n << (BigInt(x.toString(2).length) / k + 1n);
      for (;;) {
        const next = ((k - 1n) * r + x / r ** (k - 1n)) / k;
        if (next >= r) break;
        r = next;
      }
      while (r ** k > x) r--;
      while ((r + 1n) ** k <= x) r++;
      return r;
    };
    const primes: number[] = [];
    for (let n = 2; primes.length < 64; n++) {
      if (primes.every((p) => n % p !== 0)) primes.push(n);
    }
    // The first 32 bits of the fractional part of p^(1/k).
    const frac32 = (p: number, k: bigint) =>
      Number(integerRoot(BigInt(p) << (32n * k), k) & 0xffffffffn) | 0;
    assert.deepEqual(Array.from(SHA256_CONSTANTS.k), primes.map((p) => frac32(p, 3n)));
    assert.deepEqual(Array.from(SHA256_CONSTANTS.iv), primes.slice(0, 8).map((p) => frac32(p, 2n)));
  });

  it("agrees with WebCrypto, and leaves its input as it was", async () => {
    for (const m of messages().filter((_, i) => i % 7 === 0)) {
      const copy = m.slice();
      assert.deepEqual(sha256(m), new Uint8Array(await crypto.subtle.digest("SHA-256", m)));
      assert.deepEqual(sha1(m), new Uint8Array(await crypto.subtle.digest("SHA-1", m)));
      assert.deepEqual(m, copy);
    }
    // A view into a larger buffer hashes only its own bytes.
    const big = new Uint8Array(100).map((_, i) => i);
    const view = big.subarray(10, 70);
    assert.deepEqual(sha256(view), sha256(big.slice(10, 70)));
  });
});
