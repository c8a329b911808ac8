/**
 * The one name-constraint rule (x509/name_constraints.ts) and the one host matcher (x509/match.ts),
 * case by case, on every runtime. The same rules are judged against OpenSSL and Go on real chains
 * in verify_differential_test.ts.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  checkName,
  type ConstrainedName,
  constraintSetOf,
  type NameConstraintSet,
  type NameSubtree,
  nameSyntaxProblem,
  uriHost,
} from "../src/x509/name_constraints.ts";
import { matchesHost } from "../src/x509/match.ts";
import { isDnsName } from "../src/x509/names.ts";
import { parsePermitEntry } from "../src/ca/constraints.ts";

const permit = (...subtrees: NameSubtree[]): NameConstraintSet => ({
  permitted: subtrees,
  excluded: [],
});
const exclude = (...subtrees: NameSubtree[]): NameConstraintSet => ({
  permitted: [],
  excluded: subtrees,
});
const verdict = (name: ConstrainedName, set: NameConstraintSet) => {
  const v = checkName(name, set);
  return v.ok ? "ok" : v.why;
};
const dns = (value: string): ConstrainedName => ({ type: "dns", value });
const email = (value: string): ConstrainedName => ({ type: "email", value });
const uri = (value: string): ConstrainedName => ({ type: "uri", value });

describe("name syntax", () => {
  it("accepts DNS names in preferred syntax only, never trimming", () => {
    for (const ok of ["a.test", "WWW.Example.COM", "xn--bcher-kva.test", "_acme.test", "a-b.c"]) {
      assert.equal(isDnsName(ok), true, ok);
    }
    for (
      const bad of [
        " evil.com",
        "evil.com ",
        "www.evil.com\t",
        "evil.com.",
        ".evil.com",
        "a..b",
        "this is invalid",
        "-a.test",
        "a-.test",
        "a*.test",
        "*.test",
        "",
        "a.test\0.evil",
        "café.test",
        `${"a".repeat(64)}.test`,
      ]
    ) {
      assert.equal(isDnsName(bad), false, JSON.stringify(bad));
      assert.notEqual(nameSyntaxProblem(dns(bad === "*.test" ? "*.*.test" : bad)), null, bad);
    }
    assert.equal(nameSyntaxProblem(dns("*.example.com")), null);
  });

  it("reads rfc822Names as RFC 5321 mailboxes", () => {
    for (const ok of ["a@b.test", "Foo.Bar+x@Example.COM", '"a b"@b.test', '"a\\"b"@b.test']) {
      assert.equal(nameSyntaxProblem(email(ok)), null, ok);
    }
    for (
      const bad of [
        "this @ is invalid",
        "@b.test",
        "a@",
        "a b@c.test",
        "a@b@c.test",
        "a@.test",
        "",
        "a..b@c.test",
      ]
    ) {
      assert.notEqual(nameSyntaxProblem(email(bad)), null, bad);
    }
  });

  it("reads the host of a URI as Go does (userinfo, port, brackets), and refuses a bad host", () => {
    assert.equal(uriHost("https://user@Evil.com:8443/x?y#z"), "Evil.com");
    assert.equal(uriHost("https://[::1]:8443/"), "::1");
    assert.equal(uriHost("https://10.0.0.1/"), "10.0.0.1");
    assert.equal(uriHost("urn:example:a"), null);
    assert.equal(uriHost("file:///etc/hosts"), null);
    for (
      const bad of [
        "this is invalid",
        "https://a..b/",
        "https://evil.com./",
        "https://exa mple.com/",
        "https://x.test:port/",
      ]
    ) {
      assert.notEqual(nameSyntaxProblem(uri(bad)), null, bad);
    }
    assert.equal(nameSyntaxProblem(uri("spiffe://trust.test/ns/a")), null);
  });
});

describe("one matching rule for every type", () => {
  it("DNS: by whole labels, case-insensitively; a leading dot means subdomains only", () => {
    const set = permit({ type: "dns", value: "Example.com" });
    assert.equal(verdict(dns("example.com"), set), "ok");
    assert.equal(verdict(dns("WWW.EXAMPLE.COM"), set), "ok");
    assert.equal(verdict(dns("*.example.com"), set), "ok");
    assert.equal(verdict(dns("notexample.com"), set), "not-permitted");
    const sub = permit({ type: "dns", value: ".example.com" });
    assert.equal(verdict(dns("example.com"), sub), "not-permitted");
    assert.equal(verdict(dns("a.example.com"), sub), "ok");
  });

  it("DNS: padded, dotted and malformed names are refused, never matched around an exclusion", () => {
    const set = exclude({ type: "dns", value: "evil.com" });
    for (
      const name of [" evil.com", "evil.com ", "www.evil.com\t", "evil.com.", "this is invalid"]
    ) {
      assert.equal(verdict(dns(name), set), "malformed", JSON.stringify(name));
    }
    assert.equal(verdict(dns("EVIL.com"), set), "excluded");
    assert.equal(verdict(dns("notevil.com"), set), "ok");
  });

  it("DNS: a wildcard falls under an excluded name it covers, and fits a permitted one only whole", () => {
    assert.equal(
      verdict(dns("*.example.com"), exclude({ type: "dns", value: "www.example.com" })),
      "excluded",
    );
    assert.equal(
      verdict(dns("*.example.com"), exclude({ type: "dns", value: "a.b.example.com" })),
      "ok",
    );
    assert.equal(
      verdict(dns("*.example.com"), permit({ type: "dns", value: "www.example.com" })),
      "not-permitted",
    );
  });

  it("e-mail: a mailbox (local part case-sensitive), a host, or a .domain", () => {
    const box = permit({ type: "email", value: "foo@example.com" });
    assert.equal(verdict(email("foo@EXAMPLE.com"), box), "ok");
    assert.equal(verdict(email("Foo@example.com"), box), "not-permitted");
    assert.equal(verdict(email("this @ is invalid"), box), "malformed");
    const host = permit({ type: "email", value: "example.com" });
    assert.equal(verdict(email("a@Example.COM"), host), "ok");
    assert.equal(verdict(email("a@sub.example.com"), host), "not-permitted");
    const domain = permit({ type: "email", value: ".example.com" });
    assert.equal(verdict(email("a@sub.example.com"), domain), "ok");
    assert.equal(verdict(email("a@example.com"), domain), "not-permitted");
  });

  it("e-mail: a quoted local part fits a permitted mailbox only as written, an excluded one as meant", () => {
    const quoted = email('"foo"@example.com');
    assert.equal(
      verdict(quoted, permit({ type: "email", value: "foo@example.com" })),
      "not-permitted",
    );
    assert.equal(verdict(quoted, exclude({ type: "email", value: "foo@example.com" })), "excluded");
  });

  it("URI: the host exactly, or a .domain's subdomains; no DNS host cannot satisfy a URI constraint", () => {
    const set = permit({ type: "uri", value: "example.com" });
    assert.equal(verdict(uri("https://EXAMPLE.com:8443/x"), set), "ok");
    assert.equal(verdict(uri("https://www.example.com/"), set), "not-permitted");
    assert.equal(verdict(uri("https://10.0.0.1/"), set), "not-permitted");
    assert.equal(verdict(uri("urn:example:a"), set), "not-permitted");
    const excl = exclude({ type: "uri", value: "evil.com" });
    assert.equal(verdict(uri("https://user@evil.com/"), excl), "excluded");
    assert.equal(verdict(uri("https://[::1]/"), excl), "excluded");
    assert.equal(verdict(uri("https://good.com/"), excl), "ok");
  });

  it("IP: address and mask, IPv4 and IPv6 never mixed", () => {
    const v4 = permit(parsePermitEntry("10.0.0.0/8"));
    assert.equal(verdict({ type: "ip", value: "10.1.2.3" }, v4), "ok");
    assert.equal(verdict({ type: "ip", value: "192.168.1.1" }, v4), "not-permitted");
    assert.equal(verdict({ type: "ip", value: "::ffff:10.1.2.3" }, v4), "not-permitted");
    assert.equal(verdict({ type: "ip", value: "x", bytes: new Uint8Array(5) }, v4), "malformed");
  });

  it("an empty constraint fails closed for every type: it permits nothing and excludes everything", () => {
    for (const type of ["dns", "email", "uri"] as const) {
      const name = type === "dns"
        ? dns("a.test")
        : type === "email"
        ? email("a@b.test")
        : uri("https://a.test/");
      assert.equal(verdict(name, permit({ type, value: "" })), "not-permitted", type);
      assert.equal(verdict(name, exclude({ type, value: "" })), "excluded", type);
    }
  });

  it("a name is judged only by subtrees of its own type", () => {
    const set = permit({ type: "dns", value: "example.com" });
    assert.equal(verdict(email("a@other.test"), set), "ok");
    assert.equal(verdict({ type: "ip", value: "8.8.8.8" }, set), "ok");
  });

  it("refuses constraint sets it cannot evaluate, saying why", () => {
    const of = (base: Parameters<typeof constraintSetOf>[0]["permitted"][number]["base"]) =>
      constraintSetOf({ permitted: [{ base, minimum: 0 }], excluded: [] }).problem;
    assert.match(
      of({ type: "directoryName", name: { der: new Uint8Array(), text: "O=Acme", rdns: [] } })!,
      /directoryName/,
    );
    assert.match(
      of({
        type: "ip",
        value: "10.0.0.0/255.0.255.0",
        bytes: new Uint8Array([10, 0, 0, 0, 255, 0, 255, 0]),
      })!,
      /contiguous mask/,
    );
    assert.match(of({ type: "uri", value: "10.0.0.1" })!, /IP address/);
    assert.match(of({ type: "dns", value: "bad name" })!, /not a domain name/);
    assert.match(of({ type: "email", value: "a b@c.test" })!, /not a mailbox/);
    assert.match(of({ type: "registeredID", oid: "1.2.3" })!, /registeredID/);
    assert.equal(of({ type: "dns", value: "" }), null);
  });
});

describe("the one host matcher", () => {
  const names = [
    { type: "dns", value: "*.App.test" },
    { type: "dns", value: "Exact.test" },
    { type: "dns", value: " evil.test" },
    { type: "dns", value: "tab.test\t" },
    { type: "ip", value: "10.1.2.3", bytes: new Uint8Array([10, 1, 2, 3]) },
  ];
  it("matches DNS names exactly or by a whole-label wildcard, ignoring ASCII case and one trailing dot", () => {
    assert.equal(matchesHost(names, "exact.TEST"), true);
    assert.equal(matchesHost(names, "exact.test."), true);
    assert.equal(matchesHost(names, "api.app.test"), true);
    assert.equal(matchesHost(names, "app.test"), false);
    assert.equal(matchesHost(names, "a.b.app.test"), false);
  });
  it("never trims: padded names and hosts match nothing", () => {
    assert.equal(matchesHost(names, "evil.test"), false);
    assert.equal(matchesHost(names, " evil.test"), false);
    assert.equal(matchesHost(names, "tab.test"), false);
    assert.equal(matchesHost(names, " exact.test"), false);
    assert.equal(matchesHost(names, "exact.test "), false);
  });
  it("matches IP addresses against iPAddress entries only", () => {
    assert.equal(matchesHost(names, "10.1.2.3"), true);
    assert.equal(matchesHost(names, "10.1.2.3."), true);
    assert.equal(matchesHost([{ type: "dns", value: "10.1.2.3" }], "10.1.2.3"), false);
    assert.equal(matchesHost(names, "[10.1.2.3]"), true);
  });
});
