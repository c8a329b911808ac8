/**
 * The local CA as the CLI uses it (`cert`, `sign`, `doctor`; `serve --cert=local` goes through
 * `serve()`): find it, finish a write an interrupted run left half-done (saying so), make it on
 * first use, and unlock an encrypted key with the pass-phrase prompt.
 *
 * @module
 */

import type { CertificateAuthority } from "../ca/authority.ts";
import { TlsmithError } from "../errors.ts";
import {
  type CaStore,
  caStore,
  loadStoredCa as loadFromFiles,
  openStoredCa,
  recoverCaStore,
} from "../ca/store.ts";
import type { CliContext } from "./args.ts";
import { withPassphrase } from "./passphrase.ts";
import { dirArgument } from "./args.ts";

/** Options of {@linkcode loadStoredCa}. */
export interface LoadStoredCaOptions {
  /** The CA directory (default: the store's default directory). */
  dir?: string;
  /**
   * Make the CA when the directory has none: in memory, written by `save()` (which prints where
   * to standard error), so the caller can check its work first.
   */
  create?: boolean;
  /** `--passphrase-file` for an encrypted CA key. */
  passphraseFile?: string;
}

/** What {@linkcode loadStoredCa} found or made. */
export interface LocalCa {
  /** The CA. */
  ca: CertificateAuthority;
  /** Its store. */
  store: CaStore;
  /** True when it was made now. */
  created: boolean;
  /** Write a CA made now (printing where); resolves to the CA that is stored. */
  save(): Promise<CertificateAuthority>;
}

/**
 * The error with `--dir DIR` added to every CA command it suggests (\`tlsmith ca init\`,
 * \`tlsmith trust\`, …): the library layers that word those messages do not know which
 * directory the user named, and following a suggestion without it would make or use a second CA
 * in the default place. Anything but a {@linkcode TlsmithError} passes through.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TlsmithError } from "../errors.ts";
 * import { carryCaDir } from "./local_ca.ts";
 * const err = carryCaDir(new TlsmithError("CA_EXPIRED", "Create one with `tlsmith ca init --force`."), "./ca");
 * assert.equal((err as Error).message, "Create one with `tlsmith ca init --dir ./ca --force`.");
 * ```
 *
 * @param err what was thrown
 * @param dir the CA directory the user gave (`--dir`, `--ca-dir`), if any
 */
export function carryCaDir(err: unknown, dir: string | undefined): unknown {
  if (dir === undefined || !(err instanceof TlsmithError)) return err;
  const message = err.message.replace(
    /`tlsmith (ca init|ca show|trust|untrust|doctor|env)\b(?! --dir)/g,
    `\`tlsmith $1 ${dirArgument(dir).replaceAll("$", "$$$$")}`,
  );
  if (message === err.message) return err;
  const copy = new TlsmithError(err.code, message, { cause: err.cause ?? err });
  return copy;
}

/**
 * Load the CA from its store. A missing CA is `CA_NOT_FOUND` (or is made with `create`); a
 * half-written one is `CA_NOT_FOUND` saying how to recover, and nothing is written.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRuntime } from "../serve/runtime/mod.ts";
 * import { withTempDir } from "../trust/util.ts";
 * import { loadStoredCa } from "./local_ca.ts";
 * const runtime = await getRuntime();
 * await withTempDir(runtime, "tlsmith-ca-", async (dir) => {
 *   const said: string[] = [];
 *   const ctx = { runtime, print: () => {}, printError: (line: string) => said.push(line) };
 *   await assert.rejects(loadStoredCa(ctx, { dir }), {
 *     code: "CA_NOT_FOUND",
 *     message: /Create one with `tlsmith ca init --dir \S+`/, // the --dir it was given
 *   });
 *   const local = await loadStoredCa(ctx, { dir, create: true });
 *   await local.ca.issue(["localhost"]); // names checked before the CA is written
 *   await local.save();
 *   assert.match(said[0], /^Created a new local CA in /);
 *   assert.equal((await loadStoredCa(ctx, { dir })).ca.certPem, local.ca.certPem);
 * });
 * ```
 */
export async function loadStoredCa(
  ctx: CliContext,
  options: LoadStoredCaOptions = {},
): Promise<LocalCa> {
  const { runtime } = ctx;
  const store = caStore(runtime, options.dir);
  const dirFlag = options.dir === undefined ? "" : ` ${dirArgument(options.dir)}`;
  const note = await recoverCaStore(runtime, store);
  if (note) ctx.printError(note);
  let opened;
  try {
    opened = await openStoredCa(runtime, store, {
      create: options.create,
      missing:
        `no local CA in ${store.dir} (no ca.pem). Create one with \`tlsmith ca init${dirFlag}\`.`,
      unlock: (files) =>
        files.encrypted
          ? withPassphrase(
            runtime,
            {
              passphraseFile: options.passphraseFile,
              purpose: `to decrypt the CA key ${store.keyFile}`,
            },
            (passphrase) => loadFromFiles(store, files, passphrase),
          )
          : loadFromFiles(store, files),
    });
  } catch (err) {
    throw carryCaDir(err, options.dir);
  }
  let saved: Promise<CertificateAuthority> | undefined;
  return {
    ca: opened.ca,
    store,
    created: opened.created,
    save: () => {
      saved ??= opened.save().then((ca) => {
        if (opened.created && ca === opened.ca) {
          ctx.printError(
            `Created a new local CA in ${store.dir}. Trust ${store.certFile} to trust its ` +
              `certificates (\`tlsmith trust${dirFlag}\` does it for this machine).`,
          );
        }
        return ca;
      });
      return saved;
    },
  };
}
