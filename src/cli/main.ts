/**
 * The tlsmith command line: `tlsmith <command> [options]`.
 *
 * Adding a command takes two steps:
 *
 * 1. Write `src/cli/commands/<name>.ts` exporting a {@linkcode CommandModule}'s
 *    two members: `export const help = "Usage: tlsmith <group> …"` and
 *    `export async function run(ctx: CliContext, argv: string[]): Promise<number>`.
 *    Parse `argv` with `parseCommandArgs` (args.ts): mistakes become `BAD_USAGE`.
 *    Throw a `TlsmithError` for every failure; never print stacks or exit yourself.
 * 2. Add ONE line to {@linkcode COMMANDS} below:
 *    `{ name: "<name>", group: "tools", summary: "<one line>",
 *    load: () => import("./commands/<name>.ts") },`
 *
 * main.ts handles `tlsmith --help`, `tlsmith <cmd> --help` / `-h` (prints your `help`),
 * `tlsmith --version`, unknown commands, and turns thrown errors into
 * `tlsmith: <message>` on standard error with exit code 1 (2 for `BAD_USAGE`,
 * with a `Run "tlsmith <cmd> --help" for usage.` hint). Command modules are
 * loaded lazily, so a command's dependencies cost nothing to the others.
 *
 * @module
 */

import { TlsmithError } from "../errors.ts";
import { getRuntime } from "../serve/runtime/mod.ts";
import type { Runtime } from "../serve/runtime/types.ts";
import { VERSION } from "../_internal/version.ts";
import type { CliContext, CommandModule } from "./args.ts";
import { ExitCode, reportError } from "./output.ts";

export type { CliContext, CommandModule } from "./args.ts";

/**
 * The headings of `tlsmith --help`: the everyday commands first, then the local CA and trust
 * stores, then the openssl-style file tools.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { COMMAND_GROUPS } from "./main.ts";
 * assert.equal(COMMAND_GROUPS[0].name, "everyday");
 * ```
 */
export const COMMAND_GROUPS = [
  { name: "everyday", heading: "Everyday commands:" },
  { name: "ca", heading: "The local CA and trust stores:" },
  { name: "tools", heading: "Certificate and key files (openssl-style tools):" },
] as const;

/** The name of one of {@linkcode COMMAND_GROUPS}. */
export type CommandGroup = typeof COMMAND_GROUPS[number]["name"];

/**
 * One row of the command table: name and summary for `tlsmith --help`, and a
 * lazy loader of the command's module.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { CommandEntry } from "./main.ts";
 * const entry: CommandEntry = {
 *   name: "serve",
 *   group: "everyday",
 *   summary: "Serve a directory over HTTPS",
 *   load: () => import("./commands/serve.ts"),
 * };
 * const command = await entry.load(); // loaded when used, not before
 * assert.match(command.help, /^Usage: tlsmith serve/);
 * ```
 */
export interface CommandEntry {
  /** The word after `tlsmith`. */
  name: string;
  /** The heading it is listed under in `tlsmith --help`. */
  group: CommandGroup;
  /** One line for `tlsmith --help`. */
  summary: string;
  /** Import the command's module (lazily, on use). */
  load(): Promise<CommandModule>;
  /**
   * It usually makes a new P-256 key (an adhoc or issued certificate's): the
   * key is generated while the command's code loads (see `prepareKeyPair`).
   */
  makesKey?: true;
}

