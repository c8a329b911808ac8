/**
 * The layers of src/, enforced: a walk over every `import … from`, `export … from` and
 * `import("…")` of the source. A forbidden arrow fails with the file, the specifier and the rule.
 *
 *   base      src/_internal/**, src/errors.ts, src/pem.ts   (bytes, DER, the registry; never exported)
 *   keys      src/keys/**        base only; @noble/hashes, never pkijs or asn1js (der.ts reads)
 *   x509      src/x509/**        base, keys; the only users of pkijs
 *   ca        src/ca/**          base, keys, x509
 *   serve     src/serve/**       base, keys, x509, ca; the only code that touches a runtime
 *   trust     src/trust/**       base, keys, x509, ca, and the runtime interface of serve
 *   testing   src/testing/**     everything but the CLI
 *   cli       src/cli/**         everything; commands never import each other
 *
 * Entries (mod.ts, cli.ts, src/serve/mod.ts, …) never re-export from `_internal/`.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { repoRoot, sourceFiles } from "./helpers.ts";
import { readFile } from "node:fs/promises";

interface Arrow {
  from: string;
  specifier: string;
  /** Repository-relative target for relative specifiers, else the bare specifier. */
  to: string;
  typeOnly: boolean;
}

/** Drop comments (JSDoc examples import things too), keep strings. */
function stripComments(code: string): string {
  return code.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
}

function normalize(parts: string[]): string {
  const out: string[] = [];
  for (const p of parts) {
    if (p === "" || p === ".") continue;
    if (p === "..") out.pop();
    else out.push(p);
  }
  return out.join("/");
}

export function arrowsOf(file: string, code: string): Arrow[] {
  const text = stripComments(code);
  const arrows: Arrow[] = [];
  const patterns = [
    /^\s*(import|export)(\s+type)?\b[^;]*?\bfrom\s*["']([^"']+)["']/gm,
    /^\s*import\s*["']([^"']+)["']/gm,
    /\bimport\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const [i, re] of patterns.entries()) {
    for (const m of text.matchAll(re)) {
      const specifier = i === 0 ? m[3] : m[1];
      const typeOnly = i === 0 && m[2] !== undefined;
      const to = specifier.startsWith(".")
        ? normalize([...file.split("/").slice(0, -1), ...specifier.split("/")])
        : specifier;
      arrows.push({ from: file, specifier, to, typeOnly });
    }
  }
  return arrows;
}

type Layer = "base" | "keys" | "x509" | "ca" | "serve" | "trust" | "testing" | "cli" | "entry";

export function layerOf(path: string): Layer {
  if (path.startsWith("src/_internal/") || path === "src/errors.ts" || path === "src/pem.ts") {
    return "base";
  }
  for (const l of ["keys", "x509", "ca", "serve", "trust", "testing", "cli"] as const) {
    if (path.startsWith(`src/${l}/`)) return l;
  }
  return "entry";
}

const MAY_IMPORT: Record<Layer, readonly Layer[]> = {
  base: ["base"],
  keys: ["base", "keys"],
  x509: ["base", "keys", "x509"],
  ca: ["base", "keys", "x509", "ca"],
  serve: ["base", "keys", "x509", "ca", "serve"],
  trust: ["base", "keys", "x509", "ca", "serve", "trust"],
  testing: ["base", "keys", "x509", "ca", "serve", "trust", "testing"],
  cli: ["base", "keys", "x509", "ca", "serve", "trust", "testing", "cli"],
  entry: ["base", "keys", "x509", "ca", "serve", "trust", "testing", "cli", "entry"],
};

/** Runtime modules: only the runtime adapters use them (and the CLI its argument parser). */
function runtimeModuleAllowed(file: string, specifier: string): boolean {
  if (file.startsWith("src/serve/runtime/")) return true;
  if (file === "src/cli/args.ts" && specifier === "node:util") return true;
  return false;
}

