import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as asn1js from "npm:asn1js@^4.0.0";
import * as pkijs from "npm:pkijs@^4.0.0";
import {
  formatIpAddress,
  formatSubjectAltName,
  generalNameOf,
  parseHosts,
  parseSubjectAltName,
  type SubjectAltName,
} from "../src/x509/names.ts";
import { encodeGeneralName, readGeneralName } from "../src/x509/general_name.ts";
import { parseDer } from "../src/_internal/der.ts";
import { TlsmithError } from "../src/errors.ts";

function badName(input: string, ...fragments: string[]): void {
  assert.throws(() => parseSubjectAltName(input), (err: unknown) => {
    assert.ok(err instanceof TlsmithError, `expected TlsmithError for ${input}, got ${err}`);
    assert.equal(err.code, "BAD_NAME", `${input}: ${err.message}`);
    assert.ok(
      err.message.includes(JSON.stringify(input)),
      `message names the input: ${err.message}`,
    );
    for (const f of fragments) assert.ok(err.message.includes(f), `"${err.message}" lacks "${f}"`);
    return true;
  });
}

function v6(...words: number[]): number[] {
  const out: number[] = [];
  for (const w of words) out.push(w >> 8, w & 255);
  return out;
}

describe("parseSubjectAltName: host names", () => {
  const cases: [string, string][] = [
    ["localhost", "localhost"],
    ["LocalHost", "localhost"],
    ["example.test.", "example.test"],
    ["  spaced.test  ", "spaced.test"],
    ["*.example.test", "*.example.test"],
    ["*.Example.Test.", "*.example.test"],
    ["bücher.test", "xn--bcher-kva.test"],
    ["*.bücher.test", "*.xn--bcher-kva.test"],
    ["BÜCHER.test", "xn--bcher-kva.test"],
    ["xn--bcher-kva.test", "xn--bcher-kva.test"],
    ["a-b.c-d.test", "a-b.c-d.test"],
    ["1.2.3.4.nip.test", "1.2.3.4.nip.test"],
    ["my_service.local", "my_service.local"],
    ["DNS:explicit.test", "explicit.test"],
    ["a".repeat(63) + ".test", "a".repeat(63) + ".test"],
  ];
  for (const [input, want] of cases) {
    it(`${JSON.stringify(input)} → dNSName ${want}`, () => {
      assert.deepEqual(parseSubjectAltName(input), { type: "dns", value: want });
    });
  }

  it("accepts a 253-character name and rejects 254", () => {
    const name253 = [61, 63, 63, 63].map((n, i) => String.fromCharCode(97 + i).repeat(n)).join(
      ".",
    );
    assert.equal(name253.length, 253);
    assert.equal(parseSubjectAltName(name253).value, name253);
    badName(name253 + "b", "253");
  });

  it("rejects malformed host names, naming them", () => {
    badName("", "empty");
    badName("   ", "empty");
    badName("foo bar.test", "white space");
    badName("tab\there.test", "white space");
    badName("a".repeat(64) + ".test", "63");
    badName("a..b.test", "empty label");
    badName(".leading.test", "empty label");
    badName("-bad.test", "-bad");
    badName("bad-.test", "bad-");
    badName("under/score.test", "not allowed");
    badName("quest?ion.test", "not allowed");
    badName("percent%41.test", "not allowed");
  });

  it("allows * only as the whole leftmost label over two or more labels", () => {
    badName("*", "leftmost");
    badName("*.test", "two labels");
    badName("*.localhost", "two labels");
    badName("f*o.example.test", "leftmost");
    badName("*foo.example.test", "leftmost");
    badName("foo.*.example.test", "leftmost");
    badName("**.example.test", "leftmost");
    badName("*.*.example.test", "leftmost");
  });
});

