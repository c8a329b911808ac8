/**
 * THE name-syntax module of tlsmith, used both when issuing and when verifying: host names, IP
 * addresses, e-mail addresses and URIs as certificate subject alternative names (RFC 5280
 * §4.2.1.6).
 *
 * - Issuing: {@linkcode parseSubjectAltName} turns user input into typed SANs (IDN to A-labels,
 *   IPs as 4/16 bytes, never an IP as a DNS name). User input is trimmed and normalized.
 * - Verifying: the predicates {@linkcode isDnsName}, {@linkcode isRfc822Name},
 *   {@linkcode isUri}, {@linkcode isWellFormedName} say whether a name read from a certificate is
 *   well formed for its type, exactly as written: they never trim, lower-case or repair, so
 *   `" evil.test"` or `"evil.test "` is simply not a dNSName.
 *
 * A dNSName is LDH labels (letters, digits, hyphens; underscores tolerated, as in `_acme`) of
 * 1–63 characters that neither start nor end with a hyphen, at most 253 characters, no empty
 * label and no trailing dot, with an optional leading `*.` where wildcards are allowed.
 *
 * @module
 */

import { TlsmithError } from "../errors.ts";
import type { GeneralName } from "./model.ts";

/** The kinds of subject alternative name tlsmith writes. */
export type SubjectAltNameType = "dns" | "ip" | "email" | "uri";

/** One parsed subject alternative name. */
export interface SubjectAltName {
  /** `dns` (dNSName), `ip` (iPAddress), `email` (rfc822Name) or `uri` (uniformResourceIdentifier). */
  type: SubjectAltNameType;
  /**
   * The normalized text: lower-case A-label host names without a trailing
   * dot, IPv4 dotted quads, IPv6 in RFC 5952 form (`::1`), e-mail addresses
   * with an A-label domain, URIs as given (IDN hosts converted).
   */
  value: string;
  /** For `ip`: the 4 (IPv4) or 16 (IPv6) address bytes. */
  bytes?: Uint8Array;
}

function badName(input: string, why: string): TlsmithError {
  return new TlsmithError(
    "BAD_NAME",
    `${JSON.stringify(input)} is not a valid host name, IP address, e-mail address or URI: ${why}.`,
  );
}

/** Parse a dotted-quad IPv4 address; `null` when it is not one. */
function parseIPv4(text: string): Uint8Array | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out[i] = n;
  }
  return out;
}

/** Parse an IPv6 address (zero compression, trailing dotted quad); `null` when it is not one. */
function parseIPv6(text: string): Uint8Array | null {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return null;
  let head = text;
  let tail = "";
  const dbl = text.indexOf("::");
  if (dbl >= 0) {
    if (text.indexOf("::", dbl + 1) >= 0) return null;
    head = text.slice(0, dbl);
    tail = text.slice(dbl + 2);
  }
  const groups = (s: string): number[] | null => {
    if (s === "") return [];
    const out: number[] = [];
    const parts = s.split(":");
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (i === parts.length - 1 && p.includes(".")) {
        const v4 = parseIPv4(p);
        if (!v4) return null;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return null;
        out.push(parseInt(p, 16));
      }
    }
    return out;
  };
  const h = groups(head);
  const t = groups(tail);
  if (!h || !t) return null;
  // A dotted quad is only allowed at the very end.
  if (dbl >= 0 && head.includes(".")) return null;
  let words: number[];
  if (dbl >= 0) {
    if (h.length + t.length > 7) return null;
    words = [...h, ...new Array(8 - h.length - t.length).fill(0), ...t];
  } else {
    if (h.length !== 8) return null;
    words = h;
  }
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 255;
  });
  return out;
}

/**
 * Parse an IPv4 or IPv6 address in text form (brackets allowed around IPv6), exactly as
 * written (no white space). Returns the 4 or 16 bytes, or null when `text` is not an IP address.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseIpAddress } from "./names.ts";
 * assert.deepEqual(parseIpAddress("127.0.0.1"), new Uint8Array([127, 0, 0, 1]));
 * assert.equal(parseIpAddress("[::1]")?.length, 16);
 * assert.equal(parseIpAddress("localhost"), null);
 * ```
 */