/** Every forbidden arrow of the source tree, as a sentence. */
export function forbiddenArrows(files: Map<string, string>): string[] {
  const problems: string[] = [];
  for (const [file, code] of files) {
    const from = layerOf(file);
    for (const a of arrowsOf(file, code)) {
      const where = `${file} imports "${a.specifier}"`;
      if (a.specifier.startsWith(".")) {
        const to = layerOf(a.to);
        if (!MAY_IMPORT[from].includes(to)) {
          problems.push(`${where}: the ${from} layer may not import the ${to} layer`);
        }
        if (
          from === "trust" && to === "serve" &&
          ![
            "src/serve/runtime/types.ts",
            "src/serve/runtime/mod.ts",
            "src/serve/runtime/connections.ts",
          ]
            .includes(a.to)
        ) {
          problems.push(`${where}: trust/ reaches serve/ only through its runtime interface`);
        }
        if (
          file.startsWith("src/cli/commands/") && a.to.startsWith("src/cli/commands/")
        ) {
          problems.push(`${where}: CLI commands never import each other; move what they share`);
        }
        if (file.startsWith("src/") && a.to === "mod.ts") {
          problems.push(`${where}: nothing in src/ imports the package entry`);
        }
        if (from === "entry" && a.to.startsWith("src/_internal/") && /^\s*export/m.test(code)) {
          const reexport = new RegExp(
            `^\\s*export\\b[^;]*?from\\s*["']${
              a.specifier.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
            }["']`,
            "m",
          );
          if (reexport.test(stripComments(code))) {
            problems.push(`${where}: _internal/ is never re-exported`);
          }
        }
      } else if (a.specifier.startsWith("node:") || a.specifier.startsWith("npm:node")) {
        if (!runtimeModuleAllowed(file, a.specifier)) {
          problems.push(`${where}: only src/serve/runtime/ touches the runtime`);
        }
      } else if (/^(npm:)?pkijs\b/.test(a.specifier)) {
        if (from !== "x509") problems.push(`${where}: pkijs is used only in src/x509/`);
      } else if (/^(npm:)?asn1js\b/.test(a.specifier)) {
        if (from === "base" || from === "keys") {
          problems.push(`${where}: base and keys read with _internal/der.ts, never asn1js`);
        }
      }
    }
    if (!file.startsWith("src/serve/runtime/") && file.startsWith("src/")) {
      const code2 = stripComments(code).replace(/(["'`])(?:\\.|(?!\1).)*\1/g, '""');
      if (/\bDeno\.|\bprocess\.(env|argv|exit|stdout|stderr|cwd)\b/.test(code2)) {
        problems.push(
          `${file} uses Deno.* or process.*: only src/serve/runtime/ touches the runtime`,
        );
      }
    }
  }
  return problems;
}

/**
 * Arrows that exist today and are being removed (none since the one certificate model, issue 8,
 * took pkijs out of the CA and the CLI). This list only shrinks; an arrow not on it fails.
 */
const BEING_REMOVED: readonly string[] = [];

const NPM = "npm:";

describe("layers: the import graph of src/", () => {
  it("has no forbidden arrow", async () => {
    const root = await repoRoot();
    const files = new Map<string, string>();
    for (const f of [...await sourceFiles(root, "src"), "mod.ts"]) {
      files.set(f, await readFile(new URL(f, root), "utf8"));
    }
    try {
      files.set("cli.ts", await readFile(new URL("cli.ts", root), "utf8"));
    } catch {
      // no cli.ts entry
    }
    const problems = forbiddenArrows(files).filter((p) => !BEING_REMOVED.includes(p));
    assert.deepEqual(problems, [], problems.join("\n"));
  });

  it("catches each kind of forbidden arrow (the rules bite)", () => {
    const files = new Map<string, string>([
      // (the specifier is built, so that the npm build's rewrite of npm: imports leaves it alone)
      [
        "src/keys/a.ts",
        `import * as pkijs from "${NPM}pkijs@^4.0.0";\nimport { x } from "../x509/b.ts";`,
      ],
      ["src/x509/b.ts", 'import { y } from "../ca/c.ts";'],
      ["src/ca/c.ts", 'import { readFile } from "node:fs/promises";'],
      ["src/cli/commands/d.ts", 'export { e } from "./e.ts";'],
      ["src/serve/f.ts", 'const g = await import("../cli/main.ts");'],
      ["mod.ts", 'export { toBytes } from "./src/_internal/bytes.ts";'],
      ["src/x509/h.ts", "const env = Deno.env.get('X');"],
      ["src/keys/i.ts", `import * as asn1js from "${NPM}asn1js@^4.0.0";`],
      // allowed: comments, type-free base imports, runtime code in the adapters
      ["src/x509/ok.ts", '// import "../cli/main.ts"\nimport { z } from "../keys/a.ts";'],
      ["src/serve/runtime/node.ts", 'import { createServer } from "node:http2";'],
    ]);
    const problems = forbiddenArrows(files);
    const expected = [
      /src\/keys\/a\.ts imports "npm:pkijs@\^4\.0\.0"/,
      /src\/keys\/a\.ts imports "\.\.\/x509\/b\.ts": the keys layer may not import the x509/,
      /src\/x509\/b\.ts .* the x509 layer may not import the ca layer/,
      /src\/ca\/c\.ts imports "node:fs\/promises"/,
      /src\/cli\/commands\/d\.ts .* never import each other/,
      /src\/serve\/f\.ts .* the serve layer may not import the cli layer/,
      /mod\.ts .* _internal\/ is never re-exported/,
      /src\/x509\/h\.ts uses Deno/,
      /src\/keys\/i\.ts imports "npm:asn1js@\^4\.0\.0": base and keys read with _internal\/der\.ts/,
    ];
    for (const re of expected) {
      assert.ok(
        problems.some((p) => re.test(p)),
        `no problem matches ${re}:\n${problems.join("\n")}`,
      );
    }
    assert.equal(problems.length, expected.length, problems.join("\n"));
  });
});
