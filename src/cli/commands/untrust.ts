/**
 * `tlsmith untrust`: remove the local CA from every trust store it is in.
 *
 * @module
 */

import { uninstallTrustOn } from "../../trust/install.ts";
import { type CliContext, dirArgument, parseCommandArgs } from "../args.ts";
import { incomplete, parseKinds, printTrustReport } from "../trust_output.ts";

/** Help of `tlsmith untrust`. */
export const help = `Usage: tlsmith untrust [--dir DIR] [--only KINDS] [--json]

Remove the local CA from every trust store \`tlsmith trust\` added it to (as
recorded in trust.json of the CA directory) and every store it is found in,
then check that no store still trusts it. Only entries whose certificate is
byte-identical to the CA are removed; nothing else in any store is touched.
The CA itself stays in its directory.

Options:
  --dir DIR      The CA directory (default $TLSMITH_CA_DIR or the user data directory)
  --only KINDS   Only these stores: system, nss, java (comma-separated)
  --json         Print the report as JSON

Exit code: 0 when no store trusts the CA any more, 1 otherwise (the report
says what to do, e.g. the commands to run with sudo).

Examples:
  tlsmith untrust
  tlsmith untrust --dir ./ca`;

/**
 * Run `tlsmith untrust`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../../serve/runtime/mod.ts";
 * import { withTempDir } from "../../trust/util.ts";
 * import { run as trust } from "./trust.ts";
 * import { run } from "./untrust.ts";
 * // A sandbox: a home of its own with a Firefox profile (an NSS database made by certutil),
 * // seen as macOS, where every NSS database is in the home.
 * const runtime = await getRuntime();
 * await withTempDir(runtime, "tlsmith-home-", async (home) => {
 *   const profile = `${home}/Library/Application Support/Firefox/Profiles/dev.default`;
 *   await runtime.mkdir(profile);
 *   await runtime.run("certutil", ["-N", "-d", `sql:${profile}`, "--empty-password"]);
 *   const sandbox = { ...runtime, platform: () => "darwin", homeDir: () => home, cwd: () => home };
 *   const out: string[] = [];
 *   const print = (line: string) => out.push(line);
 *   const ctx = { runtime: sandbox, print, printError: () => {} };
 *   const argv = ["--dir", `${home}/ca`, "--only", "nss"];
 *   assert.equal(await trust(ctx, argv), 0);
 *   out.length = 0;
 *   assert.equal(await run(ctx, argv), 0); // tlsmith untrust --dir ~/ca --only nss
 *   assert.match(out[3], /^ {2}removed +Firefox profile dev\.default /);
 *   assert.equal(out.at(-1), "No trust store holds the CA any more.");
 *   const listed = await runtime.run("certutil", ["-L", "-d", `sql:${profile}`]);
 *   assert.doesNotMatch(listed.stdout, /tlsmith-/);
 * });
 * ```
 */
export async function run(ctx: CliContext, argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    dir: { type: "string" },
    only: { type: "string", multiple: true },
    json: { type: "boolean" },
  });
  const report = await uninstallTrustOn(ctx.runtime, {
    dir: values.dir,
    kinds: parseKinds(values.only),
  });
  if (values.json) ctx.print(JSON.stringify(report, null, 2));
  else {
    printTrustReport(ctx, report);
    if (report.stillTrusted.length) {
      ctx.print(
        `Still trusted by: ${
          report.stillTrusted.map((s) => `${s.name} (${s.location})`).join(", ")
        }`,
      );
    } else ctx.print("No trust store holds the CA any more.");
  }
  if (!report.complete) {
    const tail = values.dir === undefined ? "" : ` ${dirArgument(values.dir)}`;
    throw incomplete(
      `the CA is not removed everywhere yet: do what the report says, then run \`tlsmith untrust${tail}\` again.`,
    );
  }
  return 0;
}
