/**
 * The one certificate model (issue 8), judged by real tools: every reader symptom of the issue as
 * a test, and a differential corpus of openssl-made certificates that `readCertificate` /
 * `describeCertificate` must describe exactly as `openssl x509 -nameopt RFC2253` and
 * `certtool -i` do (names, serial, dates, SANs of every type, fingerprints, key size).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { readFile } from "node:fs/promises";
import { int, oid, seq, time, tlv, utf8String } from "../src/_internal/der.ts";
import { OID } from "../src/_internal/oids.ts";
import { CertificateAuthority } from "../src/ca/authority.ts";
import { createCertificate } from "../src/x509/certificate.ts";
import { createCsr, parseCsr, readCertificateRequest } from "../src/x509/csr.ts";
import { describeCertificate } from "../src/x509/describe.ts";
import {
  authorityKeyIdentifierCodec,
  basicConstraintsCodec,
  extKeyUsageCodec,
  keyUsageCodec,
  makeExtension,
  nameConstraintsCodec,
  subjectAltNameCodec,
  subjectKeyIdentifierCodec,
} from "../src/x509/extensions.ts";
import { formatGeneralName } from "../src/x509/general_name.ts";
import { nameFromDer } from "../src/x509/dn.ts";
import { type Certificate, type GeneralName, readCertificates } from "../src/x509/model.ts";
import { verifySignature } from "../src/x509/signature.ts";
import { generateKeyPair } from "../src/keys/keys.ts";
import { decodeOnePem } from "../src/pem.ts";
import {
  atv,
  EVERY_OPENSSL_SAN,
  extension,
  forgeCertificate,
  forgeCsr,
  name,
  opensslSelfSigned,
  raw,
} from "./forge.ts";
import {
  cliCommand,
  openssl,
  rejectsWith,
  run,
  tempDir,
  throwsWith,
  writeFiles,
} from "./helpers.ts";

let dir = "";
let cleanup: () => Promise<void> = async () => {};
let n = 0;

/** Write `text` to a fresh file in the test directory; its path. */
async function file(text: string | Uint8Array, ext = "pem"): Promise<string> {
  const name = `f${n++}.${ext}`;
  return (await writeFiles(dir, { [name]: text }))[name];
}

/** `openssl x509 -noout ARGS` of a PEM certificate. */
async function x509(pem: string, args: string[]): Promise<string> {
  return await openssl(["x509", "-in", await file(pem), "-noout", ...args]);
}

