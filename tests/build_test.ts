import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { repoRoot, sourceFiles } from "./helpers.ts";
import { readdir, readFile, stat } from "node:fs/promises";
import { spawnSync } from "node:child_process";
import process from "node:process";
import {
  bareSpecifiers,
  dependenciesFrom,
  npmDependencyOf,
  npmSpecifiersIn,
} from "../scripts/npm_dependencies.ts";

/** The npm dependencies the source tree (mod.ts, cli.ts, src/) imports. */
async function sourceDependencies(root: URL): Promise<Record<string, string>> {
  const specs: string[] = [];
  for (const path of await sourceFiles(root, "src")) {
    specs.push(...npmSpecifiersIn(await readFile(new URL(path, root), "utf8")));
  }
  for (const f of ["mod.ts", "cli.ts"]) {
    try {
      specs.push(...npmSpecifiersIn(await readFile(new URL(f, root), "utf8")));
    } catch {
      // no such entry
    }
  }
  return dependenciesFrom(Object.fromEntries(specs.map((s) => [s, s])));
}

describe("npm build: dependencies derived from the npm: imports", () => {
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

  it("reads npm: specifiers from imports and makes them bare for the npm build", () => {
    // Built from parts, so that the npm build's own rewrite of this file leaves the text alone.
    const N = "npm:";
    const text = `import * as a from "${N}asn1js@^4.0.0";\n// import "${N}left@1.0.0";\n` +
      `const s = "${N}kept@1.0.0";\nimport { sha256 } from "${N}@noble/hashes@^2.0.0/sha2.js";\n` +
      `const m = await import("${N}pkijs@^4.0.0");`;
    assert.deepEqual(npmSpecifiersIn(text), [
      "npm:asn1js@^4.0.0",
      "npm:@noble/hashes@^2.0.0/sha2.js",
      "npm:pkijs@^4.0.0",
    ]);
    assert.equal(
      bareSpecifiers(text),
      'import * as a from "asn1js";\n// import "left";\nconst s = "npm:kept@1.0.0";\n' +
        'import { sha256 } from "@noble/hashes/sha2.js";\nconst m = await import("pkijs");',
    );
  });

  it("derives from this repository's imports what package.json installs", async () => {
    const dir = await repoRoot();
    const pkg = JSON.parse(await readFile(new URL("package.json", dir), "utf8"));
    const deps = await sourceDependencies(dir);
    // The source reads and writes ASN.1 itself (no pkijs or asn1js since the certificate model).
    assert.ok("@noble/hashes" in deps, JSON.stringify(deps));
    assert.ok(!("pkijs" in deps) && !("asn1js" in deps), JSON.stringify(deps));
    for (const [name, range] of Object.entries(deps)) {
      assert.equal(pkg.dependencies?.[name], range, `package.json dependencies.${name}`);
    }
  });
});

// Under Node the suite runs compiled inside the package it tests (npm/esm/tests/): check what
// scripts/build_npm.ts produced. Under Deno (source) npm/ may be stale or absent: these tests are
// registered only in the compiled suite, which `npm test` runs on Node 20, 22 and 24.
const compiled = import.meta.url.endsWith(".js");
const packageDir = new URL("../../", import.meta.url);

const describeCompiled = compiled ? describe : () => {};

describeCompiled("npm build: the generated package", () => {
  it("package.json: name, version, module type, exports, bin, files, engines", async () => {
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
    assert.equal(pkg.bin.tlsmith, "./bin/tlsmith.cjs");
    assert.ok(!pkg.files.some((f: string) => f.includes("tests")), `files: ${pkg.files}`);
    for (const target of [pkg.main, pkg.types, pkg.bin.tlsmith]) {
      await stat(new URL(target, packageDir)); // throws when missing
    }
  });

  it("dependencies are exactly those the sources import", async () => {
    const pkg = JSON.parse(await readFile(new URL("package.json", packageDir), "utf8"));
    const denoJson = JSON.parse(await readFile(new URL("deno.json", await repoRoot()), "utf8"));
    assert.deepEqual(pkg.dependencies, await sourceDependencies(await repoRoot()));
    assert.equal(pkg.version, denoJson.version);
  });

  it("the bin keeps its shebang and is executable", async () => {
    for (const path of ["esm/src/cli/bin.js", "bin/tlsmith.cjs"]) {
      const bin = new URL(path, packageDir);
      assert.match(await readFile(bin, "utf8"), /^#!\/usr\/bin\/env node\n/, path);
      assert.notEqual((await stat(bin)).mode & 0o111, 0, `${path} is not executable`);
    }
  });

  it("the bin is one self-contained file that loads only the built-in modules it uses", async () => {
    const bin = new URL("bin/tlsmith.cjs", packageDir);
    const text = await readFile(new URL("bin/tlsmith-cli.cjs", packageDir), "utf8");
    // (A require inside a string, such as doctor's `node -e` probe, is not one of the bin's own.)
    const calls = text.matchAll(/(?<!['"`])\brequire\("([^"]+)"\)/g);
    const required = new Set([...calls].map((m) => m[1]));
    assert.ok(required.size > 0);
    // Nothing from node_modules: @noble/hashes is inside. (A static `import` would not even
    // parse in a CommonJS file: the run below would fail.)
    for (const name of required) assert.ok(name.startsWith("node:"), `the bin requires ${name}`);
    // `--version` loads no HTTP, TLS or child-process module (a command loads what it uses).
    const probe = "process.on('exit', () => process.stderr.write(JSON.stringify(" +
      "process.moduleLoadList.filter((m) => m.startsWith('NativeModule '))" +
      ".map((m) => m.slice(13)))));";
    const r = spawnSync(process.execPath, [
      "-e",
      `${probe} require(process.argv[1])`,
      bin.pathname,
      "--version",
    ], {
      encoding: "utf8",
    });
    assert.equal(r.status, 0, r.stderr);
    const pkg = JSON.parse(await readFile(new URL("package.json", packageDir), "utf8"));
    assert.equal(r.stdout.trim(), `tlsmith ${pkg.version}`);
    const loaded: string[] = JSON.parse(r.stderr);
    // (node:net is there already: standard output is a pipe, a net.Socket.)
    for (const name of ["http", "https", "http2", "tls", "zlib", "child_process"]) {
      assert.ok(!loaded.includes(name), `tlsmith --version loaded node:${name}`);
    }
  });

  it("every module has its .d.ts, and no source maps are emitted", async () => {
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
