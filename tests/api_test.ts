/**
 * The public surface: `.` stays small (at most 30 values; types aside) and the old names it keeps
 * are the ones CHANGELOG.md lists as deprecated, each marked `@deprecated` where it is defined.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import * as api from "../mod.ts";
import { repoRoot } from "./helpers.ts";

/** Values of `.` kept under their 0.1 names for compatibility (CHANGELOG.md). */
const DEPRECATED = [
  "encryptPrivateKey",
  "exportPrivateKeyPem",
  "exportPublicKeyPem",
  "importPrivateKeyPem",
  "readPrivateKey",
];

describe("the public API of tlsmith (`.`)", () => {
  it("exports at most 30 values, among them the everyday ones", () => {
    const names = Object.keys(api).sort();
    assert.ok(names.length <= 30, `${names.length} values: ${names.join(", ")}`);
    for (
      const name of [
        "adhocCert",
        "CertificateAuthority",
        "createCertificate",
        "createCsr",
        "describeCertificate",
        "exportPkcs12",
        "exportPrivateKey",
        "generateKeyPair",
        "importPkcs12",
        "importPrivateKey",
        "serve",
        "TlsmithError",
        "verifyChain",
      ]
    ) {
      assert.ok(names.includes(name), `${name} is missing from the API`);
    }
    for (const name of DEPRECATED) assert.ok(names.includes(name), name);
  });

  it("marks every old name @deprecated and lists it in CHANGELOG.md", async () => {
    const root = await repoRoot();
    const changelog = await readFile(new URL("CHANGELOG.md", root), "utf8");
    const sources = await Promise.all(
      ["src/keys/formats.ts", "src/keys/keys.ts"].map((f) => readFile(new URL(f, root), "utf8")),
    );
    for (const name of DEPRECATED) {
      assert.match(
        changelog,
        new RegExp(`\`${name}[\`(]`),
        `CHANGELOG.md does not mention ${name}`,
      );
      const marked = sources.some((text) =>
        new RegExp(
          `@deprecated[^*]*(?:\\*(?!/)[^*]*)*\\*/\\s*export (?:async )?function ${name}\\b`,
        )
          .test(text)
      );
      assert.ok(marked, `${name} is not marked @deprecated where it is defined`);
    }
  });
});
