/**
 * Examples that cannot lie: every `@example` in the source either asserts (`assert…(` from
 * node:assert) and is run by `deno test --doc` in npm test, or is marked `ignore` and says why
 * in a first line `// Not run: <reason>` (a server that keeps running, a prompt, a file of the
 * reader's). An example that only prints is a defect.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { repoRoot, sourceFiles } from "./helpers.ts";

/** One fenced example of a JSDoc comment. */
export interface Example {
  /** Where: `file:line` of the opening fence. */
  where: string;
  /** The fence's info string (`ts`, `ts ignore`). */
  info: string;
  /** The code, without the leading ` * `. */
  code: string;
}

/** The fenced code blocks that follow an `@example` tag in the JSDoc comments of `text`. */
export function examplesOf(file: string, text: string): Example[] {
  const out: Example[] = [];
  const lines = text.split("\n");
  let inExample = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/^\s*\*\s?/, "");
    if (/^\s*\/\*\*/.test(lines[i]) || /\*\/\s*$/.test(lines[i])) {
      if (/\*\/\s*$/.test(lines[i])) inExample = false;
    }
    if (/^@example\b/.test(line)) inExample = true;
    else if (/^@\w/.test(line)) inExample = false;
    const fence = /^```(.*)$/.exec(line);
    if (inExample && fence && fence[1] !== "") {
      const start = i + 1;
      const code: string[] = [];
      for (i++; i < lines.length; i++) {
        const l = lines[i].replace(/^\s*\*\s?/, "");
        if (/^```\s*$/.test(l)) break;
        code.push(l);
      }
      out.push({ where: `${file}:${start}`, info: fence[1].trim(), code: code.join("\n") });
    }
  }
  return out;
}

/** What is wrong with an example, or null. */
export function exampleProblem(example: Example): string | null {
  if (/\bignore\b/.test(example.info)) {
    return /^\s*\/\/ Not run: \S/m.test(example.code)
      ? null
      : `${example.where}: an ignored example must say why in a line "// Not run: <reason>"`;
  }
  return /\bassert(\.\w+)?\(/.test(example.code)
    ? null
    : `${example.where}: the example asserts nothing (import assert from "node:assert/strict")`;
}

describe("examples: every @example asserts, or says why it is not run", () => {
  it("holds for mod.ts, cli.ts and src/", async () => {
    const root = await repoRoot();
    const problems: string[] = [];
    let count = 0;
    for (const file of [...await sourceFiles(root, "src"), "mod.ts", "cli.ts"]) {
      const text = await readFile(new URL(file, root), "utf8");
      for (const example of examplesOf(file, text)) {
        count++;
        const problem = exampleProblem(example);
        if (problem) problems.push(problem);
      }
    }
    assert.ok(count > 50, `only ${count} examples found: the reader is broken`);
    assert.deepEqual(problems, [], `${problems.length} of ${count}:\n${problems.join("\n")}`);
  });

  it("tells an asserting example from one that only prints", () => {
    const text = [
      "/**",
      " * @example Good",
      " * ```ts",
      ' * import assert from "node:assert/strict";',
      " * assert.equal(1 + 1, 2);",
      " * ```",
      " * @example Bad",
      " * ```ts",
      " * console.log(1 + 1); // 2",
      " * ```",
      " * @example Ignored with a reason",
      " * ```ts ignore",
      " * // Not run: it starts a server that runs until Ctrl-C.",
      " * ```",
      " * @example Ignored without one",
      " * ```ts ignore",
      " * serve();",
      " * ```",
      " */",
    ].join("\n");
    const problems = examplesOf("x.ts", text).map(exampleProblem);
    assert.equal(problems.length, 4);
    assert.equal(problems[0], null);
    assert.match(problems[1]!, /x\.ts:8: the example asserts nothing/);
    assert.equal(problems[2], null);
    assert.match(problems[3]!, /x\.ts:16: an ignored example must say why/);
  });
});
