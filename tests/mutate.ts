/**
 * A small, seeded mutation fuzzer for the reader tests: deterministic damaged copies of good
 * inputs (bit flips, truncation, ASN.1 length and tag tampering, deep nesting, PEM damage), so a
 * failure names its seed and reproduces. Bounded: callers choose how many cases run.
 */

/** A deterministic pseudo-random generator (xorshift32). */
export function prng(seed: number): () => number {
  let x = (seed >>> 0) || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

/** One damaged input and how it was made. */
export interface Mutant {
  /** What was done, with the seed (for the failure message). */
  how: string;
  /** The damaged bytes. */
  bytes: Uint8Array;
}

/** Offsets of DER headers (identifier + length bytes) found by walking the encoding. */
function headerOffsets(der: Uint8Array): { at: number; lengthAt: number; lengthBytes: number }[] {
  const out: { at: number; lengthAt: number; lengthBytes: number }[] = [];
  const walk = (start: number, end: number, depth: number) => {
    let at = start;
    while (at < end && depth < 40 && out.length < 5000) {
      const id = der[at];
      let p = at + 1;
      if ((id & 0x1f) === 0x1f) {
        while (p < end && der[p] & 0x80) p++;
        p++;
      }
      if (p >= end) return;
      const lengthAt = p;
      let len = der[p++];
      let lengthBytes = 1;
      if (len & 0x80) {
        const n = len & 0x7f;
        if (n === 0 || n > 4 || p + n > end) return;
        len = 0;
        for (let i = 0; i < n; i++) len = len * 256 + der[p++];
        lengthBytes = 1 + n;
      }
      if (p + len > end) return;
      out.push({ at, lengthAt, lengthBytes });
      if (id & 0x20) walk(p, p + len, depth + 1);
      at = p + len;
    }
  };
  walk(0, der.length, 0);
  return out;
}

/**
 * `count` mutants of `der`, from `seed`. Each is one of: flipped bits, a truncation, a changed
 * length byte, a changed tag, bytes inserted or removed, a spliced copy of a region, or a deep
 * nesting bomb wrapped around the input.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mutants } from "./mutate.ts";
 * const a = mutants(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x05]), 7, 10);
 * assert.equal(a.length, 10);
 * assert.deepEqual(a, mutants(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x05]), 7, 10));
 * ```
 */
export function mutants(der: Uint8Array, seed: number, count: number): Mutant[] {
  const rnd = prng(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const headers = headerOffsets(der);
  const out: Mutant[] = [];
  for (let i = 0; i < count; i++) {
    const bytes = der.slice();
    const kind = int(8);
    let how: string;
    if (kind === 0 || der.length < 4) {
      const flips = 1 + int(3);
      for (let f = 0; f < flips; f++) bytes[int(bytes.length)] ^= 1 << int(8);
      how = `${flips} flipped bit(s)`;
      out.push({ how: `${how} (seed ${seed}#${i})`, bytes });
      continue;
    }
    if (kind === 1) {
      const cut = int(der.length);
      how = `truncated to ${cut} bytes`;
      out.push({ how: `${how} (seed ${seed}#${i})`, bytes: der.slice(0, cut) });
      continue;
    }
    if ((kind === 2 || kind === 3) && headers.length) {
      const h = headers[int(headers.length)];
      if (kind === 2) {
        const choices = [
          0x00,
          0x7f,
          0x80,
          0x81,
          0x84,
          0xff,
          bytes[h.lengthAt] + 1,
          bytes[h.lengthAt] - 1,
        ];
        bytes[h.lengthAt + (h.lengthBytes > 1 ? int(h.lengthBytes) : 0)] =
          choices[int(choices.length)] & 0xff;
        how = `length at ${h.lengthAt} changed`;
      } else {
        const tags = [
          0x00,
          0x02,
          0x03,
          0x04,
          0x05,
          0x06,
          0x0c,
          0x13,
          0x16,
          0x17,
          0x18,
          0x1f,
          0x30,
          0x31,
          0xa0,
          0x80,
          0xff,
        ];
        bytes[h.at] = tags[int(tags.length)];
        how = `tag at ${h.at} changed`;
      }
      out.push({ how: `${how} (seed ${seed}#${i})`, bytes });
      continue;
    }
    if (kind === 4) {
      const at = int(der.length);
      const n = 1 + int(8);
      const insert = new Uint8Array(n).map(() => int(256));
      const grown = new Uint8Array(der.length + n);
      grown.set(der.subarray(0, at));
      grown.set(insert, at);
      grown.set(der.subarray(at), at + n);
      out.push({ how: `${n} byte(s) inserted at ${at} (seed ${seed}#${i})`, bytes: grown });
      continue;
    }
    if (kind === 5) {
      const at = int(der.length);
      const n = 1 + int(Math.min(16, der.length - at));
      const shrunk = new Uint8Array(der.length - n);
      shrunk.set(der.subarray(0, at));
      shrunk.set(der.subarray(at + n), at);
      out.push({ how: `${n} byte(s) removed at ${at} (seed ${seed}#${i})`, bytes: shrunk });
      continue;
    }
    if (kind === 6) {
      const from = int(der.length);
      const n = 1 + int(Math.min(64, der.length - from));
      const to = int(der.length - n + 1);
      bytes.set(der.subarray(from, from + n), to);
      out.push({ how: `${n} byte(s) copied from ${from} to ${to} (seed ${seed}#${i})`, bytes });
      continue;
    }
    // A nesting bomb: many SEQUENCE headers around the input (indefinite-free, valid lengths).
    const depth = 50 + int(200);
    let wrapped = der;
    for (let d = 0; d < depth; d++) {
      const len = wrapped.length;
      const lenBytes = len < 0x80
        ? [len]
        : len < 0x100
        ? [0x81, len]
        : len < 0x10000
        ? [0x82, len >> 8, len & 0xff]
        : [0x83, len >> 16, (len >> 8) & 0xff, len & 0xff];
      const next = new Uint8Array(1 + lenBytes.length + len);
      next[0] = 0x30;
      next.set(lenBytes, 1);
      next.set(wrapped, 1 + lenBytes.length);
      wrapped = next;
    }
    out.push({ how: `nested ${depth} SEQUENCEs deep (seed ${seed}#${i})`, bytes: wrapped });
  }
  return out;
}

/**
 * Damaged copies of PEM text: a dropped or doubled line, a changed base64 character, a missing or
 * mismatched END line, CR/LF changes, a header block where none belongs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pemMutants } from "./mutate.ts";
 * const pem = "-----BEGIN X-----\nMAA=\n-----END X-----\n";
 * assert.equal(pemMutants(pem, 1, 5).length, 5);
 * ```
 */
export function pemMutants(
  pem: string,
  seed: number,
  count: number,
): { how: string; text: string }[] {
  const rnd = prng(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const out: { how: string; text: string }[] = [];
  const lines = pem.split("\n");
  const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=!*";
  for (let i = 0; i < count; i++) {
    const kind = int(7);
    const l = lines.slice();
    let how: string;
    const body = l.map((_, k) => k).filter((k) => l[k] && !l[k].startsWith("-----"));
    if (kind === 0 && body.length) {
      const k = body[int(body.length)];
      l.splice(k, 1);
      how = `line ${k} dropped`;
    } else if (kind === 1 && body.length) {
      const k = body[int(body.length)];
      l.splice(k, 0, l[k]);
      how = `line ${k} doubled`;
    } else if (kind === 2 && body.length) {
      const k = body[int(body.length)];
      const at = int(l[k].length);
      l[k] = l[k].slice(0, at) + B64[int(B64.length)] + l[k].slice(at + 1);
      how = `a character of line ${k} changed`;
    } else if (kind === 3) {
      const k = l.findIndex((x) => x.startsWith("-----END"));
      if (k >= 0) l[k] = int(2) ? "" : l[k].replace("END ", "END X");
      how = "END line damaged";
    } else if (kind === 4) {
      how = "CRLF line ends";
      out.push({ how: `${how} (seed ${seed}#${i})`, text: pem.replace(/\n/g, "\r\n") });
      continue;
    } else if (kind === 5) {
      const k = l.findIndex((x) => x.startsWith("-----BEGIN"));
      l.splice(k + 1, 0, "Proc-Type: 4,ENCRYPTED", "DEK-Info: AES-128-CBC,00");
      how = "legacy headers inserted";
    } else {
      const cut = int(pem.length);
      out.push({ how: `text truncated to ${cut} (seed ${seed}#${i})`, text: pem.slice(0, cut) });
      continue;
    }
    out.push({ how: `${how} (seed ${seed}#${i})`, text: l.join("\n") });
  }
  return out;
}
