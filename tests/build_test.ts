import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { dependenciesFrom, npmDependencyOf } from "../scripts/npm_dependencies.ts";

describe("npm build: dependencies derived from deno.json imports", () => {
  it("reads plain, scoped, subpath and directory npm: specifiers", () => {
    assert.deepEqual(npmDependencyOf("pkijs", "npm:pkijs@^4.0.0"), {
      name: "pkijs",
      range: "^4.0.0",
    });
    assert.deepEqual(npmDependencyOf("@noble/hashes/", "npm:/@noble/hashes@^2.0.0/"), {
      name: "@noble/hashes",
      range: "^2.0.0",
    });
    assert.deepEqual(npmDependencyOf("sha2", "npm:@noble/hashes@~2.1.0/sha2.js"), {
      name: "@noble/hashes",
      range: "~2.1.0",
    });
    assert.deepEqual(npmDependencyOf("x", "npm:asn1js@4.0.2"), { name: "asn1js", range: "4.0.2" });
  });

  it("refuses jsr:, https:, paths and specifiers without a range, naming the entry", () => {
    for (
      const [key, spec] of [
        ["@std/assert", "jsr:@std/assert@^1.0.0"],
        ["lib", "https://deno.land/x/lib@1.0.0/mod.ts"],
        ["local", "./src/local.ts"],
        ["pkijs", "npm:pkijs"],
        ["scoped", "npm:@noble/hashes"],
        ["empty", "npm:"],
      ]
    ) {
      assert.throws(
        () => npmDependencyOf(key, spec),
        (err: Error) => err.message.includes(`imports["${key}"]`) && err.message.includes(spec),
        `${spec} must be refused`,
      );
    }
  });

  it("merges entries of one package, sorts by name, and refuses two ranges", () => {
    assert.deepEqual(
      dependenciesFrom({
        pkijs: "npm:pkijs@^4.0.0",
        "@noble/hashes/": "npm:/@noble/hashes@^2.0.0/",
        "sha2": "npm:@noble/hashes@^2.0.0/sha2.js",
      }),
      { "@noble/hashes": "^2.0.0", pkijs: "^4.0.0" },
    );
    assert.deepEqual(Object.keys(dependenciesFrom({ b: "npm:b@1", a: "npm:a@1" })), ["a", "b"]);
    assert.deepEqual(dependenciesFrom({}), {});
    assert.throws(
      () => dependenciesFrom({ a: "npm:pkijs@^4.0.0", b: "npm:pkijs@^3.0.0" }),
      /two ranges/,
    );
    assert.throws(() => dependenciesFrom({ a: 5 as unknown as string }), /must be a string/);
  });

  it("derives from this repository's deno.json what package.json installs", async () => {
    // Source: tests/ → repo; compiled under Node (npm/esm/tests/) the repo is further up.
    let dir: URL | undefined;
    for (let up = 1; up <= 6; up++) {
      const candidate = new URL("../".repeat(up), import.meta.url);
      try {
        await readFile(new URL("deno.json", candidate));
        dir = candidate;
        break;
      } catch {
        // not here; try the next place
      }
    }
    assert.ok(dir, "deno.json not found");
    const denoJson = JSON.parse(await readFile(new URL("deno.json", dir), "utf8"));
    const pkg = JSON.parse(await readFile(new URL("package.json", dir), "utf8"));
    const deps = dependenciesFrom(denoJson.imports ?? {});
    assert.ok("pkijs" in deps && "asn1js" in deps, JSON.stringify(deps));
    for (const [name, range] of Object.entries(deps)) {
      assert.equal(pkg.dependencies?.[name], range, `package.json dependencies.${name}`);
    }
  });
});
