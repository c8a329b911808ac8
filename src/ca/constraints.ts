/**
 * The local CA's name-constraint policy: the names and ranges a new tlsmith CA permits (local
 * and reserved DNS names, loopback and private IP ranges), `--permit` entries, the constraint set
 * written into a new CA, and the up-front check before issuing. How constraints are read and
 * matched (RFC 5280) is `x509/name_constraints.ts`.
 *
 * The CA's constraints hold dNSName and iPAddress subtrees plus, for every permitted domain `D`,
 * rfc822Name subtrees `D` and `.D`, so e-mail SANs are limited to the same domains. No URI
 * subtrees are written (Chromium refuses URI constraints it cannot evaluate); the CA checks URI
 * hosts up-front.
 *
 * @module
 */

import { TlsmithError } from "../errors.ts";
import { cidrText } from "../x509/general_name.ts";
import {
  type ConstrainedName,
  isNamePermitted,
  type NameConstraintSet,
  type NameSubtree,
  uriHost,
} from "../x509/name_constraints.ts";
import { formatIpAddress, isDnsName, parseIpAddress } from "../x509/names.ts";

/** The names and ranges a new tlsmith CA permits unless told otherwise. */
export const DEFAULT_PERMITTED_NAMES: readonly string[] = Object.freeze([
  "localhost",
  "test",
  "example",
  "invalid",
  "internal",
  "home.arpa",
  "local",
  "127.0.0.0/8",
  "::1/128",
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "fc00::/7",
  "169.254.0.0/16",
  "fe80::/10",
]);

/**
 * Parse one `--permit` entry: a DNS domain (covering itself and every
 * subdomain, e.g. `corp.example.net`), an IP address, or a CIDR range
 * (`10.1.0.0/16`, `fd00::/8`). Throws `BAD_NAME` with a hint otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePermitEntry } from "./constraints.ts";
 * assert.equal(parsePermitEntry("10.0.0.0/8").value, "10.0.0.0/8");
 * assert.equal(parsePermitEntry("Dev.Example.NET").value, "dev.example.net");
 * ```
 */
export function parsePermitEntry(entry: string): NameSubtree {
  const text = String(entry).trim();
  const slash = text.indexOf("/");
  const addrText = slash >= 0 ? text.slice(0, slash) : text;
  const address = parseIpAddress(addrText);
  if (address) {
    const bits = address.length * 8;
    let len = bits;
    if (slash >= 0) {
      const lenText = text.slice(slash + 1);
      if (!/^[0-9]{1,3}$/.test(lenText) || Number(lenText) > bits) {
        throw new TlsmithError(
          "BAD_NAME",
          `"${text}" has a bad prefix length: use 0 to ${bits}, e.g. "${formatIpAddress(address)}/${
            address.length === 4 ? 24 : 64
          }".`,
        );
      }
      len = Number(lenText);
    }
    const mask = new Uint8Array(address.length);
    for (let i = 0; i < len; i++) mask[i >> 3] |= 0x80 >> (i & 7);
    const network = address.map((b, i) => b & mask[i]);
    if (network.some((b, i) => b !== address[i])) {
      throw new TlsmithError(
        "BAD_NAME",
        `"${text}" has host bits set after the /${len} prefix: did you mean "${
          formatIpAddress(network)
        }/${len}"?`,
      );
    }
    return { type: "ip", value: cidrText(network, mask), address: network, mask };
  }
  if (slash >= 0) {
    throw new TlsmithError(
      "BAD_NAME",
      `"${text}" is not a valid IP range: write it as ADDRESS/PREFIX, e.g. "10.0.0.0/8" or "fd00::/8".`,
    );
  }
  const name = text.toLowerCase().replace(/\.$/, "");
  if (name.startsWith("*.") || name.startsWith(".")) {
    throw new TlsmithError(
      "BAD_NAME",
      `"${text}": write the domain without "*." or a leading dot ("${
        name.replace(/^\*?\./, "")
      }"); a permitted domain covers itself and all its subdomains.`,
    );
  }
  if (!isDnsName(name)) {
    throw new TlsmithError(
      "BAD_NAME",
      `"${text}" is neither a DNS domain, an IP address nor a CIDR range. Examples: "corp.example.net", "10.0.0.0/8".`,
    );
  }
  return { type: "dns", value: name };
}

/** Options of {@linkcode buildNameConstraints}. */
export interface BuildNameConstraintsOptions {
  /** Extra domains, IP addresses or CIDR ranges to permit. */
  permit?: readonly string[];
  /** Include {@linkcode DEFAULT_PERMITTED_NAMES} (default true). */
  defaults?: boolean;
}

