/**
 * PEM (RFC 7468) encoding and decoding: any label, several blocks per text,
 * CRLF line ends, explanatory text around the blocks, and OpenSSL's legacy
 * RFC 1421 headers (`Proc-Type`, `DEK-Info`).
 *
 * @module
 */

import { derToPemCommand } from "./_internal/commands.ts";
import { decodeBase64, encodeBase64 } from "./_internal/bytes.ts";
import { sourcePrefix, TlsmithError } from "./errors.ts";

/** One decoded PEM block. */
export interface PemBlock {
  /** The label between `BEGIN ` and the dashes, e.g. `CERTIFICATE`. */
  label: string;
  /** RFC 1421 headers such as `Proc-Type` and `DEK-Info` (empty for RFC 7468 blocks). */
  headers: Record<string, string>;
  /** The decoded DER bytes. */
  der: Uint8Array;
}

/**
 * The PEM labels a certificate is found under: RFC 7468's `CERTIFICATE`, the
 * older `X509 CERTIFICATE`, and OpenSSL's `TRUSTED CERTIFICATE`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isCertificateLabel } from "./pem.ts";
 * assert.equal(isCertificateLabel("X509 CERTIFICATE"), true);
 * assert.equal(isCertificateLabel("PRIVATE KEY"), false);
 * ```
 */
export function isCertificateLabel(label: string): boolean {
  return label === "CERTIFICATE" || label === "X509 CERTIFICATE" ||
    label === "TRUSTED CERTIFICATE";
}

/**
 * The PEM labels private key material is found under: PKCS#8 `PRIVATE KEY`
 * and `ENCRYPTED PRIVATE KEY`, and the older `RSA`, `EC`, `DSA` and
 * `OPENSSH PRIVATE KEY` (any label ending in `PRIVATE KEY`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isPrivateKeyLabel } from "./pem.ts";
 * assert.equal(isPrivateKeyLabel("EC PRIVATE KEY"), true);
 * assert.equal(isPrivateKeyLabel("PUBLIC KEY"), false);
 * ```
 */
export function isPrivateKeyLabel(label: string): boolean {
  return label === "PRIVATE KEY" || label.endsWith(" PRIVATE KEY");
}

/**
 * The PEM labels of a certificate signing request (PKCS#10): `CERTIFICATE
 * REQUEST`, and `NEW CERTIFICATE REQUEST` as older tools (Netscape, Windows)
 * write it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isCsrLabel } from "./pem.ts";
 * assert.equal(isCsrLabel("NEW CERTIFICATE REQUEST"), true);
 * assert.equal(isCsrLabel("CERTIFICATE"), false);
 * ```
 */
export function isCsrLabel(label: string): boolean {
  return label === "CERTIFICATE REQUEST" || label === "NEW CERTIFICATE REQUEST";
}

/** Options of {@linkcode decodePem}. */
export interface DecodePemOptions {
  /** Where the text came from (a file name), used in error messages. */
  source?: string;
  /**
   * What the caller expects the text to hold, so that the command suggested for binary DER
   * input converts that kind (`openssl x509`, `pkey` or `req`).
   */
  expect?: "certificate" | "private key" | "certificate request";
}

/**
 * Encode DER bytes as PEM with 64-character lines and a final newline.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodePem } from "./pem.ts";
 * const pem = encodePem("CERTIFICATE", new Uint8Array([0x30, 0x00]));
 * assert.equal(pem, "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n");
 * ```
 *
 * @param label the PEM label, e.g. `PRIVATE KEY`
 * @param der the bytes to encode
 * @param headers optional RFC 1421 headers written before the base64 body
 */
export function encodePem(
  label: string,
  der: Uint8Array | ArrayBuffer,
  headers?: Record<string, string>,
): string {
  if (!/^[\x21-\x2c\x2e-\x7e]+(?:[ -][\x21-\x2c\x2e-\x7e]+)*$/.test(label)) {
    throw new TlsmithError(
      "BAD_OPTION",
      `PEM label ${
        JSON.stringify(label)
      } is not valid: use printable ASCII words such as "CERTIFICATE".`,
    );
  }
  const b64 = encodeBase64(
    der instanceof Uint8Array ? der : new Uint8Array(der),
  );
  const lines: string[] = [`-----BEGIN ${label}-----`];
  if (headers && Object.keys(headers).length > 0) {
    for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
    lines.push("");
  }
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  lines.push(`-----END ${label}-----`);
  return lines.join("\n") + "\n";
}

const BEGIN_RE = /-----BEGIN ([^\r\n-]*(?:-[^\r\n-]+)*)-----/g;

/**
 * Decode every PEM block in `text`, in order. Text outside the blocks is
 * ignored (as OpenSSL does). Throws `BAD_PEM` when there is no block, when a
 * BEGIN line has no matching END line, or when the base64 is damaged.
 *
 * @example Read a certificate chain
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodePem, encodePem } from "./pem.ts";
 * const text = encodePem("CERTIFICATE", new Uint8Array([1])) + "comment\r\n" +
 *   encodePem("CERTIFICATE", new Uint8Array([2]));
 * const blocks = decodePem(text);
 * assert.equal(blocks.length, 2);
 * assert.deepEqual(blocks[1].der, new Uint8Array([2]));
 * assert.throws(() => decodePem("no PEM here", { source: "chain.pem" }), { code: "BAD_PEM" });
 * ```
 */
