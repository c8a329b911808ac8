/**
 * Builds the npm package into `npm/` — what dnt would make, with plain `tsc`:
 *
 * - `npm/esm/`: ESM JavaScript + `.d.ts` of `mod.ts` and `src/**` (TypeScript 5.9,
 *   `rewriteRelativeImportExtensions`, nodenext, ES2022, strict), no source maps;
 * - `npm/bin/`: the `tlsmith` command (`tlsmith.cjs`), the CLI bundled into one file by esbuild
 *   (`tlsmith-cli.cjs`, see {@linkcode BIN_BUNDLE});
 * - `npm/esm/tests/`: the test suite compiled beside it (NOT published: `files` leaves it out),
 *   so `node --test npm/esm/tests/*_test.js` runs the same tests on the build;
 * - `npm/package.json`: name `tlsmith`, version from deno.json, dependencies DERIVED from
 *   deno.json `imports` (never a second hand-kept list), `exports`, `bin`, `engines`;
 * - README.md and LICENSE copied.
 *
 * Run: `deno run -A scripts/build_npm.ts` (or `npm run build`). Fails, printing tsc's errors, on
 * any type error, a non-npm import specifier, a version mismatch or a missing dependency.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { bareSpecifiers, dependenciesFrom, npmSpecifiersIn } from "./npm_dependencies.ts";

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
/** Output directory: npm/, or $TLSMITH_NPM_DIR (e.g. a private one while others build npm/). */
const OUT = resolve(ROOT, process.env.TLSMITH_NPM_DIR || "npm");
const ESM = join(OUT, "esm");

/** Stop the build with a message on stderr. */
function fail(message: string): never {
  console.error(`build_npm: ${message}`);
  process.exit(1);
}

/** All files below `dir` (recursively), as absolute paths. */
function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(path));
    else if (entry.isFile()) out.push(path);
  }
  return out.sort();
}

/**
 * Bare module specifiers imported by a compiled ES module (static, dynamic and re-exports).
 * Comments are dropped first so JSDoc examples (`import … from "tlsmith"`) do not count.
 */
function bareImportsOf(js: string): string[] {
  const code = js.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const found = new Set<string>();
  const patterns = [
    /^\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']/gm,
    /^\s*import\s*["']([^"']+)["']/gm,
    /\bimport\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const re of patterns) {
    for (const m of code.matchAll(re)) {
      const spec = m[1];
      if (!spec.startsWith(".") && !spec.startsWith("/")) found.add(spec);
    }
  }
  return [...found];
}

