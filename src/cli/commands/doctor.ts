/**
 * `tlsmith doctor`: ask every client on this machine whether it trusts the local CA.
 *
 * @module
 */

import { checkTrustOn } from "../../trust/doctor.ts";
import { trustEnvOn } from "../../trust/env.ts";
import { type ClientCheck, DOCTOR_CLIENTS, envChanges } from "../../trust/mod.ts";
import { type CliContext, dirArgument, parseCommandArgs, usageError } from "../args.ts";
import { loadStoredCa } from "../local_ca.ts";
import { absoluteCaStore } from "../../trust/ca.ts";
import { incomplete, leavesInUse } from "../trust_output.ts";

/** Help of `tlsmith doctor`. */
export const help = `Usage: tlsmith doctor [--dir DIR] [--client NAME]... [--cert FILE]... [--json]

Start a throw-away HTTPS server on 127.0.0.1 with a certificate from the local
CA, and ask every client present on this machine whether it trusts it: curl,
openssl, Node (fetch and https), Deno, Bun, Python (urllib, and requests when
installed), Java, each NSS database (Chromium, Firefox profiles; with NSS's
vfychain) and headless Chromium. Prints a table: client, trusts, why, and the
fix. Node, Deno, Bun and requests are asked again with \`tlsmith env\`'s
variables, so the fix shown for them is one that was seen to work.

Options:
  --dir DIR               The CA directory (default $TLSMITH_CA_DIR or the user data directory)
  --client NAME           Only this client (repeatable): ${DOCTOR_CLIENTS.join(", ")}
  --cert FILE             A certificate in use, checked for expiry (repeatable; those the
                          CA issued in the current directory are checked anyway)
  --passphrase-file FILE  Pass phrase of an encrypted CA key
  --json                  Print the result as JSON

Exit code: 0 when every client present trusts the CA, 1 when one does not.

Examples:
  tlsmith doctor
  tlsmith doctor --client curl --client node --json`;

function row(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i < cells.length - 1 ? c.padEnd(widths[i]) : c)).join("  ").trimEnd();
}

/**
 * The doctor's table: client, trusts, why, and the fix on a line of its own.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { doctorTable } from "./doctor.ts";
 * const lines = doctorTable([{ client: "curl", trusts: false, why: "refused", fix: "run \`tlsmith trust\`" }]);
 * assert.equal(lines[0], "client  trusts  why");
 * assert.equal(lines[1], "curl    NO      refused");
 * assert.equal(lines[2], "                fix: run \`tlsmith trust\`");
 * ```
 */
export function doctorTable(clients: readonly ClientCheck[]): string[] {
  const answer = (
    c: ClientCheck,
  ) => (c.trusts === true ? "yes" : c.trusts === false ? "NO" : "ERROR");
  const widths = [
    Math.max("client".length, ...clients.map((c) => c.client.length)),
    "trusts".length,
  ];
  const lines = [row(["client", "trusts", "why"], widths)];
  for (const c of clients) {
    lines.push(row([c.client, answer(c), c.why], widths));
    if (c.fix) lines.push(`${" ".repeat(widths[0] + widths[1] + 4)}fix: ${c.fix}`);
  }
  return lines;
}

/**
 * Run `tlsmith doctor`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../../serve/runtime/mod.ts";
 * import { withTempDir } from "../../trust/util.ts";
 * import { caStore, createStoredCa } from "../../ca/store.ts";
 * import { run } from "./doctor.ts";
 * const runtime = await getRuntime();
 * await withTempDir(runtime, "tlsmith-ca-", async (dir) => {
 *   await createStoredCa(runtime, caStore(runtime, dir), {}); // a new CA that nothing trusts
 *   const out: string[] = [];
 *   const ctx = { runtime, print: (line: string) => out.push(line), printError: () => {} };
 *   // tlsmith doctor --client curl: a real server with a certificate of the CA, asked by curl
 *   await assert.rejects(run(ctx, ["--dir", dir, "--client", "curl"]), {
 *     code: "TRUST_INCOMPLETE",
 *     message: "1 client does not trust the local CA: curl. See the fixes above.",
 *   });
 *   assert.match(out[2], /^client +trusts +why$/);
 *   assert.match(out[3], /^curl +NO +refused the certificate/);
 *   assert.match(out[4], /fix: run `tlsmith trust --dir /);
 * });
 * ```
 */
export async function run(ctx: CliContext, argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    dir: { type: "string" },
    client: { type: "string", multiple: true },
    cert: { type: "string", multiple: true },
    "passphrase-file": { type: "string" },
    json: { type: "boolean" },
  });
  for (const c of values.client ?? []) {
    if (!DOCTOR_CLIENTS.includes(c)) {
      throw usageError(`--client takes one of ${DOCTOR_CLIENTS.join(", ")}, not "${c}"`);
    }
  }
  const { ca } = await loadStoredCa(ctx, {
    dir: values.dir,
    passphraseFile: values["passphrase-file"],
  });
  const fixEnv = await trustEnvOn(ctx.runtime, { dir: values.dir })
    .then((env) => (env.untrusted ? undefined : envChanges(env)))
    .catch(() => undefined);
  const report = await checkTrustOn(ctx.runtime, {
    ca,
    caFile: (await absoluteCaStore(ctx.runtime, values.dir)).certFile,
    fixEnv,
    clients: values.client,
    leaves: await leavesInUse(ctx, values.dir, values.cert ?? []),
    dirArgument: dirArgument(values.dir) || undefined,
  });
  if (values.json) ctx.print(JSON.stringify(report, null, 2));
  else {
    ctx.print(`Asked every client for ${report.url} (certificate from ${report.ca}):`);
    ctx.print("");
    for (const line of doctorTable(report.clients)) ctx.print(line);
    if (report.missing.length) ctx.print(`\nnot found: ${report.missing.join(", ")}`);
  }
  for (const w of report.warnings) ctx.printError(`warning: ${w}`);
  if (!report.ok) {
    const bad = report.clients.filter((c) => c.trusts !== true).map((c) => c.client);
    throw incomplete(
      `${bad.length} client${bad.length === 1 ? " does" : "s do"} not trust the local CA: ${
        bad.join(", ")
      }. See the fixes above.`,
    );
  }
  return 0;
}