/**
 * The commands, in the order `tlsmith --help` lists them. Add one line per command.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { COMMANDS } from "./main.ts";
 * assert.ok(COMMANDS.map((c) => c.name).includes("serve"));
 * ```
 */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: "serve",
    group: "everyday",
    summary: "Serve a directory over HTTPS with an adhoc certificate or yours",
    load: () => import("./commands/serve.ts"),
    makesKey: true,
  },
  {
    name: "cert",
    group: "everyday",
    summary: "Issue a certificate and key from the local CA (or --self-signed)",
    load: () => import("./commands/cert.ts"),
    makesKey: true,
  },
  {
    name: "trust",
    group: "everyday",
    summary: "Install the local CA into the system, browser (NSS) and Java trust stores",
    load: () => import("./commands/trust.ts"),
  },
  {
    name: "proxy",
    group: "everyday",
    summary: "HTTPS in front of a dev server on this machine (WebSockets, hot reload)",
    load: () => import("./commands/proxy.ts"),
    makesKey: true,
  },
  {
    name: "ca",
    group: "ca",
    summary: "Create or show the local certificate authority",
    load: () => import("./commands/ca.ts"),
  },
  {
    name: "untrust",
    group: "ca",
    summary: "Remove the local CA from every trust store it is in",
    load: () => import("./commands/untrust.ts"),
  },
  {
    name: "doctor",
    group: "ca",
    summary: "Ask every client on this machine whether it trusts the local CA",
    load: () => import("./commands/doctor.ts"),
  },
  {
    name: "env",
    group: "ca",
    summary: "Print the environment that makes Node, Deno, Bun and Python trust the CA",
    load: () => import("./commands/env.ts"),
  },
  {
    name: "run",
    group: "ca",
    summary: "Run a command with that environment set",
    load: () => import("./commands/run.ts"),
  },
  {
    name: "key",
    group: "tools",
    summary: "Generate, encrypt, decrypt and convert private keys",
    load: () => import("./commands/key.ts"),
  },
  {
    name: "p12",
    group: "tools",
    summary: "Export and import PKCS#12 (.p12/.pfx) files",
    load: () => import("./commands/p12.ts"),
  },
  {
    name: "csr",
    group: "tools",
    summary: "Create a certificate signing request for a key",
    load: () => import("./commands/csr.ts"),
  },
  {
    name: "sign",
    group: "tools",
    summary: "Sign a CSR with the local CA",
    load: () => import("./commands/sign.ts"),
  },
  {
    name: "inspect",
    group: "tools",
    summary: "Show what a certificate, chain, CSR or key file holds",
    load: () => import("./commands/inspect.ts"),
  },
  {
    name: "verify",
    group: "tools",
    summary: "Verify a certificate chain (and host) against a CA",
    load: () => import("./commands/verify.ts"),
  },
  {
    name: "fingerprint",
    group: "tools",
    summary: "Print SHA-256 fingerprints of certificates and keys",
    load: () => import("./commands/fingerprint.ts"),
  },
];

/** The top-level help text. */
function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const sections = COMMAND_GROUPS.flatMap((group) => [
    group.heading,
    ...COMMANDS.filter((c) => c.group === group.name).map((c) =>
      `  ${c.name.padEnd(width)}  ${c.summary}`
    ),
    "",
  ]);
  return [
    `tlsmith ${VERSION} - local and test HTTPS in one line, on Deno and Node`,
    "",
    "Usage: tlsmith <command> [options]",
    "",
    ...sections,
    "Options:",
    "  -h, --help     Show this help; `tlsmith <command> --help` shows a command's options",
    "  -V, --version  Print the version",
    "",
    "Examples:",
    "  tlsmith serve                      Serve the current directory on https://localhost:8443/",
    "  tlsmith cert localhost 127.0.0.1   A certificate from the local CA (made on first use)",
    "  tlsmith trust                      Make this machine's browsers and tools trust that CA",
    "  tlsmith cert --self-signed localhost --out-cert cert.pem --out-key key.pem",
    "  tlsmith serve --cert cert.pem --key key.pem --port 0",
    "",
    "Exit codes: 0 success, 1 failure (the message says why), 2 a mistake on the command line.",
    "Environment: TLSMITH_DEBUG=1 adds a stack trace to every error message.",
  ].join("\n");
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

