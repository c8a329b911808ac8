/**
 * Node stream plumbing shared by the server bridge, the upgrade path, the
 * upstream client (Node, Bun, and Deno's `node:http`) and Deno's TLS relay
 * (`deno_server.ts`, a `node:tls` socket): a Node readable as a
 * WHATWG `ReadableStream` with backpressure, and waiting for a writable to
 * drain.
 *
 * @module
 */

/** The part of a Node readable (request, response, socket) that {@linkcode readableBody} uses. */
export interface NodeReadable {
  on(event: "data", listener: (chunk: Uint8Array) => void): unknown;
  on(event: "end" | "close", listener: () => void): unknown;
  on(event: "error", listener: (err: Error) => void): unknown;
  pause(): unknown;
  resume(): unknown;
}

/** Options of {@linkcode readableBody}. */
export interface ReadableBodyOptions {
  /** Bytes queued before the source is paused. */
  highWaterMark: number;
  /** The error message when the source closes before its end. */
  closedEarly: string;
  /** What cancelling the stream does to the source (discard the rest, or close it). */
  cancel: () => void;
}

/**
 * A Node readable as a `ReadableStream` of bytes, with backpressure: the
 * source is paused while the queue holds `highWaterMark` bytes and resumed
 * when the reader pulls. An error, or a close before the end, errors the
 * stream; cancelling it calls `options.cancel`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PassThrough, Readable } from "node:stream";
 * import { readableBody } from "./node_streams.ts";
 * const options = { highWaterMark: 65536, closedEarly: "the client went away", cancel: () => {} };
 * const bytes = (text: string) => new TextEncoder().encode(text);
 * const request = Readable.from([bytes("hello "), bytes("world")]); // two chunks
 * assert.equal(await new Response(readableBody(request, options)).text(), "hello world");
 *
 * const cut = new PassThrough(); // a body whose connection closes before its end
 * const body = readableBody(cut, options);
 * cut.write("hel");
 * cut.destroy();
 * await assert.rejects(new Response(body).text(), /the client went away/);
 * ```
 *
 * @param source the Node readable
 * @param options queue size, early-close message, cancel action
 */
export function readableBody(
  source: NodeReadable,
  options: ReadableBodyOptions,
): ReadableStream<Uint8Array> {
  let done = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      source.on("data", (chunk: Uint8Array) => {
        if (done) return;
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if ((controller.desiredSize ?? 1) <= 0) source.pause();
      });
      source.on("end", () => {
        if (done) return;
        done = true;
        controller.close();
      });
      source.on("error", (err: Error) => {
        if (done) return;
        done = true;
        controller.error(err);
      });
      source.on("close", () => {
        if (done) return;
        done = true;
        controller.error(new Error(options.closedEarly));
      });
    },
    pull() {
      source.resume();
    },
    cancel() {
      done = true;
      options.cancel();
    },
  }, { highWaterMark: options.highWaterMark, size: (chunk) => chunk.byteLength });
}

/** The part of a Node writable that {@linkcode drained} uses. */
export interface NodeWritable {
  once(event: "drain" | "close", listener: () => void): unknown;
  off(event: "drain" | "close", listener: () => void): unknown;
}

/**
 * Resolves true on the writable's next 'drain', false when it closes first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Writable } from "node:stream";
 * import { drained } from "./node_streams.ts";
 * const slow = () =>
 *   new Writable({ highWaterMark: 4, write: (_chunk, _encoding, done) => setTimeout(done, 10) });
 * const socket = slow();
 * assert.equal(socket.write("more than 4 bytes"), false); // full: wait before writing more
 * assert.equal(await drained(socket), true);
 * const closing = slow();
 * closing.write("more than 4 bytes");
 * const waiting = drained(closing);
 * closing.destroy();
 * assert.equal(await waiting, false); // closed before it drained: stop writing
 * ```
 *
 * @param writable a Node writable (response, request, socket)
 */
export function drained(writable: NodeWritable): Promise<boolean> {
  return new Promise((resolve) => {
    const onDrain = () => {
      writable.off("close", onClose);
      resolve(true);
    };
    const onClose = () => {
      writable.off("drain", onDrain);
      resolve(false);
    };
    writable.once("drain", onDrain);
    writable.once("close", onClose);
  });
}
