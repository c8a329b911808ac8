/**
 * Does verifyChain stay linear in the size of the trusted bundle?
 *
 *   deno bench -A bench/verify_bench.ts
 *
 * Goal: a bundle ten times larger costs about ten times as much (reading and indexing every
 * certificate once; the path search itself only looks at certificates named as issuers), never
 * the quadratic growth of matching every certificate against every other. Each bundle holds
 * distinct CA certificates (one key, different names) plus the root that issued the leaf.
 */
import { CertificateAuthority } from "../src/ca/authority.ts";
import { createCertificate } from "../src/x509/certificate.ts";
import { generateKeyPair } from "../src/keys/keys.ts";
import { verifyChain } from "../src/x509/verify.ts";

const ca = await CertificateAuthority.create();
const { chain } = await ca.issue(["localhost"]);
const keyPair = await generateKeyPair();
const others: string[] = [];
for (let i = 0; i < 1999; i++) {
  const { pem } = await createCertificate({
    keyPair,
    subject: { commonName: `bundle CA ${i}` },
    isCa: true,
  });
  others.push(pem);
}

for (const size of [200, 2000]) {
  const trusted = [...others.slice(0, size - 1), ca.certPem].join("");
  Deno.bench({
    name: `verifyChain, trusted bundle of ${size}`,
    group: "bundle",
    baseline: size === 200,
    n: size === 200 ? 50 : 10,
    async fn() {
      const result = await verifyChain({ leaf: chain, trusted, host: "localhost" });
      if (!result.ok) throw new Error(result.reason);
    },
  });
}
