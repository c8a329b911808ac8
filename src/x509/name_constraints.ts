/**
 * Name constraints (RFC 5280 §4.2.1.10) for the local CA: the default
 * permitted set (local and reserved DNS names, loopback and private IP
 * ranges), building the critical `nameConstraints` extension, reading it back
 * from any certificate, and matching names against it the way OpenSSL,
 * GnuTLS and Chromium do.
 *
 * The CA's constraints hold dNSName and iPAddress subtrees plus, for every
 * permitted domain `D`, rfc822Name subtrees `D` and `.D`, so e-mail SANs are
 * limited to the same domains. No URI subtrees are written (Chromium refuses
 * URI constraints it cannot evaluate); the CA checks URI hosts up-front.
 *
 * @module
 */

import { TlsmithError } from "../errors.ts";
import { makeExtension, nameConstraintsCodec } from "./extensions.ts";
import { cidrText } from "./general_name.ts";
import type { Certificate, Extension, GeneralName } from "./model.ts";
import { formatIpAddress, isDnsName, parseIpAddress } from "./names.ts";

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

/** One subtree of a name constraints extension. */
export interface NameSubtree {
  /** The GeneralName form: `dns`, `ip`, `email`, `uri`, `dn` (directoryName) or `other`. */
  type: "dns" | "ip" | "email" | "uri" | "dn" | "other";
  /** Text form: a domain, a CIDR such as `10.0.0.0/8`, a mailbox/domain, or a description. */
  value: string;
  /** For `ip`: the network address (4 or 16 bytes). */
  address?: Uint8Array;
  /** For `ip`: the mask (same length as `address`). */
  mask?: Uint8Array;
}

/** Permitted and excluded subtrees, as in the extension. */
export interface NameConstraintSet {
  /** Names must match one permitted subtree of their type, when any of that type exist. */
  permitted: NameSubtree[];
  /** Names must match no excluded subtree. */
  excluded: NameSubtree[];
}

/** A name to check: a SAN (or a subject CN that looks like a host name). */
export interface ConstrainedName {
  /** The name form. */
  type: "dns" | "ip" | "email" | "uri";
  /** The text (IP in text form for `ip`). */
  value: string;
  /** For `ip`: the 4 or 16 address bytes (parsed from `value` when absent). */
  bytes?: Uint8Array;
}

/**
 * Parse one `--permit` entry: a DNS domain (covering itself and every
 * subdomain, e.g. `corp.example.net`), an IP address, or a CIDR range
 * (`10.1.0.0/16`, `fd00::/8`). Throws `BAD_NAME` with a hint otherwise.
 *
 * @example
 * ```ts
 * import { parsePermitEntry } from "./name_constraints.ts";
 * console.log(parsePermitEntry("10.0.0.0/8").value); // 10.0.0.0/8
 * console.log(parsePermitEntry("Dev.Example.NET").value); // dev.example.net
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
 * import { buildNameConstraints } from "./name_constraints.ts";
 * const set = buildNameConstraints({ permit: ["dev.example.net", "100.64.0.0/10"] });
 * console.log(set.permitted.filter((s) => s.type === "dns").map((s) => s.value));
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

function toGeneralName(s: NameSubtree): GeneralName {
  switch (s.type) {
    case "dns":
    case "email":
    case "uri":
      return { type: s.type, value: s.value };
    case "ip": {
      const bytes = new Uint8Array(s.address!.length * 2);
      bytes.set(s.address!, 0);
      bytes.set(s.mask!, s.address!.length);
      return { type: "ip", value: s.value, bytes };
    }
    default:
      throw new TlsmithError(
        "BAD_OPTION",
        `cannot write a name constraint of type ${s.type}.`,
      );
  }
}

/**
 * The critical `nameConstraints` extension (OID 2.5.29.30) for a set, written by the one
 * nameConstraints codec, ready for `createCertificate({ extensions })`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildNameConstraints, nameConstraintsExtension } from "./name_constraints.ts";
 * const ext = nameConstraintsExtension(buildNameConstraints());
 * assert.equal(ext.oid, "2.5.29.30");
 * assert.equal(ext.critical, true);
 * ```
 */
export function nameConstraintsExtension(set: NameConstraintSet): Extension {
  const subtrees = (list: NameSubtree[]) =>
    list.map((s) => ({ base: toGeneralName(s), minimum: 0 }));
  return makeExtension(
    nameConstraintsCodec,
    { permitted: subtrees(set.permitted), excluded: subtrees(set.excluded) },
    true,
  );
}

function fromGeneralName(g: GeneralName): NameSubtree {
  switch (g.type) {
    case "email":
    case "dns":
    case "uri":
      return { type: g.type, value: g.value.toLowerCase() };
    case "ip": {
      const raw = g.bytes;
      if (raw.length !== 8 && raw.length !== 32) {
        return { type: "other", value: `bad iPAddress constraint (${raw.length} bytes)` };
      }
      const half = raw.length / 2;
      const address = raw.slice(0, half);
      const mask = raw.slice(half);
      return { type: "ip", value: cidrText(address, mask), address, mask };
    }
    case "directoryName":
      return { type: "dn", value: "directoryName" };
    default:
      return { type: "other", value: `GeneralName type ${g.type}` };
  }
}