/** The package name of a bare specifier (`@noble/hashes/sha2.js` → `@noble/hashes`). */
function packageNameOf(spec: string): string {
  const parts = spec.split("/");
  return spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** The layers that must run in a browser (checked with only the DOM and ES type libraries). */
const CORE_DIRS = [
  "src/_internal/**/*.ts",
  "src/errors.ts",
  "src/pem.ts",
  "src/keys/**/*.ts",
  "src/x509/**/*.ts",
  "src/ca/**/*.ts",
];

/** The package entries at the repository root (mod.ts is `.`; cli.ts is `./cli`). */
const ENTRY_FILES = ["mod.ts", "cli.ts"];

/**
 * npm `exports` from deno.json `exports` (the same entries, one source of truth):
 * `"./serve": "./src/serve/mod.ts"` → `{ types, import, default }` of `./esm/src/serve/mod.js`.
 */
function npmExports(exports: unknown): Record<string, Record<string, string>> {
  const map: Record<string, string> = typeof exports === "string"
    ? { ".": exports }
    : exports as Record<string, string>;
  if (!map || typeof map !== "object" || !map["."]) {
    fail('deno.json "exports" must map "." (and optional subpaths) to .ts files.');
  }
  const out: Record<string, Record<string, string>> = {};
  for (const [key, target] of Object.entries(map)) {
    if (typeof target !== "string" || !/^\.\/.+\.ts$/.test(target)) {
      fail(`deno.json exports["${key}"] = ${JSON.stringify(target)}: expected "./path.ts".`);
    }
    const js = `./esm/${target.slice(2).replace(/\.ts$/, ".js")}`;
    if (!existsSync(join(OUT, js))) fail(`deno.json exports["${key}"]: ${js} was not built.`);
    out[key] = { types: js.replace(/\.js$/, ".d.ts"), import: js, default: js };
  }
  return out;
}

/**
 * Where the package's `tlsmith` command lives: the CLI bundled into one CommonJS file.
 * Loading 40-odd ES modules one by one costs Node more than the work of `tlsmith cert`
 * itself (resolve, read and link each; about 1 ms a module on a small machine); one file
 * without the ESM loader starts in about half the time. `node:*` modules are `require`d
 * where they are used, so a command loads only the built-in modules it needs, and commands
 * still load lazily (esbuild keeps each `import()` as a lazy initialiser). The ES modules
 * under esm/ stay the library; `tlsmith/cli` (runMain) runs from them.
 */
const BIN_BUNDLE = "bin/tlsmith-cli.cjs";

/**
 * The `bin` itself: turns on Node's compile cache (Node 22.1 and later keep the compiled
 * bundle in the system's temporary directory, as `tsc` does; a no-op elsewhere), then runs
 * the bundle.
 */
const BIN_STUB = "bin/tlsmith.cjs";
const BIN_STUB_TEXT = `#!/usr/bin/env node
"use strict";
// The tlsmith command (the CLI is bundled into ${basename(BIN_BUNDLE)}; see scripts/build_npm.ts).
try {
  require("node:module").enableCompileCache?.();
} catch {
  // no compile cache: the same, a little slower
}
require("./${basename(BIN_BUNDLE)}");
`;

/**
 * Bundle the compiled bin (and everything it loads, @noble/hashes included) into
 * {@linkcode BIN_BUNDLE}, and write {@linkcode BIN_STUB} beside it.
 */
function bundleBin(entry: string): void {
  const esbuild = join(ROOT, "node_modules", ".bin", "esbuild");
  if (!existsSync(esbuild)) fail(`${relative(ROOT, esbuild)} is missing. Run npm install.`);
  const r = spawnSync(esbuild, [
    entry,
    "--bundle",
    "--platform=node",
    "--format=cjs",
    "--target=node20",
    // Shorter to parse; names are kept, so a TLSMITH_DEBUG=1 stack still reads.
    "--minify-whitespace",
    "--minify-syntax",
    "--legal-comments=none",
    "--log-level=warning",
    `--outfile=${join(OUT, BIN_BUNDLE)}`,
  ], { cwd: ROOT, encoding: "utf8" });
  if (r.error || r.status !== 0) {
    fail(`esbuild could not bundle the bin: ${r.error?.message ?? (r.stderr || r.stdout)}`);
  }
  if (r.stderr.trim()) fail(`esbuild warned while bundling the bin:\n${r.stderr}`);
  const stub = join(OUT, BIN_STUB);
  writeFileSync(stub, BIN_STUB_TEXT);
  chmodSync(stub, 0o755);
}

function main(): void {
  const started = Date.now();
  const denoJson = JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8"));
  const version: unknown = denoJson.version;
  if (typeof version !== "string" || !/^\d+\.\d+\.\d+(?:-[\w.]+)?$/.test(version)) {
    fail(
      `deno.json "version" must be a semver string like "0.1.0", got ${JSON.stringify(version)}`,
    );
  }

  // The sources import npm packages by npm: specifiers (so Deno needs no import map); the npm
  // build compiles a staging copy where each is the bare package specifier.
  const sources = [
    ...ENTRY_FILES.map((f) => join(ROOT, f)).filter(existsSync),
    ...walk(join(ROOT, "src")),
    ...walk(join(ROOT, "tests")),
    ...walk(join(ROOT, "scripts")), // tests import scripts/npm_dependencies.ts
  ].filter((f) => f.endsWith(".ts"));
  const specifiers = new Set<string>();
  const isPublished = (f: string) =>
    !relative(ROOT, f).startsWith("tests") &&
    !relative(ROOT, f).startsWith("scripts");
  for (const file of sources.filter(isPublished)) {
    for (const spec of npmSpecifiersIn(readFileSync(file, "utf8"))) specifiers.add(spec);
  }
  let dependencies: Record<string, string>;
  try {
    dependencies = dependenciesFrom(Object.fromEntries([...specifiers].map((s) => [s, s])));
  } catch (err) {
    fail((err as Error).message);
  }

  // The workspace package.json installs node_modules for development; it must agree.
  const devPkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  for (const [name, range] of Object.entries(dependencies)) {
    const dev = devPkg.dependencies?.[name] ?? devPkg.devDependencies?.[name];
    if (dev !== range) {
      fail(
        `the sources import npm:${name}@${range} but package.json has ${name}@${
          dev ?? "(missing)"
        }. Make package.json "dependencies" match, then run npm install.`,
      );
    }
  }

  // src/_internal/version.ts (the CLI's --version) must say what deno.json says.
  const versionTs = join(ROOT, "src", "_internal", "version.ts");
  if (existsSync(versionTs)) {
    const text = readFileSync(versionTs, "utf8");
    const m = /["'](\d+\.\d+\.\d+(?:-[\w.]+)?)["']/.exec(text);
    if (!m) {
      fail(`src/_internal/version.ts: no version string found; it must contain "${version}".`);
    }
    if (m[1] !== version) {
      fail(`src/_internal/version.ts says ${m[1]} but deno.json says ${version}. Make them equal.`);
    }
  }

  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(ESM, { recursive: true });
  // Inside the repository, so that node_modules and package.json ("type": "module") apply.
  const STAGE = join(ROOT, ".tmp", "npm-stage");
  rmSync(STAGE, { recursive: true, force: true });
  for (const file of sources) {
    const target = join(STAGE, relative(ROOT, file));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, bareSpecifiers(readFileSync(file, "utf8")));
  }

  // tsc: one project for mod.ts, src/** and tests/**; rootDir is the repo so the layout is kept.
  const tsconfig = {
    compilerOptions: {
      target: "ES2022",
      module: "nodenext",
      moduleResolution: "nodenext",
      lib: ["es2022", "dom", "dom.iterable"],
      types: ["node"],
      typeRoots: [join(ROOT, "node_modules", "@types")],
      strict: true,
      declaration: true,
      declarationMap: false,
      sourceMap: false,
      inlineSourceMap: false,
      rewriteRelativeImportExtensions: true,
      skipLibCheck: true,
      noEmitOnError: true,
      forceConsistentCasingInFileNames: true,
      newLine: "lf",
      rootDir: STAGE,
      outDir: ESM,
    },
    include: [
      ...ENTRY_FILES.map((f) => join(STAGE, f)).filter(existsSync),
      join(STAGE, "src", "**", "*.ts"),
      join(STAGE, "tests", "**", "*.ts"),
    ],
  };
  const tsconfigPath = join(STAGE, "tsconfig.build.json");
  writeFileSync(tsconfigPath, JSON.stringify(tsconfig, null, 2) + "\n");

  const tscJs = join(ROOT, "node_modules", "typescript", "bin", "tsc");
  if (!existsSync(tscJs)) fail(`${relative(ROOT, tscJs)} is missing. Run npm install (or npm ci).`);
  const tsc = spawnSync("node", [tscJs, "-p", tsconfigPath, "--pretty", "false"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  if (tsc.error) fail(`could not run tsc with node: ${tsc.error.message}`);
  const tscVersion = spawnSync("node", [tscJs, "--version"], { encoding: "utf8" }).stdout
    .replace("Version", "").trim();
  if (tsc.status !== 0) {
    process.stderr.write(tsc.stdout + tsc.stderr);
    const errors = (tsc.stdout.match(/error TS\d+/g) ?? []).length;
    fail(`tsc (${tscVersion}) failed with ${errors} error(s); nothing was emitted.`);
  }
  // The core (every layer below serve/) compiles for a browser: no Node or Deno types at all.
  const coreConfig = {
    compilerOptions: {
      target: "ES2022",
      module: "esnext",
      moduleResolution: "bundler",
      lib: ["es2022", "dom", "dom.iterable"],
      types: [],
      strict: true,
      noEmit: true,
      allowImportingTsExtensions: true,
      skipLibCheck: true,
    },
    include: CORE_DIRS.map((d) => join(STAGE, d)),
  };
  const coreConfigPath = join(STAGE, "tsconfig.core.json");
  writeFileSync(coreConfigPath, JSON.stringify(coreConfig, null, 2) + "\n");
  const core = spawnSync("node", [tscJs, "-p", coreConfigPath, "--pretty", "false"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  if (core.status !== 0) {
    process.stderr.write(core.stdout + core.stderr);
    fail(
      "the core (src/_internal, errors, pem, keys, x509, ca) does not compile with only the " +
        "DOM and ES libraries: it must run in a browser, without Node or Deno types.",
    );
  }
  rmSync(STAGE, { recursive: true, force: true });

  // Non-TypeScript test fixtures are copied beside the compiled tests.
  for (const file of walk(join(ROOT, "tests"))) {
    if (file.endsWith(".ts")) continue;
    const target = join(ESM, relative(ROOT, file));
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(file, target);
  }

  // Every bare import of the published code must be a dependency or a node: builtin.
  const published = walk(ESM).filter((f) =>
    f.endsWith(".js") && !relative(ESM, f).startsWith(`tests${sep}`)
  );
  if (!published.includes(join(ESM, "mod.js"))) {
    fail(`tsc did not emit ${relative(ROOT, ESM)}/mod.js.`);
  }
  for (const file of published) {
    for (const spec of bareImportsOf(readFileSync(file, "utf8"))) {
      if (spec.startsWith("node:")) continue;
      if (!(packageNameOf(spec) in dependencies)) {
        fail(
          `${relative(OUT, file)} imports "${spec}", which is not a dependency. ` +
            `Add it to deno.json "imports" (npm:) or use a node: builtin.`,
        );
      }
    }
    if (/sourceMappingURL=/.test(readFileSync(file, "utf8"))) {
      fail(`${relative(OUT, file)} has a sourceMappingURL; source maps must not be emitted.`);
    }
  }

  // The bin keeps its shebang and is executable.
  const bin = join(ESM, "src", "cli", "bin.js");
  const hasBin = existsSync(bin);
  if (hasBin) {
    const text = readFileSync(bin, "utf8");
    if (!text.startsWith("#!")) {
      console.warn("build_npm: src/cli/bin.ts has no shebang; adding #!/usr/bin/env node.");
      writeFileSync(bin, `#!/usr/bin/env node\n${text}`);
    }
    chmodSync(bin, 0o755);
    bundleBin(bin);
  } else {
    console.warn("build_npm: WARNING src/cli/bin.ts is missing: the package has no CLI yet.");
  }

  const pkg: Record<string, unknown> = {
    name: "tlsmith",
    version,
    description:
      "Local and test HTTPS in one line, on Deno and Node: adhoc certificates, a local CA, " +
      'encrypted keys and serve(handler, { cert: "adhoc" }), with WebCrypto and pkijs.',
    keywords: [
      "https",
      "tls",
      "x509",
      "certificate",
      "self-signed",
      "adhoc",
      "ca",
      "pkcs8",
      "pkcs12",
      "webcrypto",
      "pkijs",
      "deno",
      "dev-server",
    ],
    license: "MIT",
    type: "module",
    main: "./esm/mod.js",
    types: "./esm/mod.d.ts",
    exports: {
      ...npmExports(denoJson.exports),
      "./package.json": "./package.json",
    },
    ...(hasBin ? { bin: { tlsmith: `./${BIN_STUB}` } } : {}),
    files: [
      ...ENTRY_FILES.flatMap((f) => {
        const base = f.replace(/\.ts$/, "");
        return existsSync(join(ESM, `${base}.js`)) ? [`esm/${base}.js`, `esm/${base}.d.ts`] : [];
      }),
      "esm/src/",
      "bin/",
      "README.md",
      "LICENSE",
    ],
    // A browser bundle gets no runtime adapter and no CLI (bundlers honour this map).
    browser: {
      "./esm/src/serve/runtime/mod.js": "./esm/src/serve/runtime/browser.js",
      "./esm/src/cli/main.js": false,
    },
    sideEffects: false,
    engines: { node: ">=20.19" },
    dependencies,
  };
  writeFileSync(join(OUT, "package.json"), JSON.stringify(pkg, null, 2) + "\n");

  if (!existsSync(join(ROOT, "LICENSE"))) fail("LICENSE is missing at the repository root.");
  copyFileSync(join(ROOT, "LICENSE"), join(OUT, "LICENSE"));
  if (existsSync(join(ROOT, "README.md"))) {
    copyFileSync(join(ROOT, "README.md"), join(OUT, "README.md"));
  } else {
    console.warn("build_npm: WARNING README.md is missing: the package has no README.");
  }

  const files = walk(ESM);
  const size = files.reduce((n, f) => n + statSync(f).size, 0);
  const tests = files.filter((f) => f.endsWith("_test.js")).length;
  console.log(
    `build_npm: tlsmith@${version} built into ${relative(ROOT, OUT)}/ with tsc ${tscVersion} in ` +
      `${((Date.now() - started) / 1000).toFixed(1)} s: ${files.length} files ` +
      `(${(size / 1024).toFixed(0)} KiB, ${tests} test files), dependencies ` +
      JSON.stringify(dependencies),
  );
}

if ((import.meta as { main?: boolean }).main) main();