function unknownCommand(name: string): TlsmithError {
  const best = COMMANDS.map((c) => ({ name: c.name, d: distance(name, c.name) }))
    .sort((x, y) => x.d - y.d)[0];
  const hint = best && best.d <= 2 ? ` Did you mean "${best.name}"?` : "";
  return new TlsmithError("BAD_USAGE", `unknown command "${name}".${hint}`);
}

/** True when the arguments (before a `--`) ask for help. */
function wantsHelp(argv: string[]): boolean {
  for (const arg of argv) {
    if (arg === "--") return false;
    if (arg === "--help" || arg === "-h") return true;
  }
  return false;
}

/**
 * Run the tlsmith CLI and resolve to its exit code (0 ok, 1 error, 2 usage).
 *
 * Without `args` it is the process entry point (mod.ts as main module, the npm
 * `bin`): arguments come from the runtime and the process exits with the code.
 * With `args` it only returns the code, so it can be embedded and tested.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { runMain } from "./main.ts";
 * const out: string[] = [];
 * const err: string[] = [];
 * const runtime = {
 *   ...await getRuntime(),
 *   print: (text: string) => out.push(text),
 *   printError: (text: string) => err.push(text),
 * };
 * assert.equal(await runMain(["--version"], runtime), 0);
 * assert.match(out[0], /^tlsmith \d+\.\d+\.\d+/);
 * assert.equal(await runMain(["serv"], runtime), 2); // a usage error
 * assert.deepEqual(err, [
 *   'tlsmith: unknown command "serv". Did you mean "serve"?\n',
 *   'Run "tlsmith --help" for usage.\n',
 * ]);
 * ```
 *
 * @param args the arguments after the program name; default: the process's
 * @param runtime the runtime to use; default: the one tlsmith is running on
 */
export async function runMain(args?: string[], runtime?: Runtime): Promise<number> {
  let rt: Runtime;
  try {
    rt = runtime ?? await getRuntime();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    console.error(`tlsmith: ${message}`);
    return ExitCode.Error;
  }
  const code = await dispatch(args ?? rt.args(), rt);
  if (args === undefined) rt.exit(code);
  return code;
}

async function dispatch(argv: string[], runtime: Runtime): Promise<number> {
  const ctx: CliContext = {
    runtime,
    print: (text) => runtime.print(`${text}\n`),
    printError: (text) => runtime.printError(`${text}\n`),
  };
  const debug = runtime.env("TLSMITH_DEBUG") === "1";
  const [first, ...rest] = argv;
  let command: string | undefined;
  try {
    if (first === undefined) {
      ctx.printError(mainHelp());
      return ExitCode.Usage;
    }
    if (first === "--help" || first === "-h") {
      ctx.print(mainHelp());
      return ExitCode.Ok;
    }
    if (first === "--version" || first === "-V") {
      ctx.print(`tlsmith ${VERSION}`);
      return ExitCode.Ok;
    }
    if (first === "help") {
      if (rest.length === 0) {
        ctx.print(mainHelp());
        return ExitCode.Ok;
      }
      const entry = COMMANDS.find((c) => c.name === rest[0]);
      if (!entry) throw unknownCommand(rest[0]);
      ctx.print((await entry.load()).help);
      return ExitCode.Ok;
    }
    if (first.startsWith("-")) {
      throw new TlsmithError(
        "BAD_USAGE",
        `unknown option ${first} (options go after the command name)`,
      );
    }
    const entry = COMMANDS.find((c) => c.name === first);
    if (!entry) throw unknownCommand(first);
    command = entry.name;
    const help = wantsHelp(rest);
    if (entry.makesKey && !help) (await import("../keys/keys.ts")).prepareKeyPair();
    const mod = await entry.load();
    if (help) {
      ctx.print(mod.help);
      return ExitCode.Ok;
    }
    return await mod.run(ctx, rest);
  } catch (err) {
    return reportError(ctx.printError, err, { command, debug });
  }
}
