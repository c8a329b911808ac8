/**
 * adhocCert() speed on Node, with the raw WebCrypto floor measured in the same run.
 *
 *   npm run build && node bench/adhoc_node.mjs            # uses npm/esm/mod.js
 *   TLSMITH_MODULE=/path/to/mod.js node bench/adhoc_node.mjs
 *
 * Prints the median, p90 and min of each case in milliseconds. Goal: adhocCert() with
 * ECDSA P-256 has a median ≤ 2.5 ms. No assertions: speed goals live here, not in tests.
 */
import { pathToFileURL } from "node:url";

const target = process.env.TLSMITH_MODULE
  ? pathToFileURL(process.env.TLSMITH_MODULE).href
  : new URL("../npm/esm/mod.js", import.meta.url).href;
const { adhocCert } = await import(target);

const tbs = crypto.getRandomValues(new Uint8Array(400));
const subtle = crypto.subtle;

async function floor(type) {
  if (type === "ec-p256") {
    const k = await subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
      "sign",
      "verify",
    ]);
    await subtle.sign({ name: "ECDSA", hash: "SHA-256" }, k.privateKey, tbs);
  } else if (type === "ed25519") {
    const k = await subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"]);
    await subtle.sign("Ed25519", k.privateKey, tbs);
  } else {
    const k = await subtle.generateKey(
      {
        name: "RSASSA-PKCS1-v1_5",
        modulusLength: 2048,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: "SHA-256",
      },
      true,
      ["sign", "verify"],
    );
    await subtle.sign("RSASSA-PKCS1-v1_5", k.privateKey, tbs);
  }
}

async function measure(fn, iterations, warmup) {
  for (let i = 0; i < warmup; i++) await fn();
  const times = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
  return { median: at(0.5), p90: at(0.9), min: times[0], n: iterations };
}

const rows = [];
for (const [type, n, warm] of [["ec-p256", 500, 50], ["ed25519", 500, 50], ["rsa-2048", 30, 3]]) {
  rows.push([`floor ${type} (generateKey + 1 sign)`, await measure(() => floor(type), n, warm)]);
  rows.push([`adhocCert ${type}`, await measure(() => adhocCert({ keyType: type }), n, warm)]);
}
console.log(`Node ${process.version}, ${target}`);
console.log(
  "case".padEnd(42),
  "median".padStart(9),
  "p90".padStart(9),
  "min".padStart(9),
  "n".padStart(5),
);
for (const [name, r] of rows) {
  const f = (x) => `${x.toFixed(3)}`.padStart(9);
  console.log(name.padEnd(42), f(r.median), f(r.p90), f(r.min), String(r.n).padStart(5));
}