/**
 * The constraint set of a new CA: the defaults plus `permit`, with rfc822Name
 * subtrees (`D` and `.D`) for every permitted domain `D`. Duplicates are
 * removed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildNameConstraints } from "./constraints.ts";
 * const set = buildNameConstraints({ permit: ["dev.example.net", "100.64.0.0/10"] });
 * assert.ok(set.permitted.some((s) => s.type === "dns" && s.value === "dev.example.net"));
 * assert.ok(set.permitted.some((s) => s.type === "email" && s.value === ".dev.example.net"));
 * ```
 */
export function buildNameConstraints(
  options: BuildNameConstraintsOptions = {},
): NameConstraintSet {
  const entries = [
    ...(options.defaults === false ? [] : DEFAULT_PERMITTED_NAMES),
    ...(options.permit ?? []),
  ];
  const seen = new Set<string>();
  const dns: NameSubtree[] = [];
  const ip: NameSubtree[] = [];
  for (const e of entries) {
    const s = parsePermitEntry(e);
    const key = `${s.type}:${s.value}`;
    if (seen.has(key)) continue;
    seen.add(key);
    (s.type === "dns" ? dns : ip).push(s);
  }
  if (dns.length + ip.length === 0) {
    throw new TlsmithError(
      "BAD_OPTION",
      "the name constraints would permit nothing: pass at least one name or range to permit, or turn name constraints off.",
    );
  }
  const email: NameSubtree[] = dns.flatMap((d) => [
    { type: "email" as const, value: d.value },
    { type: "email" as const, value: "." + d.value },
  ]);
  return { permitted: [...dns, ...ip, ...email], excluded: [] };
}

/**
 * The names a set permits, as text for messages (`localhost, test, …, 10.0.0.0/8`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildNameConstraints, describeNameConstraints } from "./constraints.ts";
 * assert.equal(describeNameConstraints(buildNameConstraints({ defaults: false, permit: ["lan"] })), "lan");
 * ```
 */
export function describeNameConstraints(set: NameConstraintSet): string {
  const shown = set.permitted.filter((s) => s.type === "dns" || s.type === "ip");
  let text = shown.map((s) => s.value).join(", ");
  if (set.excluded.length) {
    text += ` (excluded: ${set.excluded.map((s) => s.value).join(", ")})`;
  }
  return text || "(no DNS or IP names)";
}

/** The DNS/IP subtrees of `set` beyond the defaults (what `--permit` added), as `--permit` values. */
function extraPermits(set: NameConstraintSet): string[] {
  const defaults = new Set(DEFAULT_PERMITTED_NAMES.map((d) => parsePermitEntry(d).value));
  return set.permitted
    .filter((s) => (s.type === "dns" || s.type === "ip") && !defaults.has(s.value))
    .map((s) => s.value);
}

/**
 * Check names up-front before issuing; throws `NAME_NOT_PERMITTED` naming the
 * first name outside `set`, the permitted names, and how to widen them. URI
 * SANs are checked by their host (against the DNS or IP subtrees), because the
 * CA writes no URI constraints of its own.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { assertNamesPermitted, buildNameConstraints } from "./constraints.ts";
 * assertNamesPermitted([{ type: "dns", value: "localhost" }], buildNameConstraints());
 * assert.throws(
 *   () => assertNamesPermitted([{ type: "dns", value: "example.com" }], buildNameConstraints()),
 *   /outside the name constraints/,
 * );
 * ```
 */
export function assertNamesPermitted(
  names: readonly ConstrainedName[],
  set: NameConstraintSet,
): void {
  for (const name of names) {
    let ok: boolean;
    if (name.type === "uri") {
      const host = uriHost(name.value);
      const ip = host === null ? null : parseIpAddress(host);
      ok = host !== null && isNamePermitted(name, set) &&
        (ip
          ? isNamePermitted({ type: "ip", value: host, bytes: ip }, set)
          : isNamePermitted({ type: "dns", value: host }, set));
    } else {
      ok = isNamePermitted(name, set);
    }
    if (!ok) {
      const hint = name.type === "ip"
        ? name.value.includes(":") ? `${name.value}/128` : `${name.value}/32`
        : name.type === "email"
        ? name.value.slice(name.value.lastIndexOf("@") + 1)
        : name.type === "uri"
        ? uriHost(name.value) ?? name.value
        : name.value.replace(/^\*\./, "");
      throw new TlsmithError(
        "NAME_NOT_PERMITTED",
        `${
          name.type === "ip"
            ? "IP address"
            : name.type === "email"
            ? "e-mail"
            : name.type === "uri"
            ? "URI"
            : "host"
        } "${name.value}" is outside the name constraints of this CA, so browsers, curl and OpenSSL would reject the certificate. The CA permits: ${
          describeNameConstraints(set)
        }. Create a CA that also permits it with \`tlsmith ca init --force${
          [...extraPermits(set), hint].map((p) => ` --permit ${p}`).join("")
        }\` (then trust the new ca.pem), or without constraints (\`--no-name-constraints\`).`,
      );
    }
  }
}
