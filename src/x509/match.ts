/**
 * Does a certificate belong to a key, and does it name a host?
 *
 * @module
 */

import { publicKeyMatches } from "../keys/spki.ts";
import type { KeyPair } from "../keys/keys.ts";
import { type Certificate, toCertificate } from "./model.ts";
import { isDnsName, parseIpAddress } from "./names.ts";

/**
 * True when the certificate's public key belongs to `key`: a WebCrypto key
 * (private or public), a {@linkcode KeyPair}, or PEM text of a PKCS#8 private
 * key or an SPKI public key. Compares the public keys (a compressed EC point
 * matches its uncompressed form). The certificate is PEM text, DER bytes or
 * one already read; anything else is `BAD_CERTIFICATE`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { adhocCert } from "../ca/adhoc.ts";
 * import { generateKeyPair } from "../keys/keys.ts";
 * import { certificateMatchesKey } from "./match.ts";
 * const { cert, key } = await adhocCert();
 * assert.equal(await certificateMatchesKey(cert, key), true);
 * assert.equal(await certificateMatchesKey(cert, await generateKeyPair()), false);
 * ```
 */
export async function certificateMatchesKey(
  cert: string | Uint8Array | Certificate,
  key: CryptoKey | KeyPair | string,
): Promise<boolean> {
  return await publicKeyMatches(toCertificate(cert).publicKey.der, key);
}

/**
 * The one host matcher: is `host` named by one of `names` (subjectAltName entries)? A DNS name
 * matches a dNSName exactly or through a wildcard that is the whole leftmost label with at least
 * two labels after it (`*.example.test` covers `a.example.test`, not `example.test` nor
 * `a.b.example.test`), ignoring ASCII case and one trailing dot of `host`. An IP address (`[…]`
 * allowed for IPv6, a trailing dot for IPv4) matches iPAddress entries only, by its bytes. Nothing
 * is trimmed: a name or host that is not well-formed (white space, empty labels) matches nothing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { matchesHost } from "./match.ts";
 * const names = [{ type: "dns", value: "*.App.test" }, { type: "dns", value: " evil.test" }];
 * assert.equal(matchesHost(names, "api.app.TEST."), true);
 * assert.equal(matchesHost(names, "app.test"), false);
 * assert.equal(matchesHost(names, "evil.test"), false);
 * const loopback = new Uint8Array(16);
 * loopback[15] = 1;
 * assert.equal(matchesHost([{ type: "ip", value: "::1", bytes: loopback }], "[::1]"), true);
 * ```
 */
export function matchesHost(
  names: readonly {
    readonly type: string;
    readonly value?: unknown;
    readonly bytes?: Uint8Array;
  }[],
  host: string,
): boolean {
  if (typeof host !== "string" || host.length === 0 || /\s/.test(host)) return false;
  const ipText = host.startsWith("[") && host.endsWith("]")
    ? host.slice(1, -1)
    : host.endsWith(".") && /^[0-9.]+$/.test(host)
    ? host.slice(0, -1)
    : host;
  const ip = /^[0-9.]+$|:/.test(ipText) ? parseIpAddress(ipText) : null;
  if (ip) {
    return names.some((n) =>
      n.type === "ip" && n.bytes !== undefined && n.bytes.length === ip.length &&
      n.bytes.every((b, i) => b === ip[i])
    );
  }
  const wanted = lowerAscii(host.endsWith(".") ? host.slice(0, -1) : host);
  if (!isDnsName(wanted)) return false;
  return names.some((n) => {
    if (
      n.type !== "dns" || typeof n.value !== "string" || !isDnsName(n.value, { wildcard: true })
    ) {
      return false;
    }
    const pattern = lowerAscii(n.value);
    if (!pattern.startsWith("*.")) return pattern === wanted;
    const rest = pattern.slice(2);
    const dot = wanted.indexOf(".");
    return rest.includes(".") && dot > 0 && wanted.slice(dot + 1) === rest;
  });
}

function lowerAscii(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/**
 * True when the certificate (PEM, DER or one already read; the first one of a chain) is valid
 * for `host` by {@linkcode matchesHost}: DNS names against dNSName SANs, IP
 * addresses against iPAddress SANs. The subject CN is never used.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CertificateAuthority } from "../ca/authority.ts";
 * import { hostMatches } from "./match.ts";
 * const { cert } = await (await CertificateAuthority.create()).issue(["*.app.localhost", "::1"]);
 * assert.equal(hostMatches(cert, "api.app.localhost"), true);
 * assert.equal(hostMatches(cert, "[::1]"), true);
 * assert.equal(hostMatches(cert, "app.localhost"), false);
 * ```
 */
export function hostMatches(cert: string | Uint8Array | Certificate, host: string): boolean {
  return matchesHost(toCertificate(cert).subjectAltNames, host);
}
