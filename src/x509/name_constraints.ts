/**
 * Name constraints as RFC 5280 §4.2.1.10 defines them: the extension read from a certificate and
 * written for one, the syntax a name must have before it can be judged, and ONE matching rule for
 * every name type. The CA's own policy (which names a new tlsmith CA permits) lives in
 * `ca/constraints.ts`.
 *
 * The rule, for dNSName, rfc822Name, URI and iPAddress alike:
 * - a name is judged only by subtrees of its own type; it must match no excluded subtree and, when
 *   the set has permitted subtrees of its type, at least one of them;
 * - a name that is not well-formed for its type never matches anything, and a certificate that
 *   holds one is refused wherever a name constraint applies ({@linkcode nameSyntaxProblem});
 * - matching fails closed: a name matches a *permitted* subtree only when everything it may stand
 *   for does, and an *excluded* subtree when anything it may stand for does. So an empty
 *   constraint permits nothing and excludes everything of its type; a wildcard `*.example.com`
 *   falls under an excluded `www.example.com`; a quoted local part (`"foo"@example.com`) falls
 *   under an excluded mailbox it spells differently, but fits a permitted one only when written
 *   the same way.
 *
 * Per type: dNSName and URI hosts compare case-insensitively by whole labels (`example.com`
 * covers itself and its subdomains, `.example.com` only its subdomains); a URI constraint names a
 * host exactly (or with a leading dot, its subdomains), and a URI without a DNS host cannot satisfy
 * one; rfc822Name constraints are a mailbox (local part case-sensitive, host not), a host, or a
 * `.domain`; iPAddress constraints are an address and a contiguous mask, IPv4 and IPv6 never mixed.
 * directoryName and other constraint types are not evaluated: a CA that uses them is refused.
 *
 * @module
 */

import { TlsmithError } from "../errors.ts";
import { makeExtension, nameConstraintsCodec } from "./extensions.ts";
import { cidrText, prefixLength } from "./general_name.ts";
import type { Certificate, Extension, GeneralName, GeneralSubtree } from "./model.ts";
import { isDnsName, type Mailbox, mailboxParts, parseIpAddress, uriParts } from "./names.ts";

