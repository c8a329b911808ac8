/**
 * Derives the npm package's `dependencies` from the `npm:` specifiers the sources import
 * (`import * as pkijs from "npm:pkijs@^4.0.0"`), so there is one list of third-party packages
 * (the imports themselves) and never a second hand-kept one; and turns those specifiers into
 * bare ones for the npm build. Pure: no I/O, no runtime
 * APIs; used by scripts/build_npm.ts and tested by tests/build_test.ts.
 *
 * @module
 */

/** One npm dependency taken from a deno.json import map entry. */
export interface NpmDependency {
  /** Package name, e.g. `pkijs` or `@noble/hashes`. */
  name: string;
  /** Semver range, e.g. `^4.0.0`. */
  range: string;
}

/**
 * Turns one deno.json `imports` entry into an npm dependency. Accepts `npm:name@range`,
 * `npm:@scope/name@range`, an optional subpath, and the directory form
 * `npm:/@scope/name@range/`. Anything else (`jsr:`, `https:`, a path, no range) throws an
 * `Error` naming the entry and saying how to write it.
 *
 * @example
 * ```ts
 * import { npmDependencyOf } from "./npm_dependencies.ts";
 * npmDependencyOf("@noble/hashes/", "npm:/@noble/hashes@^2.0.0/");
 * // → { name: "@noble/hashes", range: "^2.0.0" }
 * ```
 */
export function npmDependencyOf(key: string, specifier: string): NpmDependency {
  if (!specifier.startsWith("npm:")) {
    throw new Error(
      `deno.json imports["${key}"] = "${specifier}" is not an npm: specifier. The npm package ` +
        `can only depend on npm packages: use "npm:<name>@<range>" (no jsr:, https: or paths).`,
    );
  }
  const rest = specifier.slice(4).replace(/^\//, "");
  const m = /^((?:@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*)@([^/\s]+)(\/.*)?$/i.exec(rest);
  if (!m) {
    throw new Error(
      `deno.json imports["${key}"] = "${specifier}": cannot read a package name and version ` +
        `range from it. Write it as "npm:<name>@<range>" (e.g. "npm:pkijs@^4.0.0").`,
    );
  }
  return { name: m[1], range: m[2] };
}

/**
 * The npm `dependencies` derived from a deno.json `imports` map, sorted by name. Throws on a
 * non-npm specifier, or when one package appears with two different ranges.
 *
 * @example
 * ```ts
 * import { dependenciesFrom } from "./npm_dependencies.ts";
 * dependenciesFrom({ pkijs: "npm:pkijs@^4.0.0", "@noble/hashes/": "npm:/@noble/hashes@^2.0.0/" });
 * // → { "@noble/hashes": "^2.0.0", pkijs: "^4.0.0" }
 * ```
 */
export function dependenciesFrom(imports: Record<string, string>): Record<string, string> {
  const deps: Record<string, string> = {};
  for (const [key, specifier] of Object.entries(imports)) {
    if (typeof specifier !== "string") {
      throw new Error(`deno.json imports["${key}"] must be a string, got ${typeof specifier}.`);
    }
    const { name, range } = npmDependencyOf(key, specifier);
    if (deps[name] !== undefined && deps[name] !== range) {
      throw new Error(
        `deno.json imports name ${name} with two ranges (${deps[name]} and ${range}). ` +
          `Use one range for every entry of the same package.`,
      );
    }
    deps[name] = range;
  }
  return Object.fromEntries(
    Object.entries(deps).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0),
  );
}

/** An import or export of `"npm:name@range/sub"`: `from "…"`, `import "…"`, `import("…")`. */
const NPM_SPECIFIER =
  /(\bfrom\s*|\bimport\s*\(?\s*)(["'])(npm:(?:@[\w.-]+\/)?[\w.-]+@[^/"'\s]+(?:\/[^"'\s]*)?)\2/g;

/** Source text without comments (JSDoc examples mention specifiers too). */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
}

/**
 * The `npm:` specifiers a source file imports (comments and other strings ignored).
 *
 * @example
 * ```ts
 * import { npmSpecifiersIn } from "./npm_dependencies.ts";
 * npmSpecifiersIn('import * as asn1js from "npm:asn1js@^4.0.0";'); // ["npm:asn1js@^4.0.0"]
 * ```
 */
export function npmSpecifiersIn(text: string): string[] {
  return [...code(text).matchAll(NPM_SPECIFIER)].map((m) => m[3]);
}

/**
 * Source text with every imported `npm:name@range/sub` specifier made bare (`name/sub`), as the
 * npm build compiles it. Other strings are left alone.
 *
 * @example
 * ```ts
 * import { bareSpecifiers } from "./npm_dependencies.ts";
 * bareSpecifiers('from "npm:@noble/hashes@^2.0.0/sha2.js"'); // 'from "@noble/hashes/sha2.js"'
 * ```
 */
export function bareSpecifiers(text: string): string {
  return text.replace(NPM_SPECIFIER, (_m, lead: string, quote: string, spec: string) => {
    const bare = spec.slice(4).replace(/^((?:@[\w.-]+\/)?[\w.-]+)@[^/]+/, "$1");
    return lead + quote + bare + quote;
  });
}