/**
 * The name constraints of a certificate (from the model, where the one codec decoded them),
 * or null when it has none.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CertificateAuthority } from "../ca/authority.ts";
 * import { toCertificate } from "./model.ts";
 * import { readNameConstraints } from "./name_constraints.ts";
 * const ca = await CertificateAuthority.create({ permit: ["corp.test"] });
 * const set = readNameConstraints(toCertificate(ca.certPem));
 * assert.ok(set?.permitted.some((s) => s.value === "corp.test"));
 * ```
 */
export function readNameConstraints(cert: Certificate): NameConstraintSet | null {
  const nc = cert.nameConstraints;
  if (!nc) return null;
  return {
    permitted: nc.permitted.map((s) => fromGeneralName(s.base)),
    excluded: nc.excluded.map((s) => fromGeneralName(s.base)),
  };
}

/** RFC 5280 DNS match: equal, or a subdomain; a leading dot (OpenSSL style) means subdomains only. */
function dnsMatches(name: string, constraint: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, "");
  const c = constraint.toLowerCase().replace(/\.$/, "");
  if (c === "") return true;
  if (c.startsWith(".")) return n.endsWith(c);
  return n === c || n.endsWith("." + c);
}

function emailMatches(email: string, constraint: string): boolean {
  const e = email.toLowerCase();
  const c = constraint.toLowerCase();
  const at = e.lastIndexOf("@");
  if (at < 0) return false;
  const host = e.slice(at + 1);
  if (c.includes("@")) return e === c;
  if (c.startsWith(".")) return host.endsWith(c);
  return host === c;
}

/** The host of a URI, lower-cased, without brackets; null when there is none. */
export function uriHost(uri: string): string | null {
  const m = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)/i.exec(uri);
  if (!m || m[1] === "") return null;
  return m[1].replace(/^\[|\]$/g, "").toLowerCase();
}

function ipMatches(bytes: Uint8Array, s: NameSubtree): boolean {
  if (!s.address || !s.mask || s.address.length !== bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) {
    if ((bytes[i] & s.mask[i]) !== (s.address[i] & s.mask[i])) return false;
  }
  return true;
}

function matches(name: ConstrainedName, s: NameSubtree): boolean {
  switch (name.type) {
    case "dns":
      return dnsMatches(name.value, s.value);
    case "email":
      return emailMatches(name.value, s.value);
    case "uri": {
      // RFC 5280: a URI constraint names a host exactly, or with a leading dot its subdomains.
      const host = uriHost(name.value)?.replace(/\.$/, "");
      const c = s.value.toLowerCase();
      if (!host) return false;
      return c.startsWith(".") ? host.endsWith(c) : host === c;
    }
    case "ip": {
      const bytes = name.bytes ?? parseIpAddress(name.value);
      return bytes !== null && ipMatches(bytes, s);
    }
  }
}

/**
 * True when `name` satisfies `set` (RFC 5280): it matches no excluded subtree
 * of its type, and matches a permitted subtree of its type whenever the set
 * has permitted subtrees of that type.
 *
 * @example
 * ```ts
 * import { buildNameConstraints, isNamePermitted } from "./name_constraints.ts";
 * const set = buildNameConstraints();
 * console.log(isNamePermitted({ type: "dns", value: "app.localhost" }, set)); // true
 * console.log(isNamePermitted({ type: "dns", value: "example.com" }, set)); // false
 * console.log(isNamePermitted({ type: "ip", value: "192.168.1.20" }, set)); // true
 * ```
 */
export function isNamePermitted(name: ConstrainedName, set: NameConstraintSet): boolean {
  const same = (s: NameSubtree) => s.type === name.type;
  if (set.excluded.filter(same).some((s) => matches(name, s))) return false;
  const permitted = set.permitted.filter(same);
  return permitted.length === 0 || permitted.some((s) => matches(name, s));
}

/**
 * The names a set permits, as text for messages (`localhost, test, …, 10.0.0.0/8`).
 *
 * @example
 * ```ts
 * import { buildNameConstraints, describeNameConstraints } from "./name_constraints.ts";
 * console.log(describeNameConstraints(buildNameConstraints({ defaults: false, permit: ["lan"] }))); // lan
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
 * import { assertNamesPermitted, buildNameConstraints } from "./name_constraints.ts";
 * assertNamesPermitted([{ type: "dns", value: "localhost" }], buildNameConstraints());
 * try {
 *   assertNamesPermitted([{ type: "dns", value: "example.com" }], buildNameConstraints());
 * } catch (err) {
 *   console.log((err as Error).message);
 * }
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
