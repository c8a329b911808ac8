/**
 * Groups of files written as a unit (a certificate and its key, the CA's `ca.pem` and
 * `ca-key.pem`): every new file is written first under a temporary name, then a journal commits
 * the group, then each file is renamed into place. A run killed at any moment leaves either the
 * old group (the journal never committed: the next run removes the temporary files, which are the
 * only copies of the new keys) or a committed journal that the next run completes. The journal
 * (`.tlsmith-journal` in one directory of the group) is also a lock: one writer per directory.
 *
 * Runtime-free: every file operation goes through a {@linkcode GroupFiles}, which the runtimes
 * implement.
 *
 * @module
 */

import { TlsmithError } from "../errors.ts";

/** What a group write needs of a runtime (the runtimes' `Runtime` has all of it). */
export interface GroupFiles {
  /** The platform, as Node's `process.platform` names it. */
  platform(): string;
  /** Read a whole file (`FILE_NOT_FOUND` when missing). */
  readFile(path: string): Promise<Uint8Array>;
  /** Write atomically; without `overwrite` an existing file is `FILE_EXISTS`. */
  writeFile(
    path: string,
    data: string | Uint8Array,
    options?: { mode?: number; overwrite?: boolean },
  ): Promise<void>;
  /** Rename, replacing the target (same file system). */
  rename(from: string, to: string): Promise<void>;
  /** Remove a file; a missing one is no error. */
  remove(path: string): Promise<void>;
  /** Metadata, or null when the path does not exist. */
  stat(path: string): Promise<{ isFile: boolean; isDirectory: boolean } | null>;
  /** The canonical absolute path, or null when it does not exist. */
  realPath(path: string): Promise<string | null>;
  /** The names in a directory. */
  readDir(path: string): Promise<{ name: string }[]>;
  /** This process's id. */
  pid(): number;
  /** True when a process with this id runs on this machine. */
  processAlive(pid: number): Promise<boolean>;
  /** This machine's host name, or undefined. */
  hostName(): string | undefined;
}

/** One file of a group. */
export interface GroupFile {
  /** Where it goes. */
  path: string;
  /** Its content. */
  data: string | Uint8Array;
  /** Its mode (0o600 for anything holding a private key). */
  mode: number;
  /** Keep an existing file as `PATH.bak` (`PATH.1.bak`, … when taken) before replacing it. */
  backup?: boolean;
}

/** Options of {@linkcode writeFileGroup}. */
export interface WriteGroupOptions {
  /** Replace existing files; without it an existing file is `FILE_EXISTS` and nothing is written. */
  overwrite?: boolean;
  /** The directory that holds the journal (default: the first file's). */
  journalDir?: string;
  /** How long to wait for another writer in the same directory (default 10 000 ms). */
  waitMs?: number;
}

/** What {@linkcode writeFileGroup} did. */
export interface WrittenGroup {
  /** Existing files kept as backups (`backup: true`). */
  backups: { file: string; backup: string }[];
}

/** What {@linkcode recoverFileGroup} found and did. */
export interface GroupRecovery {
  /** `completed`: a committed group was put in place; `discarded`: an unfinished one was removed. */
  action: "completed" | "discarded";
  /** The files of that group. */
  files: string[];
}

/** The journal's file name, in the group's directory. */
export const JOURNAL_NAME = ".tlsmith-journal";

/** A temporary file of a group: `.NAME.tlsmith-PID-RANDOM.new`. */
const TEMP_RE = /^\.(.+)\.tlsmith-\d+-[0-9a-f]+\.new$/;

interface JournalEntry {
  target: string;
  temp: string;
  mode: number;
  backup?: string;
}

interface Journal {
  version: 1;
  state: "prepare" | "commit";
  pid: number;
  host: string;
  time: number;
  files: JournalEntry[];
}

/** A journal older than this whose writer cannot be asked is stale (pid reuse, another host). */
const STALE_MS = 10 * 60 * 1000;

function separator(fs: GroupFiles): string {
  return fs.platform() === "win32" ? "\\" : "/";
}

function join(fs: GroupFiles, dir: string, name: string): string {
  const sep = separator(fs);
  return dir.endsWith("/") || dir.endsWith(sep) ? dir + name : dir + sep + name;
}

function split(path: string): { dir: string; base: string } {
  const i = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  if (i < 0) return { dir: ".", base: path };
  return { dir: i === 0 ? path.slice(0, 1) : path.slice(0, i), base: path.slice(i + 1) };
}

function randomHex(): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(6)),
    (b) => b.toString(16).padStart(2, "0"),
  )
    .join("");
}

function isCode(err: unknown, code: string): boolean {
  return err instanceof TlsmithError && err.code === code;
}

/** The absolute path of `path`, whose directory must exist. */
async function absolute(fs: GroupFiles, path: string): Promise<string> {
  const { dir, base } = split(path);
  const real = await fs.realPath(dir);
  if (real === null) {
    throw new TlsmithError(
      "FILE_NOT_FOUND",
      `${path}: the directory ${dir} does not exist; nothing was written. Create it first.`,
    );
  }
  return join(fs, real, base);
}

