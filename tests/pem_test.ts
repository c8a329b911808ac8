import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodeOnePem, decodePem, encodePem } from "../src/pem.ts";
import { TlsmithError } from "../src/errors.ts";
import { decodeBase64, encodeBase64 } from "../src/_internal/bytes.ts";

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof TlsmithError, `expected TlsmithError, got ${err}`);
    return err.code;
  }
  assert.fail("expected an error");
}

describe("pem", () => {
  it("round-trips any label with 64-column lines", () => {
    const der = new Uint8Array(100).map((_, i) => i);
    const pem = encodePem("X509 CRL", der);
    const lines = pem.trimEnd().split("\n");
    assert.equal(lines[0], "-----BEGIN X509 CRL-----");
    assert.equal(lines.at(-1), "-----END X509 CRL-----");
    assert.equal(lines[1].length, 64);
    assert.deepEqual(decodePem(pem)[0].der, der);
    assert.equal(decodePem(pem)[0].label, "X509 CRL");
  });

  it("reads several blocks, CRLF and surrounding text", () => {
    const text = "Bag Attributes\r\n" +
      encodePem("CERTIFICATE", new Uint8Array([1, 2, 3])).replaceAll(
        "\n",
        "\r\n",
      ) +
      "subject=/CN=x\n" + encodePem("PRIVATE KEY", new Uint8Array([4]));
    const blocks = decodePem(text);
    assert.deepEqual(blocks.map((b) => b.label), [
      "CERTIFICATE",
      "PRIVATE KEY",
    ]);
    assert.deepEqual(blocks[0].der, new Uint8Array([1, 2, 3]));
    assert.deepEqual(blocks[1].der, new Uint8Array([4]));
  });

  it("parses RFC 1421 headers", () => {
    const pem = encodePem("RSA PRIVATE KEY", new Uint8Array([9, 9]), {
      "Proc-Type": "4,ENCRYPTED",
      "DEK-Info": "AES-256-CBC,00112233445566778899AABBCCDDEEFF",
    });
    const [block] = decodePem(pem);
    assert.equal(block.headers["Proc-Type"], "4,ENCRYPTED");
    assert.equal(
      block.headers["DEK-Info"],
      "AES-256-CBC,00112233445566778899AABBCCDDEEFF",
    );
    assert.deepEqual(block.der, new Uint8Array([9, 9]));
  });

  it("rejects empty input, bad base64, mismatched END, no block", () => {
    assert.equal(code(() => decodePem("")), "BAD_PEM");
    assert.equal(code(() => decodePem("   \n")), "BAD_PEM");
    assert.equal(
      code(() =>
        decodePem(
          "-----BEGIN CERTIFICATE-----\n@@@@\n-----END CERTIFICATE-----\n",
        )
      ),
      "BAD_PEM",
    );
    assert.equal(
      code(() =>
        decodePem(
          "-----BEGIN CERTIFICATE-----\nAAAA\n-----END PRIVATE KEY-----\n",
        )
      ),
      "BAD_PEM",
    );
    assert.equal(
      code(() => decodePem("-----BEGIN CERTIFICATE-----\nAAAA\n")),
      "BAD_PEM",
    );
    assert.equal(code(() => decodePem("hello world")), "BAD_PEM");
    assert.equal(
      code(() => decodePem("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n")),
      "BAD_PEM",
    );
  });

  it("names the source and the label in messages", () => {
    assert.throws(
      () =>
        decodePem(
          "-----BEGIN CERTIFICATE-----\nAAAA\n-----END PRIVATE KEY-----\n",
          { source: "cert.pem" },
        ),
      (err: Error) =>
        err.message.startsWith("cert.pem: ") &&
        err.message.includes("END PRIVATE KEY"),
    );
    assert.throws(
      () =>
        decodeOnePem(
          encodePem("CERTIFICATE", new Uint8Array([1])),
          "PRIVATE KEY",
          { source: "k.pem" },
        ),
      (err: Error) => err.message.includes("k.pem") && err.message.includes("CERTIFICATE"),
    );
  });

  it("base64 matches the platform encoder", () => {
    for (let n = 0; n < 40; n++) {
      const bytes = crypto.getRandomValues(new Uint8Array(n));
      const b64 = encodeBase64(bytes);
      assert.equal(b64, btoa(String.fromCharCode(...bytes)));
      assert.deepEqual(decodeBase64(b64), bytes);
    }
    assert.equal(decodeBase64("AAA"), null);
    assert.equal(decodeBase64("A=AA"), null);
  });
});
