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
import { adhocCert } from "../src/ca/adhoc.ts";

const tbs = crypto.getRandomValues(new Uint8Array(400));

type Case = "ec-p256" | "ed25519" | "rsa-2048";

/** The floor: generate a key of `type` and sign once with it, in raw WebCrypto. */
async function floor(type: Case): Promise<void> {
  const [generate, sign]: [
    RsaHashedKeyGenParams | EcKeyGenParams | Algorithm,
    AlgorithmIdentifier | EcdsaParams,
  ] = type === "ec-p256"
    ? [{ name: "ECDSA", namedCurve: "P-256" }, { name: "ECDSA", hash: "SHA-256" }]
    : type === "ed25519"
    ? [{ name: "Ed25519" }, "Ed25519"]
    : [{
      name: "RSASSA-PKCS1-v1_5",
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: "SHA-256",
    }, "RSASSA-PKCS1-v1_5"];
  const pair = await crypto.subtle.generateKey(generate, true, ["sign", "verify"]) as CryptoKeyPair;
  await crypto.subtle.sign(sign, pair.privateKey, tbs);
}

const CASES: readonly { type: Case; benchN?: number; medianN: number }[] = [
  { type: "ec-p256", medianN: 400 },
  { type: "ed25519", medianN: 400 },
  { type: "rsa-2048", benchN: 20, medianN: 25 },
];

for (const { type, benchN } of CASES) {
  Deno.bench({
    name: `floor: ${type} generateKey + 1 sign`,
    group: type,
    baseline: true,
    ...(benchN ? { n: benchN } : {}),
    // An async function: Deno.bench awaits only those (a plain arrow's promise would not be timed).
    async fn() {
      await floor(type);
    },
  });
  Deno.bench({
    name: `adhocCert() ${type}`,
    group: type,
    ...(benchN ? { n: benchN } : {}),
    async fn() {
      await adhocCert({ keyType: type });
    },
  });
}

// `deno run -A bench/adhoc_bench.ts --median`: the goal is stated as a median, which `deno bench`
// does not print, so measure the same cases directly, interleaved so load affects all alike.
if (import.meta.main && Deno.args.includes("--median")) {
  const time = async (fn: () => Promise<unknown>) => {
    const start = performance.now();
    await fn();
    return performance.now() - start;
  };
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`Deno ${Deno.version.deno}: median ms (n)`);
  for (const { type, medianN: n } of CASES) {
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