describe("parseSubjectAltName: IP addresses", () => {
  const cases: [string, string, number[]][] = [
    ["127.0.0.1", "127.0.0.1", [127, 0, 0, 1]],
    ["0.0.0.0", "0.0.0.0", [0, 0, 0, 0]],
    ["255.255.255.255", "255.255.255.255", [255, 255, 255, 255]],
    ["IP:10.1.2.3", "10.1.2.3", [10, 1, 2, 3]],
    ["::1", "::1", v6(0, 0, 0, 0, 0, 0, 0, 1)],
    ["[::1]", "::1", v6(0, 0, 0, 0, 0, 0, 0, 1)],
    ["::", "::", v6(0, 0, 0, 0, 0, 0, 0, 0)],
    ["0:0:0:0:0:0:0:1", "::1", v6(0, 0, 0, 0, 0, 0, 0, 1)],
    [
      "2001:DB8::8:800:200C:417A",
      "2001:db8::8:800:200c:417a",
      v6(
        0x2001,
        0xdb8,
        0,
        0,
        8,
        0x800,
        0x200c,
        0x417a,
      ),
    ],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1", v6(0x2001, 0xdb8, 0, 0, 1, 0, 0, 1)],
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1", v6(0x2001, 0xdb8, 0, 1, 1, 1, 1, 1)],
    ["fe80::", "fe80::", v6(0xfe80, 0, 0, 0, 0, 0, 0, 0)],
    ["::ffff:1.2.3.4", "::ffff:1.2.3.4", v6(0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304)],
    ["::ffff:0102:0304", "::ffff:1.2.3.4", v6(0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304)],
    ["64:ff9b::192.0.2.33", "64:ff9b::c000:221", v6(0x64, 0xff9b, 0, 0, 0, 0, 0xc000, 0x221)],
    ["1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8", v6(1, 2, 3, 4, 5, 6, 7, 8)],
  ];
  for (const [input, value, bytes] of cases) {
    it(`${input} → iPAddress ${value} (${bytes.length} bytes)`, () => {
      const san = parseSubjectAltName(input);
      assert.equal(san.type, "ip");
      assert.equal(san.value, value);
      assert.deepEqual(Array.from(san.bytes!), bytes);
    });
  }

  it("rejects bad addresses and never turns them into DNS names", () => {
    badName("256.1.1.1", "IPv4");
    badName("1.2.3", "IPv4");
    badName("1.2.3.4.5", "IPv4");
    badName("01.2.3.4", "IPv4");
    badName("1.2.3.-4");
    badName("123", "IPv4");
    badName("999.example.123", "IP address");
    badName("0x7f.0.0.1", "IP address");
    badName("::g", "IPv6");
    badName("1::2::3", "IPv6");
    badName("1:2:3:4:5:6:7:8:9", "IPv6");
    badName("1:2:3:4:5:6:7", "IPv6");
    badName("12345::1", "IPv6");
    badName("::1.2.3", "IPv6");
    badName("1.2.3.4::", "IPv6");
    badName("[1.2.3.4]", "IPv4");
    badName("[::1", "IPv6");
    badName("fe80::1%eth0", "zone");
    badName("localhost:8443", 'remove ":8443"');
  });
});

describe("parseSubjectAltName: e-mail and URIs", () => {
  it("parses e-mail addresses with A-label domains", () => {
    assert.deepEqual(parseSubjectAltName("user@example.test"), {
      type: "email",
      value: "user@example.test",
    });
    assert.deepEqual(parseSubjectAltName("First.Last+tag@Bücher.Test"), {
      type: "email",
      value: "First.Last+tag@xn--bcher-kva.test",
    });
    assert.deepEqual(parseSubjectAltName("email:a@b.test"), { type: "email", value: "a@b.test" });
    badName("@example.test", "before @");
    badName("user@", "empty");
    badName("us er@example.test");
    badName("üser@example.test", "ASCII");
    badName("user@*.example.test", "leftmost");
    badName("email:nobody", "@");
  });

  it("parses URIs with any scheme, converting IDN hosts", () => {
    assert.deepEqual(parseSubjectAltName("https://x.test/"), {
      type: "uri",
      value: "https://x.test/",
    });
    assert.deepEqual(parseSubjectAltName("spiffe://trust.test/ns/prod/sa/web"), {
      type: "uri",
      value: "spiffe://trust.test/ns/prod/sa/web",
    });
    assert.equal(parseSubjectAltName("URI:urn:example:thing").value, "urn:example:thing");
    assert.equal(
      parseSubjectAltName("https://bücher.test/a").value,
      "https://xn--bcher-kva.test/a",
    );
    badName("https://", "URI");
    badName("https://exa mple.test/", "white space");
    badName("URI:not a uri", "white space");
    // Characters RFC 3986 never allows in a URI. A backslash would also make the host of
    // https://evil.test<backslash>@localhost/ evil.test to a browser but localhost to others.
    for (const c of ["\\", "<", ">", '"', "^", "`", "{", "|", "}"]) {
      badName(`https://evil.test${c}@localhost/`, "not allowed in a URI");
    }
    assert.equal(
      parseSubjectAltName("https://x.test/a%20b?q=1#f").value,
      "https://x.test/a%20b?q=1#f",
    );
  });
});

