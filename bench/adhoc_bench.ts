/**
 * How fast is `serve --cert=adhoc`'s certificate?
 *
 *   deno bench -A bench/adhoc_bench.ts                # Deno's bench table (avg, p75, p99)
 *   deno run -A bench/adhoc_bench.ts --median         # the same cases as medians (deno bench has none)
 *
 * Goal: adhocCert() with ECDSA P-256 has a median ≤ 2.5 ms. The "floor" cases
 * are the raw WebCrypto work every adhoc certificate needs (generate a key,
 * sign once), so the difference is tlsmith's own overhead (DER, PEM, digests).
 */
import { adhocCert } from "../src/adhoc.ts";

const tbs = crypto.getRandomValues(new Uint8Array(400));

Deno.bench({
  name: "floor: P-256 generateKey + 1 sign",
  group: "ec-p256",
  baseline: true,
  async fn() {
    const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
      "sign",
      "verify",
    ]) as CryptoKeyPair;
    await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, pair.privateKey, tbs);
  },
});

Deno.bench({
  name: "adhocCert() ec-p256",
  group: "ec-p256",
  async fn() {
    await adhocCert();
  },
});

Deno.bench({
  name: "floor: Ed25519 generateKey + 1 sign",
  group: "ed25519",
  baseline: true,
  async fn() {
    const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, true, [
      "sign",
      "verify",
    ]) as CryptoKeyPair;
    await crypto.subtle.sign("Ed25519", pair.privateKey, tbs);
  },
});

Deno.bench({
  name: "adhocCert() ed25519",
  group: "ed25519",
  async fn() {
    await adhocCert({ keyType: "ed25519" });
  },
});

Deno.bench({
  name: "floor: RSA-2048 generateKey + 1 sign",
  group: "rsa-2048",
  baseline: true,
  n: 20,
  async fn() {
    const pair = await crypto.subtle.generateKey(
      {
        name: "RSASSA-PKCS1-v1_5",
        modulusLength: 2048,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: "SHA-256",
      },
      true,
      ["sign", "verify"],
    ) as CryptoKeyPair;
    await crypto.subtle.sign("RSASSA-PKCS1-v1_5", pair.privateKey, tbs);
  },
});

Deno.bench({
  name: "adhocCert() rsa-2048",
  group: "rsa-2048",
  n: 20,
  async fn() {
    await adhocCert({ keyType: "rsa-2048" });
  },
});

// `deno run -A bench/adhoc_bench.ts --median`: the goal is stated as a median, which `deno bench`
// does not print, so measure the same cases directly, interleaved so load affects all alike.
if (import.meta.main && Deno.args.includes("--median")) {
  const floor = async (type: string) => {
    if (type === "ec-p256") {
      const k = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
        "sign",
        "verify",
      ]) as CryptoKeyPair;
      await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, k.privateKey, tbs);
    } else if (type === "ed25519") {
      const k = await crypto.subtle.generateKey({ name: "Ed25519" }, true, [
        "sign",
        "verify",
      ]) as CryptoKeyPair;
      await crypto.subtle.sign("Ed25519", k.privateKey, tbs);
    } else {
      const k = await crypto.subtle.generateKey(
        {
          name: "RSASSA-PKCS1-v1_5",
          modulusLength: 2048,
          publicExponent: new Uint8Array([1, 0, 1]),
          hash: "SHA-256",
        },
        true,
        ["sign", "verify"],
      ) as CryptoKeyPair;
      await crypto.subtle.sign("RSASSA-PKCS1-v1_5", k.privateKey, tbs);
    }
  };
  const time = async (fn: () => Promise<unknown>) => {
    const start = performance.now();
    await fn();
    return performance.now() - start;
  };
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`Deno ${Deno.version.deno}: median ms (n)`);
  for (const [type, n] of [["ec-p256", 400], ["ed25519", 400], ["rsa-2048", 25]] as const) {
    const f: number[] = [];
    const a: number[] = [];
    for (let i = 0; i < Math.ceil(n / 10); i++) {
      await floor(type);
      await adhocCert({ keyType: type });
    }
    for (let i = 0; i < n; i++) {
      f.push(await time(() => floor(type)));
      a.push(await time(() => adhocCert({ keyType: type })));
    }
    console.log(
      `${type.padEnd(9)} floor ${median(f).toFixed(3)}  adhocCert ${median(a).toFixed(3)}  (${n})`,
    );
  }
}
