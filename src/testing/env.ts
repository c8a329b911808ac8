/**
 * The environment variables that make a child process trust a test CA.
 *
 * The same variable names and readers as the trust layer's `TRUST_ENV_VARS`
 * (src/trust/env.ts); the difference is what they point at: a test child trusts the test CA
 * file alone, so the variables that replace the default CA file (`SSL_CERT_FILE`,
 * `REQUESTS_CA_BUNDLE`) point at it too instead of at a system bundle plus ours.
 *
 * @module
 */

/**
 * The variables, what reads them, and whether they replace the default CAs (instead of
 * adding to them).
 */
export const TEST_TRUST_ENV_VARS: readonly {
  readonly name: string;
  readonly readBy: string;
  readonly replaces: boolean;
}[] = Object.freeze([
  { name: "NODE_EXTRA_CA_CERTS", readBy: "Node, Bun, Deno 2.8+", replaces: false },
  { name: "DENO_CERT", readBy: "Deno", replaces: false },
  { name: "SSL_CERT_FILE", readBy: "OpenSSL clients: curl, Python ssl, Go", replaces: true },
  { name: "REQUESTS_CA_BUNDLE", readBy: "Python requests", replaces: true },
  { name: "CURL_CA_BUNDLE", readBy: "curl", replaces: true },
]);

/**
 * The environment (name → value) that makes Node, Deno, Bun, curl, OpenSSL, Go and Python
 * clients in a child process trust the CA certificate in `caFile`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { testTrustEnv } from "./env.ts";
 * const env = testTrustEnv("/tmp/ca.pem");
 * assert.equal(env.NODE_EXTRA_CA_CERTS, "/tmp/ca.pem");
 * assert.equal(env.DENO_CERT, "/tmp/ca.pem");
 * ```
 */
export function testTrustEnv(caFile: string): Record<string, string> {
  return Object.fromEntries(TEST_TRUST_ENV_VARS.map((v) => [v.name, caFile]));
}