describe("parseHosts", () => {
  it("normalizes, removes duplicates and keeps order", () => {
    const sans = parseHosts([
      "LOCALHOST.",
      "127.0.0.1",
      "localhost",
      "[::1]",
      "::1",
      "0:0:0:0:0:0:0:1",
      "bücher.test",
      "xn--bcher-kva.test",
      "a@b.test",
      "A@B.test",
    ]);
    assert.deepEqual(sans.map(formatSubjectAltName), [
      "DNS:localhost",
      "IP Address:127.0.0.1",
      "IP Address:::1",
      "DNS:xn--bcher-kva.test",
      "email:a@b.test",
    ]);
  });

  it("rejects the whole list when one name is bad, naming it", () => {
    assert.throws(
      () => parseHosts(["localhost", "bad name"]),
      (err: unknown) =>
        err instanceof TlsmithError && err.code === "BAD_NAME" &&
        err.message.includes('"bad name"'),
    );
    assert.throws(
      () => parseHosts("localhost" as unknown as string[]),
      (err: unknown) => err instanceof TlsmithError && err.code === "BAD_OPTION",
    );
    assert.deepEqual(parseHosts([]), []);
  });
});

describe("formatting and GeneralName conversion", () => {
  it("formats SANs as OpenSSL names them", () => {
    assert.equal(formatSubjectAltName(parseSubjectAltName("localhost")), "DNS:localhost");
    assert.equal(formatSubjectAltName(parseSubjectAltName("127.0.0.1")), "IP Address:127.0.0.1");
    assert.equal(formatSubjectAltName(parseSubjectAltName("::1")), "IP Address:::1");
    assert.equal(formatSubjectAltName(parseSubjectAltName("a@b.test")), "email:a@b.test");
    assert.equal(
      formatSubjectAltName(parseSubjectAltName("https://x.test/")),
      "URI:https://x.test/",
    );
  });

  it("formats IPv6 per RFC 5952", () => {
    const f = (words: number[]) => formatIpAddress(new Uint8Array(v6(...words)));
    assert.equal(f([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]), "2001:db8::1");
    assert.equal(f([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1]), "2001:db8:0:1:1:1:1:1"); // a single 0 stays
    assert.equal(f([0x2001, 0, 0, 1, 0, 0, 0, 1]), "2001:0:0:1::1"); // the longest run
    assert.equal(f([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1]), "2001:db8::1:0:0:1"); // the first of equals
    assert.equal(f([0xabcd, 0, 0, 0, 0, 0, 0, 0]), "abcd::");
    assert.equal(formatIpAddress(new Uint8Array([192, 0, 2, 1])), "192.0.2.1");
  });

  it("round-trips through the GeneralName codec with the right tags and bytes (pkijs agrees)", () => {
    const inputs = ["localhost", "*.x.test", "10.0.0.1", "::1", "a@b.test", "spiffe://t.test/x"];
    const wantTypes = [2, 2, 7, 7, 1, 6];
    inputs.forEach((input, i) => {
      const san = parseSubjectAltName(input);
      const der = encodeGeneralName(generalNameOf(san));
      assert.equal(der[0], 0x80 | wantTypes[i], `context tag of ${input}`);
      // pkijs, an independent reader, sees the same name.
      const gn = new pkijs.GeneralName({ schema: asn1js.fromBER(der.slice().buffer).result });
      assert.equal(gn.type, wantTypes[i]);
      if (san.type === "ip") {
        assert.deepEqual(
          new Uint8Array((gn.value as asn1js.OctetString).valueBlock.valueHexView),
          san.bytes,
        );
      } else {
        assert.equal(gn.value, san.value);
      }
      const back = readGeneralName(parseDer(der, "name"), "name") as SubjectAltName;
      assert.equal(back.type, san.type);
      assert.equal(back.value, san.value);
    });
  });
});
