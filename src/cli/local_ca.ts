/**
 * The local CA as the CLI uses it (`cert`, `sign`, `verify`; `serve --cert=local` goes through `serve()`): find it,
 * create it on first use, and unlock an encrypted key with the pass-phrase prompt.
 *
 * @module
 */

import { TlsmithError } from "../errors.ts";
import type { CertificateAuthority } from "../ca/authority.ts";
import {
  type CaStore,
  caStore,
  createStoredCa,
  loadStoredCa as loadFromFiles,
  readStoredCa,
} from "../ca/store.ts";
import type { CliContext } from "./args.ts";
import { withPassphrase } from "./passphrase.ts";

/** Options of {@linkcode loadStoredCa}. */
export interface LoadStoredCaOptions {
  /** The CA directory (default: the store's default directory). */
  dir?: string;
  /** Create the CA when the directory has none (printing where to stderr). */
  create?: boolean;
  /** `--passphrase-file` for an encrypted CA key. */
  passphraseFile?: string;
}

/**
 * Load the CA from its store. A missing CA is `CA_NOT_FOUND` (or is created with `create`); a
 * certificate without its key (or the reverse) is `CA_NOT_FOUND` naming the missing file, and
 * nothing is written.
 *
 * @example
 * ```ts ignore
 * const { ca, store } = await loadStoredCa(ctx, { create: true });
 * ```
 */
export async function loadStoredCa(
  ctx: CliContext,
  options: LoadStoredCaOptions = {},
): Promise<{ ca: CertificateAuthority; store: CaStore; created: boolean }> {
  const { runtime } = ctx;
  const store = caStore(runtime, options.dir);
  const files = await readStoredCa(runtime, store);
  if (!files) {
    if (!options.create) {
      throw new TlsmithError(
        "CA_NOT_FOUND",
        `no local CA in ${store.dir} (no ca.pem). Create one with \`tlsmith ca init${
          options.dir ? ` --dir ${options.dir}` : ""
        }\`.`,
      );
    }
    try {
      const { ca } = await createStoredCa(runtime, store, {});
      ctx.printError(
        `Created a new local CA in ${store.dir}. Trust ${store.certFile} to trust its certificates.`,
      );
      return { ca, store, created: true };
    } catch (err) {
      // Another tlsmith created it at the same moment: use that one.
      if (!(err instanceof TlsmithError && err.code === "FILE_EXISTS")) throw err;
      return await loadStoredCa(ctx, { ...options, create: false });
    }
  }
  const ca = files.encrypted
    ? await withPassphrase(
      runtime,
      { passphraseFile: options.passphraseFile, purpose: `to decrypt the CA key ${store.keyFile}` },
      (passphrase) => loadFromFiles(store, files, passphrase),
    )
    : await loadFromFiles(store, files);
  return { ca, store, created: false };
}