function parseJournal(text: string, file: string): Journal {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = null;
  }
  const j = value as Partial<Journal> | null;
  const good = j !== null && typeof j === "object" && j.version === 1 &&
    (j.state === "prepare" || j.state === "commit") && typeof j.pid === "number" &&
    typeof j.host === "string" && typeof j.time === "number" && Array.isArray(j.files) &&
    j.files.every((e) =>
      e !== null && typeof e === "object" && typeof e.target === "string" &&
      typeof e.temp === "string" && TEMP_RE.test(split(e.temp).base) &&
      // A journal only moves a temporary file onto its neighbour.
      split(e.temp).dir === split(e.target).dir && typeof e.mode === "number" &&
      (e.backup === undefined || typeof e.backup === "string")
    );
  if (!good) {
    throw new TlsmithError(
      "FILE_ERROR",
      `${file} is not a tlsmith journal (it is damaged or was written by something else), so an ` +
        `interrupted write in that directory cannot be finished. Check the files it names, then ` +
        `remove ${file}.`,
    );
  }
  return j as Journal;
}

async function readJournal(fs: GroupFiles, file: string): Promise<Journal | null> {
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(file);
  } catch (err) {
    if (isCode(err, "FILE_NOT_FOUND")) return null;
    throw err;
  }
  return parseJournal(new TextDecoder().decode(bytes), file);
}

/** True when the writer of a journal may still be at work. */
async function writerAlive(fs: GroupFiles, journal: Journal): Promise<boolean> {
  if (Date.now() - journal.time > STALE_MS) return false;
  if (journal.host !== (fs.hostName() ?? "")) return true; // cannot ask another machine
  if (journal.pid === fs.pid()) return true;
  return await fs.processAlive(journal.pid);
}

/** Remove what an atomic write of `dir/base` that was killed may have left (`.BASE.*.tmp`). */
async function removeLeftovers(fs: GroupFiles, dir: string, base: string): Promise<void> {
  let names: { name: string }[];
  try {
    names = await fs.readDir(dir);
  } catch {
    return;
  }
  for (const { name } of names) {
    if (name.startsWith(`.${base}.`) && name.endsWith(".tmp")) await fs.remove(join(fs, dir, name));
  }
}

/** Remove a temporary file and what the atomic write that made it may have left. */
async function removeTemp(fs: GroupFiles, temp: string): Promise<void> {
  await fs.remove(temp);
  const { dir, base } = split(temp);
  await removeLeftovers(fs, dir, base);
}

/** Put one committed entry in place; a step already done is skipped, so this can run twice. */
async function applyEntry(fs: GroupFiles, entry: JournalEntry): Promise<void> {
  if (entry.backup) {
    // A copy of a key killed half-way leaves `.BACKUP.*.tmp`: it holds a key too.
    const { dir, base } = split(entry.backup);
    await removeLeftovers(fs, dir, base);
  }
  if (!(await fs.stat(entry.temp))) return; // already in place
  if (entry.backup && !(await fs.stat(entry.backup))) {
    try {
      const old = await fs.readFile(entry.target);
      await fs.writeFile(entry.backup, old, { mode: entry.mode, overwrite: false });
    } catch (err) {
      if (!isCode(err, "FILE_NOT_FOUND") && !isCode(err, "FILE_EXISTS")) throw err;
    }
  }
  try {
    await fs.rename(entry.temp, entry.target);
  } catch (err) {
    // Another process finished this entry at the same moment.
    if (!(await fs.stat(entry.temp)) && (await fs.stat(entry.target))) return;
    throw err;
  }
}

/** Remove the temporary files the atomic writes of the journal itself may have left. */
function removeJournalTemps(fs: GroupFiles, dir: string): Promise<void> {
  return removeLeftovers(fs, dir, JOURNAL_NAME);
}

/**
 * Finish what a killed group write left in `dir`: a committed group is put in place, an
 * unfinished one (its writer gone) is removed with its temporary files. Returns what was done,
 * or null when there was nothing to do (no journal, or its writer is still at work). Safe to run
 * by several processes at once.
 *
 * @example
 * ```ts ignore
 * // Not run: it needs a runtime and a directory (tests/file_group_test.ts kills writers to test it).
 * const done = await recoverFileGroup(runtime, "/home/me/.local/share/tlsmith");
 * if (done) console.error(`finished an interrupted write of ${done.files.join(", ")}`);
 * ```
 */
export async function recoverFileGroup(fs: GroupFiles, dir: string): Promise<GroupRecovery | null> {
  const file = join(fs, dir, JOURNAL_NAME);
  const journal = await readJournal(fs, file);
  if (!journal) {
    await removeJournalTemps(fs, dir);
    return null;
  }
  const files = journal.files.map((e) => e.target);
  if (journal.state === "commit") {
    for (const entry of journal.files) await applyEntry(fs, entry);
    await fs.remove(file);
    await removeJournalTemps(fs, dir);
    return { action: "completed", files };
  }
  if (await writerAlive(fs, journal)) return null;
  for (const entry of journal.files) await removeTemp(fs, entry.temp);
  await fs.remove(file);
  await removeJournalTemps(fs, dir);
  return { action: "discarded", files };
}