/** `certtool -i` of a PEM certificate. */
async function certtool(pem: string): Promise<string> {
  const r = await run("certtool", ["-i", "--infile", await file(pem)]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

/** Our RFC 4514 text with RFC 4514's bare `,` between RDNs (as openssl and certtool print). */
function bare(text: string): string {
  return text.replace(/(?<!\\), /g, ",");
}

const certOf = (pem: string): Certificate => readCertificates(pem)[0];

describe("the certificate model", { timeout: 300_000 }, () => {
  before(async () => {
    ({ path: dir, cleanup } = await tempDir());
  });
  after(() => cleanup());

  describe("issue 8: every reader symptom", () => {
    it("reads x400Address and ediPartyName SANs and shows them as openssl does", async () => {
      const { pem } = await forgeCertificate({
        extensions: [
          extension(
            OID.subjectAltName,
            seq(
              tlv(0xa3, seq(tlv(0x61, raw(0x13, "DE")))),
              tlv(0xa5, tlv(0xa1, utf8String("party"))),
              raw(0x82, "ok.test"),
            ),
          ),
        ],
      });
      const info = await describeCertificate(pem);
      assert.deepEqual(info.subjectAltNames, [
        "X400Name:<unsupported>",
        "EdiPartyName:<unsupported>",
        "DNS:ok.test",
      ]);
      assert.deepEqual(info.dnsNames, ["ok.test"]);
      const theirs = await x509(pem, ["-ext", "subjectAltName"]);
      assert.equal(theirs.split("\n")[1].trim(), info.subjectAltNames.join(", "));
    });

    it("refuses a malformed otherName SAN with BAD_CERTIFICATE naming the extension", async () => {
      const { pem } = await forgeCertificate({
        extensions: [extension(OID.subjectAltName, seq(tlv(0xa0, oid("1.2.3.4"))))],
      });
      await rejectsWith(describeCertificate(pem), "BAD_CERTIFICATE", "subjectAltName");
      throwsWith(() => readCertificates(pem, "bad.pem"), "BAD_CERTIFICATE", "bad.pem: ");
      // certtool refuses it too.
      const r = await run("certtool", ["-i", "--infile", await file(pem)]);
      assert.notEqual(r.code, 0);
    });

    it("reads an empty extendedKeyUsage as an empty list, as openssl does", async () => {
      const { pem } = await forgeCertificate({ extensions: [extension(OID.extKeyUsage, seq())] });
      const cert = certOf(pem);
      assert.deepEqual(cert.extKeyUsage, []);
      assert.deepEqual((await describeCertificate(pem)).extendedKeyUsage, []);
      assert.match(await x509(pem, ["-ext", "extendedKeyUsage"]), /Extended Key Usage/);
    });

    it("reads a CSR attribute with an empty value SET as openssl does (and its signature verifies)", async () => {
      const { pem } = await forgeCsr({
        attributes: [
          seq(oid(OID.challengePassword), tlv(0x31)),
          seq(oid(OID.extensionRequest), tlv(0x31)),
        ],
      });
      const out = await openssl(["req", "-in", await file(pem), "-noout", "-verify"], {});
      assert.equal(out.trim(), "");
      const info = await parseCsr(pem);
      assert.equal(info.signatureValid, true);
      assert.deepEqual(info.requestedExtensions, []);
      assert.deepEqual(
        readCertificateRequest(decodeOnePem(pem, "CERTIFICATE REQUEST").der).attributes,
        [{ oid: OID.challengePassword, values: [] }, { oid: OID.extensionRequest, values: [] }],
      );
    });

    it("refuses a 15-character UTCTime instead of making up a date", async () => {
      const { pem } = await forgeCertificate({
        notAfter: raw(0x17, "20270101000000Z"),
      });
      throwsWith(() => certOf(pem), "BAD_CERTIFICATE", "notAfter");
      assert.match(await x509(pem, ["-enddate"]).catch((e) => String(e)), /Bad time value/);
    });

    it("refuses a validity that ends before it starts", async () => {
      const { pem } = await forgeCertificate({
        notBefore: time(new Date("2027-01-01T00:00:00Z")),
        notAfter: time(new Date("2026-01-01T00:00:00Z")),
      });
      throwsWith(() => certOf(pem), "BAD_CERTIFICATE", "before it starts");
    });

    it("prints a negative serial as openssl does, with a minus", async () => {
      const { pem } = await forgeCertificate({ serial: tlv(0x02, new Uint8Array([0xed, 0xcc])) });
      const cert = certOf(pem);
      assert.equal(cert.serial, -0x1234n);
      assert.equal(cert.serialNumber, "-1234");
      assert.equal((await x509(pem, ["-serial"])).trim(), `serial=${cert.serialNumber}`);
    });

    it("shows non-ASCII bytes of IA5 and Printable strings as \\XX, never as look-alike text", async () => {
      const { pem } = await forgeCertificate({
        subject: name(
          atv(OID.emailAddress, raw(0x16, [0x63, 0x61, 0x66, 0xe9, 0x40, 0x78])),
          atv(OID.organizationName, raw(0x13, [0x4f, 0x72, 0x67, 0xa0])),
          atv(OID.commonName, utf8String("café")),
        ),
        extensions: [
          extension(
            OID.subjectAltName,
            seq(raw(0x82, " evil.test"), raw(0x82, [0x65, 0xe9, 0x2e, 0x74, 0x09])),
          ),
        ],
      });
      const cert = certOf(pem);
      assert.equal(cert.subject.text, "CN=café, O=Org\\A0, emailAddress=caf\\E9@x");
      assert.deepEqual(cert.subjectAltNames.map(formatGeneralName), [
        "DNS:\\x20evil.test",
        "DNS:e\\xe9.t\\x09",
      ]);
      // openssl shows the IA5 byte as the UTF-8 "é" of the CN: two different names, one look.
      const theirs = await x509(pem, ["-subject", "-nameopt", "RFC2253,-esc_msb"]);
      assert.match(theirs, /emailAddress=café@x/);
    });

    it("writes RFC 4514 #hex for values that are not strings or whose type has no name", async () => {
      const { pem } = await forgeCertificate({
        subject: name(
          atv("1.2.3.4", utf8String("abc")),
          atv(OID.commonName, int(7)),
          atv(OID.organizationName, utf8String("#x, y\u0001\u202e")),
        ),
      });
      const text = certOf(pem).subject.text;
      assert.equal(text, "O=\\#x\\, y\\01\\E2\\80\\AE, CN=#020107, 1.2.3.4=#0c03616263");
      // certtool writes the same #hex values (it shows the control characters raw).
      const theirs = /Subject: (.*)/.exec(await certtool(pem))![1];
      assert.deepEqual(theirs.split(",").slice(-2), bare(text).split(",").slice(-2));
    });

    it("tells a CSR signed with SHA-1 or DSA apart from an altered one", async () => {
      const ca = await CertificateAuthority.create();
      for (
        const [alg, args, reason] of [
          ["rsa", ["-newkey", "rsa:2048", "-sha1"], /SHA-1/],
          ["dsa", ["-newkey", `dsa:${await dsaParams()}`], /DSA/],
        ] as const
      ) {
        const csr = await openssl([
          "req",
          "-new",
          ...args,
          "-nodes",
          "-keyout",
          join(dir, `${alg}.key`),
          "-subj",
          "/CN=old.test",
        ]);
        const info = await parseCsr(csr);
        assert.equal(info.signatureValid, false, alg);
        assert.match(info.signatureRefused ?? "", reason, alg);
        await rejectsWith(
          ca.signCsr(csr, { source: `${alg}.csr` }),
          "UNSUPPORTED_ALGORITHM",
          "not damaged",
        );
      }
      // An altered CSR is still "altered or damaged".
      const good = await createCsr(await generateKeyPair(), { hosts: ["a.test"] });
      const der = good.der.slice();
      der[der.length - 5] ^= 1;
      const altered = await parseCsr(der);
      assert.equal(altered.signatureValid, false);
      assert.equal(altered.signatureRefused, undefined);
      await rejectsWith(ca.signCsr(der), "CSR_SIGNATURE_INVALID", "altered or damaged");
    });

    it("reports a 1025-bit RSA key as 1025 bits", async () => {
      const key = join(dir, "r1025.key");
      const pem = await openssl([
        "req",
        "-x509",
        "-newkey",
        "rsa:1025",
        "-nodes",
        "-keyout",
        key,
        "-subj",
        "/CN=odd",
        "-days",
        "2",
      ]);
      const cert = certOf(pem);
      assert.equal(cert.publicKey.bits, 1025);
      assert.equal((await describeCertificate(pem)).keyType, "rsa-1025");
      assert.match(await x509(pem, ["-text"]), /Public-Key: \(1025 bit\)/);
    });

    it("prints distinguished names in ONE order everywhere", async () => {
      const store = join(dir, "store");
      const cli = (...args: string[]) => {
        const { cmd, args: pre } = cliCommand();
        return run(cmd, [...pre, ...args], {
          cwd: dir,
          env: { TLSMITH_CA_DIR: store, TLSMITH_PASSPHRASE: "" },
          timeoutMs: 60_000,
        });
      };
      const init = await cli("ca", "init", "--dir", store);
      assert.equal(init.code, 0, init.stderr);
      const caPem = join(store, "ca.pem");
      const ca = await CertificateAuthority.load({
        cert: await readFile(caPem, "utf8"),
        key: await readFile(join(store, "ca-key.pem"), "utf8"),
      });
      const want = ca.subject;
      assert.match(want, /^CN=tlsmith development CA .*, O=tlsmith development CA$/);
      const show = JSON.parse((await cli("ca", "show", "--dir", store, "--json")).stdout);
      const inspect = JSON.parse((await cli("inspect", caPem, "--json")).stdout);
      const fp = (await cli("fingerprint", caPem)).stdout.trim();
      const cert = await cli("cert", "--dir", store, "one.localhost");
      assert.equal(cert.code, 0, cert.stderr);
      const verify = await cli("verify", "one.localhost.pem", "--ca", caPem);
      assert.equal(verify.code, 0, verify.stderr);
      const seen = [
        show.subject,
        inspect.items[0].subject,
        fp.slice(fp.indexOf("  ") + 2),
        (await describeCertificate(await readFile(caPem, "utf8"))).subject,
        /trusted\s+(.*)/.exec(verify.stdout)![1],
        /Created the local CA "(.*)"/.exec(init.stdout)![1],
      ];
      for (const s of seen) assert.equal(s, want);
      // The same string openssl prints with RFC 2253 order (bare commas aside).
      const theirs = await openssl([
        "x509",
        "-in",
        caPem,
        "-noout",
        "-subject",
        "-nameopt",
        "RFC2253",
      ]);
      assert.equal(theirs.trim(), `subject=${bare(want)}`);
    });

    it("reports items of a PEM file that are not PKCS#8 (certificate, CSR, public key, SEC1 key)", async () => {
      const ec = join(dir, "sec1.key");
      await openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", ec]);
      const sec1 = await readFile(ec, "utf8");
      const pub = await openssl(["ec", "-in", ec, "-pubout"]);
      const csr = await openssl(["req", "-new", "-key", ec, "-subj", "/CN=csr.test"]);
      const cert = await openssl(["req", "-x509", "-key", ec, "-subj", "/CN=c.test", "-days", "1"]);
      const f = await file(cert + csr + pub + sec1);
      const { cmd, args: pre } = cliCommand();
      const r = await run(cmd, [...pre, "inspect", f, "--json"], { timeoutMs: 60_000 });
      assert.equal(r.code, 0, r.stderr);
      const kinds = JSON.parse(r.stdout).items.map((i: { kind: string; keyType?: string }) =>
        `${i.kind}:${i.keyType}`
      );
      assert.deepEqual(kinds, [
        "certificate:ec-p256",
        "certificate request:ec-p256",
        "public key:ec-p256",
        "private key:ec-p256",
      ]);
    });
  });

  describe("differential: openssl-made certificates read as openssl and certtool read them", () => {
    const corpus: {
      what: string;
      args: string[];
      conf?: readonly string[];
      multiValued?: boolean;
    }[] = [
      {
        what: "UTF-8 names and RFC 4514 specials",
        args: [
          "-newkey",
          "ec",
          "-pkeyopt",
          "ec_paramgen_curve:P-256",
          "-utf8",
          "-subj",
          '/C=DE/ST=Bayern/L=München/O=Müller, GmbH/OU=a\\\\b;<x>"q"/CN= lead #1 ',
        ],
      },
      {
        what: "domain components, UID, emailAddress, GeneralizedTime",
        args: [
          "-newkey",
          "ed25519",
          "-utf8",
          "-days",
          "9000",
          "-subj",
          "/DC=test/DC=example/UID=u1/emailAddress=me@x.test/CN=ü.test",
        ],
      },
      {
        what: "a 1025-bit RSA key and a serial with the high bit set",
        args: ["-newkey", "rsa:1025", "-set_serial", "0x80ff", "-subj", "/CN=#hash/O=\\+plus"],
      },
      {
        what: "a negative serial and a P-384 key",
        args: [
          "-newkey",
          "ec",
          "-pkeyopt",
          "ec_paramgen_curve:P-384",
          "-set_serial",
          "-0x1234",
          "-subj",
          "/CN=neg",
        ],
      },
      {
        what: "SANs of every type openssl writes",
        args: ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-subj", "/CN=sans"],
        conf: EVERY_OPENSSL_SAN,
      },
      {
        what: "a multi-valued RDN",
        args: [
          "-newkey",
          "ec",
          "-pkeyopt",
          "ec_paramgen_curve:P-256",
          "-multivalue-rdn",
          "-subj",
          "/O=Org/CN=multi+UID=u2",
        ],
        multiValued: true,
      },
      {
        what: "a CA with constraints",
        args: ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-521", "-subj", "/CN=ca521"],
        conf: [
          "basicConstraints=critical,CA:TRUE,pathlen:3",
          "keyUsage=critical,keyCertSign,cRLSign",
          "extendedKeyUsage=serverAuth,clientAuth",
          "nameConstraints=critical,permitted;DNS:.test,permitted;IP:10.0.0.0/255.0.0.0,excluded;email:bad.test",
        ],
      },
      {
        what: "an RSA-PSS key",
        args: ["-newkey", "rsa-pss", "-pkeyopt", "rsa_keygen_bits:2048", "-subj", "/CN=pss"],
      },
    ];

    for (const c of corpus) {
      it(c.what, async () => {
        const pem = await opensslSelfSigned(dir, c.args, c.conf);
        const cert = certOf(pem);
        const info = await describeCertificate(pem);

        // openssl x509 -nameopt RFC2253: names, serial, dates, SANs.
        const o = await x509(pem, [
          "-subject",
          "-issuer",
          "-serial",
          "-startdate",
          "-enddate",
          "-nameopt",
          "RFC2253,-esc_msb",
        ]);
        const field = (k: string) => new RegExp(`^${k}=(.*)$`, "m").exec(o)![1];
        if (!c.multiValued) {
          assert.equal(field("subject"), bare(cert.subject.text));
          assert.equal(field("issuer"), bare(cert.issuer.text));
        }
        assert.equal(field("serial"), cert.serialNumber);
        assert.equal(new Date(field("notBefore")).getTime(), cert.notBefore.getTime());
        assert.equal(new Date(field("notAfter")).getTime(), cert.notAfter.getTime());
        const sanLine = (await x509(pem, ["-ext", "subjectAltName"])).split("\n")[1]?.trim();
        const comparable = (s: string) => !/^(DirName|othername|IP Address:.*:)/.test(s);
        assert.deepEqual(
          (sanLine ? sanLine.split(", ") : []).filter(comparable),
          info.subjectAltNames.filter(comparable),
        );
        assert.equal(
          (await x509(pem, ["-fingerprint", "-sha256"])).trim().split("=")[1],
          cert.fingerprints.sha256,
        );

        // certtool -i: names (RDN order kept inside a multi-valued RDN), SANs, fingerprints, size.
        const t = await certtool(pem);
        const line = (k: string) => new RegExp(`^\\s*${k}: (.*)$`, "m").exec(t)![1];
        const certtoolName = (s: string) => s.replace(/(^|,)EMAIL=/g, "$1emailAddress=");
        assert.equal(certtoolName(line("Subject")), bare(cert.subject.text));
        assert.equal(certtoolName(line("Issuer")), bare(cert.issuer.text));
        assert.equal(
          /sha256:([0-9a-f]+)/.exec(t)![1],
          cert.fingerprints.sha256.replace(/:/g, "").toLowerCase(),
        );
        assert.equal(
          /sha1:([0-9a-f]+)/.exec(t)![1],
          cert.fingerprints.sha1.replace(/:/g, "").toLowerCase(),
        );
        if (cert.serial > 0n) {
          assert.equal(
            line("Serial Number \\(hex\\)").replace(/^00/, "").toUpperCase(),
            cert.serialNumber,
          );
        }
        const theirSans = [
          ...t.matchAll(
            /^\t{3}(DNSname|RFC822Name|URI|IPAddress|Registered ID|directoryName|User Principal Name): (.*)$/gm,
          ),
        ]
          .map((m) => `${m[1]}:${m[2]}`);
        const ours = cert.subjectAltNames.flatMap((g: GeneralName) => {
          switch (g.type) {
            case "dns":
              return [`DNSname:${g.value}`];
            case "email":
              return [`RFC822Name:${g.value}`];
            case "uri":
              return [`URI:${g.value}`];
            case "ip":
              return [`IPAddress:${g.value}`];
            case "registeredID":
              return [`Registered ID:${g.oid}`];
            case "directoryName":
              return [`directoryName:${bare(g.name.text)}`];
            case "otherName":
              return g.text !== undefined ? [`User Principal Name:${g.text}`] : [];
            default:
              return [];
          }
        });
        assert.deepEqual(theirSans, ours);
        if (cert.publicKey.kind.startsWith("rsa")) {
          assert.equal(Number(/Modulus \(bits (\d+)\)/.exec(t)![1]), cert.publicKey.bits);
        }
        if (cert.publicKey.curve) {
          assert.match(
            await x509(pem, ["-text"]),
            new RegExp(`NIST CURVE: ${cert.publicKey.curve}`),
          );
        }
        // The signature verifies (valid for every algorithm tlsmith accepts).
        const check = await verifySignature(
          cert.publicKey,
          cert.signatureAlgorithm,
          cert.tbs,
          cert.signature,
        );
        assert.equal(check.status, "valid", JSON.stringify(check));
        if (cert.basicConstraints?.ca) {
          assert.deepEqual(cert.basicConstraints, { ca: true, pathLength: 3 });
          assert.deepEqual(cert.keyUsage, ["keyCertSign", "cRLSign"]);
          assert.deepEqual(cert.extKeyUsage, [OID.serverAuth, OID.clientAuth]);
          assert.deepEqual(
            cert.nameConstraints!.permitted.map((s) => formatGeneralName(s.base)),
            ["DNS:.test", "IP:10.0.0.0/255.0.0.0"],
          );
          assert.match(await x509(pem, ["-text"]), /IP:10\.0\.0\.0\/255\.0\.0\.0/);
        }
      });
    }
  });

  describe("signatures", () => {
    it("verifies RSA-PSS, refuses SHA-1 and an MGF1 hash WebCrypto cannot do, and names a tampered body invalid", async () => {
      const cases: [string[], string, RegExp?][] = [
        [[
          "-newkey",
          "rsa:2048",
          "-sigopt",
          "rsa_padding_mode:pss",
          "-sigopt",
          "rsa_pss_saltlen:32",
        ], "valid"],
        [
          [
            "-newkey",
            "rsa:2048",
            "-sigopt",
            "rsa_padding_mode:pss",
            "-sigopt",
            "rsa_mgf1_md:sha1",
            "-sha256",
          ],
          "refused",
          /MGF1/,
        ],
        [["-newkey", "rsa:2048", "-sigopt", "rsa_padding_mode:pss", "-sha1"], "refused", /SHA-1/],
        [["-newkey", "rsa:2048", "-sha1"], "refused", /SHA-1/],
        [["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-521", "-sha512"], "valid"],
        [["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:secp256k1"], "refused", /secp256k1/],
        [["-newkey", `dsa:${await dsaParams()}`], "refused", /DSA/],
      ];
      for (const [args, status, reason] of cases) {
        const pem = await openssl([
          "req",
          "-x509",
          "-nodes",
          "-keyout",
          join(dir, `s${n++}.key`),
          "-subj",
          "/CN=sig",
          "-days",
          "1",
          ...args,
        ]);
        const cert = certOf(pem);
        const check = await verifySignature(
          cert.publicKey,
          cert.signatureAlgorithm,
          cert.tbs,
          cert.signature,
        );
        assert.equal(check.status, status, `${args.join(" ")}: ${JSON.stringify(check)}`);
        if (reason && check.status !== "valid") assert.match(check.reason, reason);
        if (status === "valid") {
          const tbs = cert.tbs.slice();
          tbs[tbs.length - 1] ^= 1;
          const bad = await verifySignature(
            cert.publicKey,
            cert.signatureAlgorithm,
            tbs,
            cert.signature,
          );
          assert.equal(bad.status, "invalid");
        }
      }
    });
  });

  describe("extension codecs: what is written is what is read, and openssl agrees", () => {
    it("round-trips each codec", () => {
      const names: GeneralName[] = [
        { type: "dns", value: "a.test" },
        { type: "email", value: "a@b.test" },
        { type: "uri", value: "https://u.test/" },
        { type: "ip", value: "::1", bytes: new Uint8Array([...new Array(15).fill(0), 1]) },
        { type: "registeredID", oid: "1.2.3.4" },
        { type: "otherName", oid: OID.upn, value: utf8String("u@corp.test"), text: "u@corp.test" },
        { type: "directoryName", name: nameFromDer(name(atv(OID.commonName, utf8String("d")))) },
      ];
      const round = <T>(
        codec: { write(v: T): Uint8Array; read(b: Uint8Array, w: string): T },
        v: T,
      ) => assert.deepEqual(codec.read(codec.write(v), "x"), v);
      round(basicConstraintsCodec, { ca: true, pathLength: 2 });
      round(basicConstraintsCodec, { ca: false });
      round(keyUsageCodec, ["digitalSignature", "keyCertSign", "decipherOnly"]);
      round(extKeyUsageCodec, [OID.serverAuth, "1.2.3.4.5"]);
      round(subjectAltNameCodec, names);
      round(subjectKeyIdentifierCodec, new Uint8Array([1, 2, 3]));
      round(authorityKeyIdentifierCodec, {
        keyIdentifier: new Uint8Array([9]),
        issuer: [names[6]],
        serial: 1234567890123n,
      });
      round(nameConstraintsCodec, {
        permitted: names.slice(0, 3).map((base) => ({ base, minimum: 0 })),
        excluded: [{
          base: {
            type: "ip",
            value: "10.0.0.0/8",
            bytes: new Uint8Array([10, 0, 0, 0, 255, 0, 0, 0]),
          },
          minimum: 0,
        }],
      });
    });

    it("writes name constraints of every type that openssl prints and tlsmith reads back", async () => {
      const keys = await generateKeyPair();
      const nc = {
        permitted: [
          { base: { type: "dns", value: "corp.test" }, minimum: 0 },
          { base: { type: "email", value: ".corp.test" }, minimum: 0 },
          { base: { type: "uri", value: ".corp.test" }, minimum: 0 },
          {
            base: {
              type: "ip",
              value: "10.0.0.0/8",
              bytes: new Uint8Array([10, 0, 0, 0, 255, 0, 0, 0]),
            },
            minimum: 0,
          },
          {
            base: {
              type: "directoryName",
              name: nameFromDer(name(atv(OID.organizationName, utf8String("Corp")))),
            },
            minimum: 0,
          },
        ],
        excluded: [{ base: { type: "dns", value: "bad.corp.test" }, minimum: 0 }],
      } as const;
      const { pem } = await createCertificate({
        keyPair: keys,
        subject: { commonName: "NC CA" },
        isCa: true,
        extensions: [makeExtension(nameConstraintsCodec, nc as never, true)],
      });
      const text = await x509(pem, ["-text"]);
      for (
        const want of [
          "DNS:corp.test",
          "email:.corp.test",
          "URI:.corp.test",
          "IP:10.0.0.0/255.0.0.0",
          "DirName:O = Corp",
          "DNS:bad.corp.test",
        ]
      ) {
        assert.ok(text.includes(want), `openssl shows ${want}:\n${text}`);
      }
      assert.deepEqual(certOf(pem).nameConstraints, nc);
    });
  });

  describe("the CLI reads only regular files of bounded size", () => {
    const tlsmith = (...args: string[]) => {
      const { cmd, args: pre } = cliCommand();
      return run(cmd, [...pre, ...args], { timeoutMs: 30_000 });
    };

    it("refuses a device, a FIFO and a directory at once, and an oversized file", async () => {
      const fifo = join(dir, "fifo");
      assert.equal((await run("mkfifo", [fifo])).code, 0);
      const big = join(dir, "big.pem");
      const r0 = await run("truncate", ["-s", String(9 * 1024 * 1024), big]);
      assert.equal(r0.code, 0);
      for (
        const [path, why] of [
          ["/dev/urandom", /not a regular file/],
          [fifo, /not a regular file/],
          [dir, /is a directory/],
          [big, /at most 8388608 bytes/],
        ] as const
      ) {
        const started = Date.now();
        const r = await tlsmith("inspect", path);
        assert.equal(r.code, 1, `${path}: ${r.stdout}${r.stderr}`);
        assert.match(r.stderr, why);
        assert.ok(Date.now() - started < 25_000, `${path} answered in time`);
      }
    });
  });
});

let dsaParamFile: string | undefined;

/** A DSA parameter file (made once; 1024 bits to keep it quick). */
async function dsaParams(): Promise<string> {
  if (!dsaParamFile) {
    dsaParamFile = join(dir, "dsa.param");
    await openssl(["dsaparam", "-out", dsaParamFile, "1024"]);
  }
  return dsaParamFile;
}
