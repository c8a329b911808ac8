/**
 * `tlsmith trust`: install the local CA into every trust store of this machine.
 *
 * @module
 */

import { installTrustOn } from "../../trust/install.ts";
import { type CliContext, dirArgument, parseCommandArgs } from "../args.ts";
import { incomplete, leavesInUse, parseKinds, printTrustReport } from "../trust_output.ts";

/** Help of `tlsmith trust`. */
export const help =
  `Usage: tlsmith trust [--dir DIR] [--only KINDS] [--cert FILE]... [--force] [--json]

Install the local CA (ca.pem of the CA directory, created when missing) into
every trust store of this machine, and print what was done, store by store:

  system  Debian/Ubuntu (update-ca-certificates), Fedora/RHEL (update-ca-trust),
          Arch (trust extract-compat), openSUSE; macOS login keychain
          (security add-trusted-cert); Windows user Root store (certutil -user)
  nss     Chromium's ~/.pki/nssdb (created when a Chromium-family browser is
          installed), every Firefox profile (also snap and flatpak); needs
          NSS's certutil
  java    the cacerts of JAVA_HOME and of the keytool/java on PATH

A store that needs root is not half-changed: tlsmith prints the exact commands
to run with sudo. Every change is recorded (trust.json in the CA directory) so
\`tlsmith untrust\` can undo it. Node, Deno, Bun and Python requests ignore
these stores: use \`eval "$(tlsmith env)"\` or \`tlsmith run -- CMD\` for them.

A CA without name constraints could vouch for any web site; trusting one
needs --force.

Options:
  --dir DIR      The CA directory (default $TLSMITH_CA_DIR or the user data directory)
  --only KINDS   Only these stores: system, nss, java (comma-separated)
  --cert FILE    A certificate in use, checked for expiry (repeatable; those the
                 CA issued in the current directory are checked anyway)
  --force        Trust a CA that has no name constraints
  --json         Print the report as JSON

Exit code: 0 when every store trusts the CA, 1 when one still needs root,
failed or is unavailable (the report says what to do).

Examples:
  tlsmith trust
  tlsmith trust --only nss,java
  tlsmith trust --dir ./ca && tlsmith doctor --dir ./ca`;

/**
 * Run `tlsmith trust`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../../serve/runtime/mod.ts";
 * import { withTempDir } from "../../trust/util.ts";
 * import { run } from "./trust.ts";
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
 *   // tlsmith trust --dir ~/ca --only nss: makes the CA, adds it to the profile
 *   assert.equal(await run(ctx, ["--dir", `${home}/ca`, "--only", "nss"]), 0);
 *   assert.equal(out[0], `CA ${home}/ca/ca.pem`);
 *   assert.match(out[3], /^ {2}added +Firefox profile dev\.default /);
 *   const listed = await runtime.run("certutil", ["-L", "-d", `sql:${profile}`]);
 *   assert.match(listed.stdout, /^tlsmith-\S+ +C,,/m); // trusted to issue server certificates
 * });
 * ```
 */
export async function run(ctx: CliContext, argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    dir: { type: "string" },
    only: { type: "string", multiple: true },
    cert: { type: "string", multiple: true },
    force: { type: "boolean" },
    json: { type: "boolean" },
  });
  const kinds = parseKinds(values.only);
  const report = await installTrustOn(ctx.runtime, {
    dir: values.dir,
    force: values.force,
    kinds,
    leaves: await leavesInUse(ctx, values.dir, values.cert ?? []),
  });
  const dir = dirArgument(values.dir);
  const tail = dir ? ` ${dir}` : "";
  if (values.json) ctx.print(JSON.stringify(report, null, 2));
  else {
    printTrustReport(ctx, report);
    ctx.print(
      `Node, Deno, Bun and Python requests read no store: run \`eval "$(tlsmith env${tail})"\` or \`tlsmith run${tail} -- CMD\`.`,
    );
    ctx.print(
      `Check every client with \`tlsmith doctor${tail}\`; undo with \`tlsmith untrust${tail}\`.`,
    );
  }
  if (!report.complete) {
    const open = report.outcomes.filter((o) =>
      o.action !== "added" && o.action !== "already-trusted"
    );
    throw incomplete(
      `${open.length} store${open.length === 1 ? " does" : "s do"} not trust the CA yet (${
        open.map((o) => o.store.name).join(", ")
      }): do what the report says, then run \`tlsmith trust${tail}\` again.`,
    );
  }
  return 0;
}