async function backupName(fs: GroupFiles, file: string, taken: Set<string>): Promise<string> {
  let name = `${file}.bak`;
  for (let i = 1; taken.has(name) || await fs.stat(name); i++) name = `${file}.${i}.bak`;
  taken.add(name);
  return name;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Create the journal (the lock), waiting for another writer in the same directory. */
async function lock(
  fs: GroupFiles,
  dir: string,
  journal: Journal,
  waitMs: number,
): Promise<string> {
  const file = join(fs, dir, JOURNAL_NAME);
  const deadline = Date.now() + waitMs;
  for (;;) {
    await recoverFileGroup(fs, dir);
    try {
      await fs.writeFile(file, JSON.stringify(journal), { mode: 0o600, overwrite: false });
      return file;
    } catch (err) {
      if (!isCode(err, "FILE_EXISTS")) throw err;
    }
    if (Date.now() >= deadline) {
      const other = await readJournal(fs, file).catch(() => null);
      throw new TlsmithError(
        "FILE_ERROR",
        `${dir}: another tlsmith${
          other ? ` (process ${other.pid})` : ""
        } is writing files here; nothing was written. Try again when it is done (if no tlsmith ` +
          `is running, remove ${file}).`,
      );
    }
    await sleep(100);
  }
}

/**
 * Write `files` as a unit: all or none of them are replaced, whenever the process is killed.
 * Each new file is first written to a temporary file beside its target (with its mode), then the
 * journal commits the group and each temporary file is renamed over its target; a run killed
 * before the commit leaves the old files (the next run removes the temporary ones), a run killed
 * after it leaves a journal that the next run (any {@linkcode recoverFileGroup} of that
 * directory) completes. Without `overwrite`, an existing target is `FILE_EXISTS` and nothing is
 * written.
 *
 * @example
 * ```ts ignore
 * // Not run: it writes files (tests/file_group_test.ts kills it at every step).
 * await writeFileGroup(runtime, [
 *   { path: "localhost-key.pem", data: keyPem, mode: 0o600 },
 *   { path: "localhost.pem", data: certPem, mode: 0o644 },
 * ], { overwrite: true });
 * ```
 */
export async function writeFileGroup(
  fs: GroupFiles,
  files: readonly GroupFile[],
  options: WriteGroupOptions = {},
): Promise<WrittenGroup> {
  if (files.length === 0) return { backups: [] };
  const targets: string[] = [];
  for (const f of files) targets.push(await absolute(fs, f.path));
  if (new Set(targets).size !== targets.length) {
    throw new TlsmithError(
      "BAD_OPTION",
      `the files to write must be different, but ${files.map((f) => f.path).join(", ")} ` +
        `name the same file twice; nothing was written.`,
    );
  }
  const dir = split(
    options.journalDir
      ? await absolute(fs, join(fs, options.journalDir, JOURNAL_NAME))
      : targets[0],
  ).dir;
  const pid = fs.pid();
  const journal: Journal = {
    version: 1,
    state: "prepare",
    pid,
    host: fs.hostName() ?? "",
    time: Date.now(),
    files: targets.map((target, i) => {
      const { dir: d, base } = split(target);
      const temp = join(fs, d, `.${base}.tlsmith-${pid}-${randomHex()}.new`);
      return { target, temp, mode: files[i].mode };
    }),
  };
  const journalFile = await lock(fs, dir, journal, options.waitMs ?? 10_000);
  const unlock = async () => {
    for (const entry of journal.files) await removeTemp(fs, entry.temp);
    await fs.remove(journalFile);
  };
  const backups: { file: string; backup: string }[] = [];
  try {
    // Checked under the lock: no other tlsmith can create a target from here on.
    const taken = new Set<string>();
    for (const [i, f] of files.entries()) {
      const entry = journal.files[i];
      const exists = (await fs.stat(entry.target)) !== null;
      if (exists && !options.overwrite) {
        throw new TlsmithError(
          "FILE_EXISTS",
          `${f.path} already exists; nothing was written. Pass --force to replace it.`,
        );
      }
      if (exists && f.backup) {
        entry.backup = await backupName(fs, entry.target, taken);
        backups.push({ file: f.path, backup: f.path + entry.backup.slice(entry.target.length) });
      }
    }
    for (const [i, f] of files.entries()) {
      await fs.writeFile(journal.files[i].temp, f.data, { mode: f.mode, overwrite: false });
    }
  } catch (err) {
    await unlock().catch(() => {});
    throw err;
  }
  journal.state = "commit";
  await fs.writeFile(journalFile, JSON.stringify(journal), { mode: 0o600, overwrite: true });
  for (const entry of journal.files) await applyEntry(fs, entry);
  await fs.remove(journalFile);
  return { backups };
}