/** One subtree of a name constraints extension. */
export interface NameSubtree {
  /** The GeneralName form: `dns`, `ip`, `email`, `uri`, `dn` (directoryName) or `other`. */
  type: "dns" | "ip" | "email" | "uri" | "dn" | "other";
  /** Text form, as written: a domain, a CIDR such as `10.0.0.0/8`, a mailbox/domain, or a description. */
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

/** A name to check: a SAN, a subject e-mail address, or a subject CN that looks like a host name. */
export interface ConstrainedName {
  /** The name form. */
  type: "dns" | "ip" | "email" | "uri";
  /** The text (IP in text form for `ip`). */
  value: string;
  /** For `ip`: the 4 or 16 address bytes (parsed from `value` when absent). */
  bytes?: Uint8Array;
}

// ---------------------------------------------------------------------------
// Name syntax

/**
 * The host of a URI (without brackets for IPv6), or null when it has none or is not a well-formed
 * absolute URI.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { uriHost } from "./name_constraints.ts";
 * assert.equal(uriHost("https://user@Example.com:8443/x"), "Example.com");
 * assert.equal(uriHost("spiffe://trust.test/ns/a"), "trust.test");
 * assert.equal(uriHost("urn:uuid:1234"), null);
 * assert.equal(uriHost("https://exa mple.com/"), null);
 * ```
 */
export function uriHost(uri: string): string | null {
  return uriParts(uri)?.host ?? null;
}

/**
 * Why `name` is not a well-formed name of its type, or null when it is: a dNSName in preferred
 * name syntax (a leading `*.` allowed), an rfc822Name that is an RFC 5321 mailbox with a DNS
 * host, a URI that is absolute and whose host (if any) is a DNS name or an IP literal, an
 * iPAddress of 4 or 16 bytes. Nothing is trimmed or repaired first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nameSyntaxProblem } from "./name_constraints.ts";
 * assert.equal(nameSyntaxProblem({ type: "dns", value: "www.example.com" }), null);
 * assert.match(nameSyntaxProblem({ type: "dns", value: "www.evil.com\t" })!, /DNS name/);
 * assert.match(nameSyntaxProblem({ type: "email", value: "this @ is invalid" })!, /mailbox/);
 * ```
 */
export function nameSyntaxProblem(name: ConstrainedName): string | null {
  switch (name.type) {
    case "dns":
      return isDnsName(name.value, { wildcard: true })
        ? null
        : "is not a DNS name (letters, digits, hyphens and dots, no white space or empty label)";
    case "email":
      return mailboxParts(name.value) ? null : "is not a mailbox (local-part@host.name, RFC 5321)";
    case "uri":
      return uriParts(name.value) ? null : "is not an absolute URI with a valid host (RFC 3986)";
    case "ip": {
      const bytes = name.bytes ?? parseIpAddress(name.value);
      return bytes && (bytes.length === 4 || bytes.length === 16)
        ? null
        : "is not an IPv4 or IPv6 address (4 or 16 bytes)";
    }
  }
}

/**
 * Why a constraint subtree cannot be evaluated, or null: a directoryName or another form tlsmith
 * does not evaluate, a base that is not a domain (with an optional leading dot), host, mailbox, or
 * address with a contiguous mask.
 */
function subtreeProblem(s: NameSubtree): string | null {
  switch (s.type) {
    case "dns":
    case "uri": {
      if (s.value === "") return null;
      const host = s.value.startsWith(".") ? s.value.slice(1) : s.value;
      if (s.type === "uri" && parseIpAddress(host)) {
        return `the URI constraint "${s.value}" is an IP address; URI constraints name hosts`;
      }
      return isDnsName(host)
        ? null
        : `the ${s.type === "dns" ? "DNS" : "URI"} constraint ${
          JSON.stringify(s.value)
        } is not a domain name`;
    }
    case "email": {
      if (s.value === "") return null;
      if (s.value.includes("@")) {
        return mailboxParts(s.value)
          ? null
          : `the e-mail constraint ${JSON.stringify(s.value)} is not a mailbox`;
      }
      const host = s.value.startsWith(".") ? s.value.slice(1) : s.value;
      return isDnsName(host)
        ? null
        : `the e-mail constraint ${JSON.stringify(s.value)} is not a host or domain`;
    }
    case "ip":
      return s.address && s.mask && prefixLength(s.mask) !== null
        ? null
        : `the IP constraint ${s.value} is not an address with a contiguous mask`;
    case "dn":
      return "it has a directoryName constraint, which tlsmith does not evaluate (Go refuses " +
        "such a CA too)";
    default:
      return `it has a ${s.value} constraint, which tlsmith does not evaluate`;
  }
}

// ---------------------------------------------------------------------------
// Matching

function lower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** `name` (a DNS name) is `domain` or under it; `.domain` means under it only. */
function underDomain(name: string, constraint: string): boolean {
  const n = lower(name);
  const c = lower(constraint);
  if (c.startsWith(".")) return n.endsWith(c);
  return n === c || n.endsWith("." + c);
}

type Mode = "permitted" | "excluded";

function dnsMatches(name: string, c: string, mode: Mode): boolean {
  if (underDomain(name, c)) return true;
  // A wildcard stands for every name one label below its base: it falls under an excluded
  // subtree that holds any of them.
  if (mode === "excluded" && name.startsWith("*.") && !c.startsWith(".")) {
    const base = lower(name.slice(2));
    const lc = lower(c);
    const dot = lc.indexOf(".");
    return dot > 0 && lc.slice(dot + 1) === base;
  }
  return false;
}

function emailMatches(name: Mailbox, c: string, mode: Mode): boolean {
  if (c.includes("@")) {
    const box = mailboxParts(c)!;
    if (lower(box.host) !== lower(name.host)) return false;
    return mode === "permitted"
      ? name.local === box.local
      : name.local === box.local || name.localMeaning === box.localMeaning;
  }
  if (c.startsWith(".")) return lower(name.host).endsWith(lower(c));
  return lower(name.host) === lower(c);
}

function ipMatches(bytes: Uint8Array, s: NameSubtree): boolean {
  if (!s.address || !s.mask || s.address.length !== bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) {
    if ((bytes[i] & s.mask[i]) !== (s.address[i] & s.mask[i])) return false;
  }
  return true;
}

/** Does a well-formed `name` match subtree `s` of its type, read the way `mode` needs? */
function matches(name: ConstrainedName, s: NameSubtree, mode: Mode): boolean {
  if (s.type !== "ip" && s.value === "") return mode === "excluded";
  switch (name.type) {
    case "dns":
      return dnsMatches(name.value, s.value, mode);
    case "email":
      return emailMatches(mailboxParts(name.value)!, s.value, mode);
    case "uri": {
      // RFC 5280: a URI constraint names a host exactly, or with a leading dot its subdomains.
      // A URI without a DNS host cannot be shown to be inside (nor outside) any subtree.
      const uri = uriParts(name.value)!;
      if (uri.kind !== "dns") return mode === "excluded";
      const host = lower(uri.host!);
      const c = lower(s.value);
      return c.startsWith(".") ? host.endsWith(c) : host === c;
    }
    case "ip":
      return ipMatches(name.bytes ?? parseIpAddress(name.value)!, s);
  }
}

/** The verdict on one name under a constraint set. */
export type NameVerdict =
  | { ok: true }
  | { ok: false; why: "malformed"; detail: string }
  | { ok: false; why: "excluded" | "not-permitted"; subtree?: NameSubtree };

/**
 * Judge `name` under `set` by the one rule (see the module documentation).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkName } from "./name_constraints.ts";
 * const set = { permitted: [{ type: "dns" as const, value: "example.com" }], excluded: [] };
 * assert.deepEqual(checkName({ type: "dns", value: "www.example.com" }, set), { ok: true });
 * assert.equal(checkName({ type: "dns", value: "example.net" }, set).ok, false);
 * assert.equal(checkName({ type: "dns", value: " www.example.com" }, set).ok, false);
 * ```
 */
export function checkName(name: ConstrainedName, set: NameConstraintSet): NameVerdict {
  const problem = nameSyntaxProblem(name);
  if (problem) return { ok: false, why: "malformed", detail: problem };
  const same = (s: NameSubtree) => s.type === name.type;
  const excluded = set.excluded.find((s) => same(s) && matches(name, s, "excluded"));
  if (excluded) return { ok: false, why: "excluded", subtree: excluded };
  const permitted = set.permitted.filter(same);
  if (permitted.length === 0 || permitted.some((s) => matches(name, s, "permitted"))) {
    return { ok: true };
  }
  return { ok: false, why: "not-permitted" };
}

/**
 * True when `name` satisfies `set` ({@linkcode checkName} says ok).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isNamePermitted } from "./name_constraints.ts";
 * const set = {
 *   permitted: [{ type: "email" as const, value: "foo@example.com" }],
 *   excluded: [{ type: "dns" as const, value: "evil.com" }],
 * };
 * assert.equal(isNamePermitted({ type: "email", value: "foo@EXAMPLE.com" }, set), true);
 * assert.equal(isNamePermitted({ type: "email", value: "Foo@example.com" }, set), false);
 * assert.equal(isNamePermitted({ type: "dns", value: "www.Evil.com" }, set), false);
 * assert.equal(isNamePermitted({ type: "dns", value: "evil.com " }, set), false);
 * ```
 */
export function isNamePermitted(name: ConstrainedName, set: NameConstraintSet): boolean {
  return checkName(name, set).ok;
}

// ---------------------------------------------------------------------------
// Reading and writing the extension

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
 * import { nameConstraintsExtension } from "./name_constraints.ts";
 * const ext = nameConstraintsExtension({ permitted: [{ type: "dns", value: "test" }], excluded: [] });
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

function subtreeOf(g: GeneralSubtree): NameSubtree {
  const base = g.base;
  switch (base.type) {
    case "dns":
    case "email":
    case "uri":
      return { type: base.type, value: base.value };
    case "ip": {
      const raw = base.bytes;
      if (raw.length !== 8 && raw.length !== 32) {
        return { type: "ip", value: `a ${raw.length}-byte iPAddress` };
      }
      const half = raw.length / 2;
      const address = raw.slice(0, half);
      const mask = raw.slice(half);
      return { type: "ip", value: cidrText(address, mask), address, mask };
    }
    case "directoryName":
      return { type: "dn", value: base.name.text };
    default:
      return { type: "other", value: base.type };
  }
}

/**
 * The constraint set of a decoded nameConstraints extension, and why it cannot be evaluated when
 * it cannot (a subtree with `minimum`/`maximum` other than RFC 5280's 0/absent, a form tlsmith does
 * not evaluate, or a malformed base).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { constraintSetOf } from "./name_constraints.ts";
 * const { set, problem } = constraintSetOf({
 *   permitted: [{ base: { type: "dns", value: "Example.com" }, minimum: 0 }],
 *   excluded: [],
 * });
 * assert.equal(set.permitted[0].value, "Example.com");
 * assert.equal(problem, null);
 * ```
 */
export function constraintSetOf(nc: {
  readonly permitted: readonly GeneralSubtree[];
  readonly excluded: readonly GeneralSubtree[];
}): { set: NameConstraintSet; problem: string | null } {
  let problem: string | null = null;
  const convert = (list: readonly GeneralSubtree[]) =>
    list.map((g) => {
      const s = subtreeOf(g);
      if (!problem && (g.minimum !== 0 || g.maximum !== undefined)) {
        problem = "a subtree has a minimum or maximum, which RFC 5280 does not allow";
      }
      problem ??= subtreeProblem(s);
      return s;
    });
  const set = { permitted: convert(nc.permitted), excluded: convert(nc.excluded) };
  return { set, problem };
}

/**
 * The name constraints of a certificate (from the model, where the one codec decoded them), or
 * null when it has none.
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
  return cert.nameConstraints ? constraintSetOf(cert.nameConstraints).set : null;
}