export function decodePem(
  text: string,
  options?: DecodePemOptions,
): PemBlock[] {
  if (typeof text !== "string" || text.trim() === "") {
    throw new TlsmithError(
      "BAD_PEM",
      `${
        sourcePrefix(options?.source)
      }the input is empty. Expected PEM text starting with "-----BEGIN …-----".`,
    );
  }
  const blocks: PemBlock[] = [];
  BEGIN_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = BEGIN_RE.exec(text)) !== null) {
    const label = m[1];
    const bodyStart = m.index + m[0].length;
    const endMarker = `-----END ${label}-----`;
    const endIndex = text.indexOf(endMarker, bodyStart);
    const nextBegin = text.indexOf("-----BEGIN ", bodyStart);
    if (endIndex < 0 || (nextBegin >= 0 && nextBegin < endIndex)) {
      const anyEnd = /-----END ([^\r\n-]*(?:-[^\r\n-]+)*)-----/.exec(
        text.slice(bodyStart),
      );
      const found = anyEnd && (nextBegin < 0 || bodyStart + anyEnd.index < nextBegin)
        ? `found "-----END ${anyEnd[1]}-----" instead`
        : "no END line follows";
      throw new TlsmithError(
        "BAD_PEM",
        `${
          sourcePrefix(options?.source)
        }the PEM block "BEGIN ${label}" is not closed: ${found}. The file may be truncated or two files were pasted together; re-export it.`,
      );
    }
    let body = text.slice(bodyStart, endIndex).replace(/\r\n?/g, "\n");
    const headers: Record<string, string> = {};
    // RFC 1421 headers: "Name: value" lines (with continuation lines) ended by a blank line.
    const trimmed = body.replace(/^\n+/, "");
    if (/^[A-Za-z][A-Za-z0-9-]*:/.test(trimmed)) {
      const blank = trimmed.indexOf("\n\n");
      if (blank < 0) {
        throw new TlsmithError(
          "BAD_PEM",
          `${
            sourcePrefix(options?.source)
          }the PEM block "${label}" has headers but no blank line after them.`,
        );
      }
      const headerText = trimmed.slice(0, blank).replace(/\n[ \t]+/g, " ");
      for (const line of headerText.split("\n")) {
        const colon = line.indexOf(":");
        if (colon > 0) {
          headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
        }
      }
      body = trimmed.slice(blank + 2);
    }
    const der = decodeBase64(body);
    if (der === null) {
      throw new TlsmithError(
        "BAD_PEM",
        `${sourcePrefix(options?.source)}the PEM block "${label}" (block ${
          blocks.length + 1
        }) has damaged base64 content. Re-export or re-copy the file.`,
      );
    }
    if (der.length === 0) {
      throw new TlsmithError(
        "BAD_PEM",
        `${sourcePrefix(options?.source)}the PEM block "${label}" (block ${
          blocks.length + 1
        }) is empty.`,
      );
    }
    blocks.push({ label, headers, der });
    BEGIN_RE.lastIndex = endIndex + endMarker.length;
  }
  if (blocks.length === 0) {
    const hint = text.includes("-----END ")
      ? "an END line was found without its BEGIN line"
      : /^\s*[MA-Za-z0-9+/=\s]+$/.test(text) && text.trim().length > 16
      ? "the text looks like bare base64 without BEGIN/END lines"
      : text.charCodeAt(0) === 0x30
      ? `the data looks like binary DER; ${derHint(options)}`
      : 'there is no "-----BEGIN …-----" line';
    throw new TlsmithError(
      "BAD_PEM",
      `${sourcePrefix(options?.source)}no PEM block found: ${hint}.`,
    );
  }
  return blocks;
}

/** How to convert a DER file to PEM, for what the caller expects it to hold. */
function derHint(options: DecodePemOptions | undefined): string {
  const source = options?.source;
  if (options?.expect) {
    return `convert it with \`${derToPemCommand(options.expect, source)}\``;
  }
  return `convert it with \`${derToPemCommand("certificate", source)}\` (a certificate), ` +
    `\`${derToPemCommand("private key", source)}\` (a key) or ` +
    `\`${derToPemCommand("certificate request", source)}\` (a CSR)`;
}

/**
 * Decode the first PEM block whose label is one of `labels`. Throws `BAD_PEM`
 * naming the labels that were found instead.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeOnePem, encodePem } from "./pem.ts";
 * const text = encodePem("PRIVATE KEY", new Uint8Array([0x30, 0x00]));
 * assert.deepEqual(decodeOnePem(text, "PRIVATE KEY").der, new Uint8Array([0x30, 0x00]));
 * assert.throws(() => decodeOnePem(text, "CERTIFICATE"), {
 *   code: "BAD_PEM",
 *   message: 'expected "CERTIFICATE" but found PRIVATE KEY. Check that you passed the right file.',
 * });
 * ```
 */
export function decodeOnePem(
  text: string,
  labels: string | readonly string[],
  options?: DecodePemOptions,
): PemBlock {
  const wanted = typeof labels === "string" ? [labels] : labels;
  const blocks = decodePem(text, options);
  const block = blocks.find((b) => wanted.includes(b.label));
  if (!block) {
    const found = [...new Set(blocks.map((b) => b.label))].join(", ");
    throw new TlsmithError(
      "BAD_PEM",
      `${sourcePrefix(options?.source)}expected ${
        wanted.map((l) => `"${l}"`).join(" or ")
      } but found ${found}. Check that you passed the right file.`,
    );
  }
  return block;
}
