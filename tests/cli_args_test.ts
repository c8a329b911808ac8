// The CLI parses its options itself (src/cli/args.ts: importing node:util costs Deno ≈ 15 ms at
// every start). The judge is node:util's own parseArgs, strict, with the same option table:
// every argument list of up to three tokens from a set of awkward ones must give the same
// values and positionals, or fail where parseArgs fails, with tlsmith's wording of its error.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { parseCommandArgs } from "../src/cli/args.ts";
import { TlsmithError } from "../src/errors.ts";

const OPTIONS = {
  out: { type: "string" },
  force: { type: "boolean" },
  host: { type: "string", multiple: true },
  quiet: { type: "boolean", multiple: true },
} as const satisfies ParseArgsOptionsConfig;

const TOKENS = [
  "--out",
  "--out=x",
  "--out=",
  "--out==",
  "--force",
  "--force=1",
  "--host",
  "--host=a",
  "--quiet",
  "--nope",
  "--nope=1",
  "--no-force",
  "--=x",
  "---x",
  "--",
  "-",
  "-x",
  "-ab",
  "-1",
  "p",
  "",
  "a=b",
  "--toString",
  "--__proto__",
];

/** What tlsmith says for the error parseArgs threw (the wording users see, exit code 2). */
function expectedMessage(err: Error & { code?: string }, args: string[]): string {
  const named = err.message.match(/'([^' ]*)/)?.[1] ?? "?";
  switch (err.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown option ${named}`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return /does not take an argument/.test(err.message)
        ? `option ${named} does not take a value`
        : `option ${named} needs a value (write ${named}=VALUE if the value starts with "-")`;
  }
  throw new Error(`parseArgs threw ${err.code} for ${JSON.stringify(args)}: ${err.message}`);
}

function* argLists(): Generator<string[]> {
  yield [];
  for (const a of TOKENS) {
    yield [a];
    for (const b of TOKENS) {
      yield [a, b];
      for (const c of TOKENS) yield [a, b, c];
    }
  }
}

describe("cli: the option parser agrees with node:util parseArgs (strict)", () => {
  it("same values and positionals, or the same failure in tlsmith's words", () => {
    let agreed = 0;
    let failed = 0;
    for (const args of argLists()) {
      let judge: { values: unknown; positionals: string[] } | undefined;
      let judgeError: (Error & { code?: string }) | undefined;
      try {
        judge = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: true });
      } catch (err) {
        judgeError = err as Error;
      }
      let ours: { values: unknown; positionals: string[] } | undefined;
      let ourError: unknown;
      try {
        ours = parseCommandArgs(args, OPTIONS, { max: Infinity });
      } catch (err) {
        ourError = err;
      }
      const what = JSON.stringify(args);
      if (judgeError) {
        assert.ok(ourError instanceof TlsmithError, `${what}: parseArgs failed, tlsmith did not`);
        assert.equal(ourError.code, "BAD_USAGE", what);
        assert.equal(ourError.message, expectedMessage(judgeError, args), what);
        failed++;
      } else {
        assert.equal(
          ourError,
          undefined,
          `${what}: tlsmith failed (${ourError}), parseArgs did not`,
        );
        assert.deepEqual({ ...ours!.values as object }, { ...judge!.values as object }, what);
        assert.deepEqual(ours!.positionals, judge!.positionals, what);
        assert.equal(Object.getPrototypeOf(ours!.values), null, `${what}: values has a prototype`);
        agreed++;
      }
    }
    // Both kinds of outcome were exercised, many times.
    assert.ok(agreed > 1000 && failed > 1000, `agreed ${agreed}, failed ${failed}`);
  });

  it("repeated options: the last value wins, multiple ones collect in order", () => {
    const { values } = parseCommandArgs(
      ["--out", "a", "--out=b", "--host", "h1", "--host=h2", "--quiet", "--quiet"],
      OPTIONS,
    );
    assert.equal(values.out, "b");
    assert.deepEqual(values.host, ["h1", "h2"]);
    assert.deepEqual(values.quiet, [true, true]);
  });
});
