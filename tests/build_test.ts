import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile, stat } from "node:fs/promises";
import { dependenciesFrom, npmDependencyOf } from "../scripts/npm_dependencies.ts";

/** The repository root: tests/ → up one; compiled under Node (npm/esm/tests/) further up. */
async function repoRoot(): Promise<URL> {
  for (let up = 1; up <= 6; up++) {
    const candidate = new URL("../".repeat(up), import.meta.url);
    try {
      await readFile(new URL("deno.json", candidate));
      return candidate;
    } catch {
      // not here; try the next place
    }
  }
  throw new Error("deno.json not found above " + import.meta.url);
}

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
    const dir = await repoRoot();
    const denoJson = JSON.parse(await readFile(new URL("deno.json", dir), "utf8"));
    const pkg = JSON.parse(await readFile(new URL("package.json", dir), "utf8"));
    const deps = dependenciesFrom(denoJson.imports ?? {});
    assert.ok("pkijs" in deps && "asn1js" in deps, JSON.stringify(deps));
    for (const [name, range] of Object.entries(deps)) {
      assert.equal(pkg.dependencies?.[name], range, `package.json dependencies.${name}`);
    }
  });
});

// Under Node the suite runs compiled inside the package it tests (npm/esm/tests/): check what
// scripts/build_npm.ts produced. Under Deno (source) npm/ may be stale or absent, so skip there.
const compiled = import.meta.url.endsWith(".js");
const packageDir = new URL("../../", import.meta.url);

describe("npm build: the generated package", () => {
  const skip = compiled ? false : "runs on the compiled suite (npm/esm/tests/) only";

  it("package.json: name, version, module type, exports, bin, files, engines", {
    skip,
  }, async () => {
    const pkg = JSON.parse(await readFile(new URL("package.json", packageDir), "utf8"));
    assert.equal(pkg.name, "tlsmith");
    assert.equal(pkg.type, "module");
    assert.equal(pkg.license, "MIT");
    assert.match(pkg.version, /^\d+\.\d+\.\d+/);
    assert.deepEqual(pkg.exports["."], {
      types: "./esm/mod.d.ts",
      import: "./esm/mod.js",
      default: "./esm/mod.js",
    });
    assert.equal(pkg.exports["./package.json"], "./package.json");
    assert.equal(pkg.main, "./esm/mod.js");
    assert.equal(pkg.types, "./esm/mod.d.ts");
    assert.equal(pkg.engines.node, ">=20.19");
    assert.equal(pkg.bin.tlsmith, "./esm/src/cli/bin.js");
    assert.ok(!pkg.files.some((f: string) => f.includes("tests")), `files: ${pkg.files}`);
    for (const target of [pkg.main, pkg.types, pkg.bin.tlsmith]) {
      await stat(new URL(target, packageDir)); // throws when missing
    }
  });

  it("dependencies are exactly those derived from deno.json", { skip }, async () => {
    const pkg = JSON.parse(await readFile(new URL("package.json", packageDir), "utf8"));
    const denoJson = JSON.parse(await readFile(new URL("deno.json", await repoRoot()), "utf8"));
    assert.deepEqual(pkg.dependencies, dependenciesFrom(denoJson.imports));
    assert.equal(pkg.version, denoJson.version);
  });

  it("the bin keeps its shebang and is executable", { skip }, async () => {
    const bin = new URL("esm/src/cli/bin.js", packageDir);
    assert.match(await readFile(bin, "utf8"), /^#!\/usr\/bin\/env node\n/);
    assert.notEqual((await stat(bin)).mode & 0o111, 0, "bin.js is not executable");
  });

  it("every module has its .d.ts, and no source maps are emitted", { skip }, async () => {
    const files = (await readdir(new URL("esm/", packageDir), { recursive: true })).map(String);
    const js = files.filter((f) => f.endsWith(".js") && !f.startsWith("tests"));
    assert.ok(js.length > 10, `only ${js.length} modules`);
    for (const f of js) assert.ok(files.includes(f.replace(/\.js$/, ".d.ts")), `${f}: no .d.ts`);
    assert.deepEqual(files.filter((f) => f.endsWith(".map")), []);
    for (const f of js) {
      const text = await readFile(new URL(`esm/${f}`, packageDir), "utf8");
      const code = text.replace(/\/\*[\s\S]*?\*\//g, ""); // JSDoc examples may say "./mod.ts"
      assert.ok(!text.includes("sourceMappingURL"), `${f} points to a source map`);
      assert.ok(
        !/(?:from\s+|import\(\s*)["']\.{1,2}\/[^"']*\.ts["']/.test(code),
        `${f} imports a .ts file`,
      );
    }
  });
});