export function parseIpAddress(text: string): Uint8Array | null {
  let s = text;
  if (s.startsWith("[") && s.endsWith("]")) s = s.slice(1, -1);
  const v4 = parseIPv4(s);
  if (v4) return v4;
  return parseIPv6(s);
}

/**
 * Format 4 or 16 address bytes: IPv4 dotted quad; IPv6 in RFC 5952 form
 * (lower case, longest run of two or more zero groups as `::`, IPv4-mapped
 * addresses as `::ffff:1.2.3.4`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatIpAddress } from "./names.ts";
 * assert.equal(formatIpAddress(new Uint8Array([127, 0, 0, 1])), "127.0.0.1");
 * assert.equal(formatIpAddress(new Uint8Array([...new Array(15).fill(0), 1])), "::1");
 * ```
 */
export function formatIpAddress(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join(".");
  if (bytes.length !== 16) {
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(":");
  }
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((bytes[i] << 8) | bytes[i + 1]);
  if (words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff) {
    return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (ws: number[]) => ws.map((w) => w.toString(16)).join(":");
  if (bestLen < 2) return hex(words);
  return `${hex(words.slice(0, bestStart))}::${hex(words.slice(bestStart + bestLen))}`;
}

const LDH_LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

/** Normalize and check a DNS name (no wildcard); returns the A-label form. */
function normalizeDnsName(input: string, name: string, what = "host name"): string {
  if (name === "") throw badName(input, `the ${what} is empty`);
  if (/[\s]/.test(name)) throw badName(input, `the ${what} contains white space`);
  if (/[/?#@:[\]\\%<>"'`^{|}]/.test(name)) {
    throw badName(input, `the ${what} contains a character not allowed in host names`);
  }
  let ascii = name;
  // deno-lint-ignore no-control-regex
  if (/[^\x00-\x7f]/.test(name)) {
    try {
      ascii = new URL(`http://${name}/`).hostname;
    } catch {
      throw badName(input, `the internationalized ${what} cannot be converted to A-labels`);
    }
    // The URL parser maps full stops like "。" to "." and may leave a trailing dot.
    if (ascii.endsWith(".")) ascii = ascii.slice(0, -1);
  }
  ascii = ascii.toLowerCase();
  if (ascii.length > 253) {
    throw badName(input, `the ${what} is ${ascii.length} characters long; the limit is 253`);
  }
  for (const label of ascii.split(".")) {
    if (label === "") throw badName(input, `the ${what} has an empty label ("..")`);
    if (label.length > 63) {
      throw badName(
        input,
        `the label "${label.slice(0, 20)}…" is ${label.length} characters long; the limit is 63`,
      );
    }
    if (label.includes("*")) {
      throw badName(
        input,
        `"*" is only allowed as the whole leftmost label of a wildcard, as in *.example.test`,
      );
    }
    if (!LDH_LABEL.test(label)) {
      throw badName(
        input,
        `the label "${label}" may only contain letters, digits and hyphens, and must not start or end with a hyphen`,
      );
    }
  }
  const last = ascii.slice(ascii.lastIndexOf(".") + 1);
  if (/^[0-9]+$/.test(last) || /^0x[0-9a-f]*$/.test(last)) {
    throw badName(
      input,
      "it looks like an IP address but is not a valid one (IPv4 is four numbers 0-255, e.g. 127.0.0.1)",
    );
  }
  return ascii;
}

/** DNS name with an optional `*.` wildcard prefix. */
function parseDns(input: string, text: string): string {
  let name = text.endsWith(".") && text !== "." ? text.slice(0, -1) : text;
  if (name === "." || name === "") throw badName(input, "the host name is empty");
  let wildcard = false;
  if (name.startsWith("*.")) {
    wildcard = true;
    name = name.slice(2);
  }
  const ascii = normalizeDnsName(input, name);
  if (wildcard && !ascii.includes(".")) {
    throw badName(
      input,
      `a wildcard must cover a name of at least two labels (e.g. *.example.test, not *.${ascii})`,
    );
  }
  return wildcard ? `*.${ascii}` : ascii;
}

function ipSan(bytes: Uint8Array): SubjectAltName {
  return { type: "ip", value: formatIpAddress(bytes), bytes };
}

function parseIp(input: string, text: string): SubjectAltName {
  const bracketed = /^\[(.*)\]$/.exec(text);
  const inner = bracketed ? bracketed[1] : text;
  if (inner.includes("%")) {
    throw badName(input, "IPv6 zone identifiers (%eth0) cannot appear in certificates");
  }
  const v4 = bracketed ? null : parseIPv4(inner);
  if (v4) return ipSan(v4);
  const v6 = inner.includes(":") ? parseIPv6(inner) : null;
  if (v6) return ipSan(v6);
  const port = /^[^:[\]]+:([0-9]+)$/.exec(inner);
  if (port) {
    throw badName(input, `a port is not part of a name in a certificate; remove ":${port[1]}"`);
  }
  throw badName(
    input,
    inner.includes(":")
      ? "it is not a valid IPv6 address (eight groups of up to four hex digits, :: once)"
      : "it is not a valid IPv4 address (four numbers 0-255, e.g. 127.0.0.1)",
  );
}

function parseEmail(input: string, text: string): SubjectAltName {
  const at = text.lastIndexOf("@");
  const local = text.slice(0, at);
  const domain = text.slice(at + 1);
  // deno-lint-ignore no-control-regex
  if (local === "" || /[\s@\x00-\x1f\x7f-\uffff]/.test(local) || local.length > 64) {
    throw badName(
      input,
      "the part before @ of an e-mail address must be 1-64 printable ASCII characters",
    );
  }
  const host = normalizeDnsName(input, domain.replace(/\.$/, ""), "e-mail domain");
  return { type: "email", value: `${local}@${host}` };
}

function parseUri(input: string, text: string): SubjectAltName {
  if (/\s/.test(text)) throw badName(input, "a URI must not contain white space");
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw badName(input, "it is not a valid absolute URI (scheme://host/path)");
  }
  const value = /^[\x21-\x7e]+$/.test(text) ? text : url.href;
  if (!/^[\x21-\x7e]+$/.test(value)) {
    throw badName(input, "the URI contains characters that cannot be written as ASCII");
  }
  const invalid = /[\\<>"^`{|}]/.exec(value);
  if (invalid) {
    throw badName(
      input,
      `the character ${
        JSON.stringify(invalid[0])
      } is not allowed in a URI (RFC 3986); percent-encode it`,
    );
  }
  return { type: "uri", value };
}

const PREFIXES: Record<string, SubjectAltNameType> = {
  "dns": "dns",
  "ip": "ip",
  "ip address": "ip",
  "email": "email",
  "uri": "uri",
};

/**
 * Turn one user-given name into a subject alternative name. Accepts host names
 * (`localhost`, `*.example.test`, IDNs like `bücher.test` → `xn--bcher-kva.test`),
 * IPv4 and IPv6 addresses (`127.0.0.1`, `::1`, `[::1]`), e-mail addresses
 * (`user@example.test`) and URIs with a scheme (`https://x.test/`,
 * `spiffe://trust.test/ns/a`). OpenSSL-style prefixes `DNS:`, `IP:`, `email:`
 * and `URI:` force a type. Host names are lower-cased and lose a trailing dot;
 * an IP address is never written as a DNS name. Invalid input is a `BAD_NAME`
 * error naming it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSubjectAltName } from "./names.ts";
 * assert.deepEqual(parseSubjectAltName("Bücher.Test."), { type: "dns", value: "xn--bcher-kva.test" });
 * assert.equal(parseSubjectAltName("[::1]").type, "ip");
 * assert.equal(parseSubjectAltName("[::1]").value, "::1");
 * assert.throws(() => parseSubjectAltName("bad_name!"), { code: "BAD_NAME" });
 * ```
 */
export function parseSubjectAltName(input: string): SubjectAltName {
  if (typeof input !== "string") {
    throw new TlsmithError(
      "BAD_NAME",
      `expected a host name as a string, got ${typeof input}.`,
    );
  }
  let text = input.trim();
  if (text === "") throw badName(input, "it is empty");
  const prefix = /^(dns|ip|ip address|email|uri):(?!\/\/)\s*/i.exec(text);
  if (prefix) {
    const type = PREFIXES[prefix[1].toLowerCase()];
    text = text.slice(prefix[0].length);
    if (text === "") throw badName(input, "nothing follows the prefix");
    switch (type) {
      case "dns":
        return { type, value: parseDns(input, text) };
      case "ip":
        return parseIp(input, text);
      case "email":
        if (!text.includes("@")) throw badName(input, "an e-mail address needs an @");
        return parseEmail(input, text);
      case "uri":
        return parseUri(input, text);
    }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return parseUri(input, text);
  if (text.includes("@")) return parseEmail(input, text);
  if (text.startsWith("[") || text.includes(":")) return parseIp(input, text);
  if (/^[0-9][0-9.]*$/.test(text)) return parseIp(input, text);
  return { type: "dns", value: parseDns(input, text) };
}

/**
 * Parse a list of names with {@linkcode parseSubjectAltName}, dropping
 * duplicates (after normalization) and keeping the order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseHosts } from "./names.ts";
 * const sans = parseHosts(["localhost", "LOCALHOST.", "127.0.0.1", "[::1]", "::1"]);
 * assert.deepEqual(sans.map((s) => s.value), ["localhost", "127.0.0.1", "::1"]);
 * ```
 */
export function parseHosts(list: readonly string[]): SubjectAltName[] {
  if (!Array.isArray(list)) {
    throw new TlsmithError(
      "BAD_OPTION",
      'hosts must be a list of names, e.g. ["localhost", "127.0.0.1"].',
    );
  }
  const seen = new Set<string>();
  const out: SubjectAltName[] = [];
  for (const item of list) {
    const san = parseSubjectAltName(item);
    const key = `${san.type}:${san.type === "email" ? san.value.toLowerCase() : san.value}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(san);
  }
  return out;
}

/**
 * Display a subject alternative name as OpenSSL does: `DNS:localhost`,
 * `IP Address:127.0.0.1`, `IP Address:::1`, `email:a@b.test`, `URI:https://x.test/`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatSubjectAltName, parseSubjectAltName } from "./names.ts";
 * assert.equal(formatSubjectAltName(parseSubjectAltName("::1")), "IP Address:::1");
 * assert.equal(formatSubjectAltName(parseSubjectAltName("Localhost")), "DNS:localhost");
 * ```
 */
export function formatSubjectAltName(san: SubjectAltName): string {
  switch (san.type) {
    case "dns":
      return `DNS:${san.value}`;
    case "ip":
      return `IP Address:${san.bytes ? formatIpAddress(san.bytes) : san.value}`;
    case "email":
      return `email:${san.value}`;
    case "uri":
      return `URI:${san.value}`;
  }
  return String((san as SubjectAltName).value);
}

/**
 * True when `value` is a well-formed dNSName exactly as written (see the module documentation);
 * with `wildcard`, a leading `*.` label is allowed too. Never trims.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isDnsName } from "./names.ts";
 * assert.equal(isDnsName("www.Example.test"), true);
 * assert.equal(isDnsName(" evil.test"), false);
 * assert.equal(isDnsName("evil.test."), false);
 * assert.equal(isDnsName("*.example.test"), false);
 * assert.equal(isDnsName("*.example.test", { wildcard: true }), true);
 * ```
 */
export function isDnsName(value: string, options: { wildcard?: boolean } = {}): boolean {
  if (typeof value !== "string") return false;
  const name = options.wildcard && value.startsWith("*.") ? value.slice(2) : value;
  if (name.length === 0 || name.length > 253) return false;
  return name.split(".").every((label) => LDH_LABEL.test(label));
}

/** An RFC 5321 mailbox split in its parts (see {@linkcode mailboxParts}). */
export interface Mailbox {
  /** The local part as written (with its quotes, if quoted). */
  readonly local: string;
  /** The local part as meant (quotes and backslash escapes removed). */
  readonly localMeaning: string;
  /** The domain. */
  readonly host: string;
}

const ATEXT = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+$/;

/**
 * The parts of an rfc822Name that is an RFC 5321 mailbox: a local part of at most 64 characters,
 * a dot-string of atoms (`first.last+tag`) or a quoted string of printable ASCII (`"a b"`, `\`
 * escapes), `@`, and an {@linkcode isDnsName} domain; `null` otherwise. Never trims.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mailboxParts } from "./names.ts";
 * assert.deepEqual(mailboxParts('"foo"@Example.test'), {
 *   local: '"foo"',
 *   localMeaning: "foo",
 *   host: "Example.test",
 * });
 * assert.equal(mailboxParts("this @ is invalid"), null);
 * ```
 */
export function mailboxParts(value: string): Mailbox | null {
  if (typeof value !== "string") return null;
  const at = value.lastIndexOf("@");
  if (at <= 0) return null;
  const local = value.slice(0, at);
  const host = value.slice(at + 1);
  if (!isDnsName(host) || local.length > 64) return null;
  if (!local.startsWith('"')) {
    return local.split(".").every((atom) => ATEXT.test(atom))
      ? { local, localMeaning: local, host }
      : null;
  }
  if (local.length < 2 || !local.endsWith('"')) return null;
  let meaning = "";
  const inner = local.slice(1, -1);
  for (let i = 0; i < inner.length; i++) {
    const c = inner.charCodeAt(i);
    if (c === 0x5c) {
      const next = inner.charCodeAt(++i);
      if (!(next >= 0x20 && next <= 0x7e)) return null;
      meaning += inner[i];
    } else if (c >= 0x20 && c <= 0x7e && c !== 0x22) {
      meaning += inner[i];
    } else return null;
  }
  return { local, localMeaning: meaning, host };
}

/**
 * True when `value` is a well-formed rfc822Name: an RFC 5321 mailbox ({@linkcode mailboxParts}).
 * Never trims.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isRfc822Name } from "./names.ts";
 * assert.equal(isRfc822Name("Foo.Bar@example.test"), true);
 * assert.equal(isRfc822Name("this @ is invalid"), false);
 * ```
 */
export function isRfc822Name(value: string): boolean {
  return mailboxParts(value) !== null;
}

/** The host of a URI, as {@linkcode uriParts} reads it. */
export interface UriHost {
  /** The host, without brackets for IPv6 (`null` without an authority or with an empty host). */
  readonly host: string | null;
  /** What the host is. */
  readonly kind: "dns" | "ip" | "none";
}

// RFC 3986: a scheme, ":", then only characters of the URI alphabet.
const URI = /^[A-Za-z][A-Za-z0-9+.-]*:([A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]*)$/;

/**
 * The host of an absolute URI (RFC 3986: a scheme, `:`, only URI characters, every `%` followed by
 * two hex digits), read the way Go reads it (after any `userinfo@`, before any `:port`), or `null`
 * when the URI is malformed or its host is neither a DNS name ({@linkcode isDnsName}), an IPv4
 * address nor a bracketed IPv6 address. Never trims.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { uriParts } from "./names.ts";
 * assert.deepEqual(uriParts("https://user@Example.test:8443/x"), { host: "Example.test", kind: "dns" });
 * assert.deepEqual(uriParts("urn:uuid:1234"), { host: null, kind: "none" });
 * assert.equal(uriParts("https://a..b/"), null);
 * ```
 */
export function uriParts(value: string): UriHost | null {
  if (typeof value !== "string") return null;
  const m = URI.exec(value);
  if (!m || /%(?![0-9A-Fa-f]{2})/.test(value)) return null;
  const rest = m[1];
  if (!rest.startsWith("//")) return { host: null, kind: "none" };
  const authority = /^\/\/([^/?#]*)/.exec(rest)![1];
  const hostPort = authority.slice(authority.lastIndexOf("@") + 1);
  const bracketed = hostPort.startsWith("[");
  const end = bracketed ? hostPort.indexOf("]") + 1 : hostPort.indexOf(":");
  if (bracketed && end === 0) return null;
  const host = end <= 0 ? hostPort : hostPort.slice(0, end);
  const port = end <= 0 ? "" : hostPort.slice(end);
  if (port !== "" && !/^:[0-9]*$/.test(port)) return null;
  if (bracketed) {
    const inner = host.slice(1, -1);
    return parseIpAddress(inner)?.length === 16 && !/\s/.test(inner)
      ? { host: inner, kind: "ip" }
      : null;
  }
  if (host === "") return { host: null, kind: "none" };
  if (/^[0-9.]+$/.test(host)) return parseIpAddress(host) ? { host, kind: "ip" } : null;
  return isDnsName(host) ? { host, kind: "dns" } : null;
}

/**
 * True when `value` is a well-formed absolute URI whose host, if it has one, is well formed
 * ({@linkcode uriParts}). Never trims.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isUri } from "./names.ts";
 * assert.equal(isUri("https://x.test/a?b#c"), true);
 * assert.equal(isUri("https://x.test/a b"), false);
 * assert.equal(isUri("https://exa mple.test/"), false);
 * assert.equal(isUri("/relative"), false);
 * ```
 */
export function isUri(value: string): boolean {
  return uriParts(value) !== null;
}

/**
 * True when a GeneralName read from a certificate is a well-formed name of its type: a dNSName
 * by {@linkcode isDnsName} (a leading `*.` allowed), an rfc822Name by {@linkcode isRfc822Name},
 * a URI by {@linkcode isUri}, an iPAddress of 4 or 16 bytes. Other types are not judged (true).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isWellFormedName } from "./names.ts";
 * assert.equal(isWellFormedName({ type: "dns", value: "this is invalid" }), false);
 * assert.equal(isWellFormedName({ type: "ip", value: "::1", bytes: new Uint8Array(16) }), true);
 * ```
 */
export function isWellFormedName(name: GeneralName): boolean {
  switch (name.type) {
    case "dns":
      return isDnsName(name.value, { wildcard: true });
    case "email":
      return isRfc822Name(name.value);
    case "uri":
      return isUri(name.value);
    case "ip":
      return name.bytes.length === 4 || name.bytes.length === 16;
    default:
      return true;
  }
}

/**
 * The model's {@linkcode GeneralName} of a subject alternative name (an `ip` gets its bytes from
 * its text when it has none; `BAD_NAME` when that is not an IP address).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generalNameOf } from "./names.ts";
 * const name = generalNameOf({ type: "ip", value: "127.0.0.1" });
 * assert.deepEqual(name.type === "ip" && [...name.bytes], [127, 0, 0, 1]);
 * ```
 */
export function generalNameOf(san: SubjectAltName): GeneralName {
  if (san?.type === "ip") {
    const bytes = san.bytes ?? parseIp(san.value, san.value).bytes!;
    return { type: "ip", value: formatIpAddress(bytes), bytes };
  }
  if (san?.type === "dns" || san?.type === "email" || san?.type === "uri") {
    return { type: san.type, value: san.value };
  }
  throw new TlsmithError(
    "BAD_NAME",
    `unknown subject alternative name type ${(san as { type?: unknown })?.type}.`,
  );
}
