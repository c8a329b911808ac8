/**
 * The fetch objects of the Node bridge, made cheap: on Node, undici's
 * `Request` costs 2–6 µs to build and a `Response` with a body 10–70 µs
 * (its body stream), against ≈ 14 µs for a whole raw `node:http2` request.
 *
 * - {@linkcode lazyRequest}: a `Request` (by prototype) over the Node request.
 *   Method and URL are read on first use, headers through a {@linkcode Headers}
 *   view of the raw header list (no copy); the real undici `Request` (and the
 *   body stream) is made only when something needs it (`body`, `text()`,
 *   `clone()`, …).
 * - {@linkcode FastResponse}: a `Response` (by prototype and `instanceof`,
 *   not a native object) that keeps a string, bytes or `Blob` body as given,
 *   so the bridge writes it in one `writeHead` + `end`; everything else is a
 *   native `Response` inside it. The Node server installs it as
 *   `globalThis.Response` unless `serve()` has `fastResponse: false` (never
 *   on Deno or Bun).
 *
 * Node (and Bun, for the request helpers) only; loaded by `node_bridge.ts`.
 *
 * @module
 */

const NativeRequest: typeof Request = globalThis.Request;
/** The runtime's own `Response` (before {@linkcode installFastResponse}); every response is one. */
export const NativeResponse: typeof Response = globalThis.Response;
const NativeHeaders: typeof Headers = globalThis.Headers;

/** The parts of a Node request (HTTP/1.1 or HTTP/2 compat) the lazy request reads. */
export interface RawNodeRequest {
  /** The method as received. */
  method?: string;
  /** Alternating names and values, as received (HTTP/2 pseudo-headers included). */
  rawHeaders: string[];
}

/** A header name as fetch accepts it (RFC 9110 token). */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Headers read from a Node request's raw header list without copying it:
 * `get`, `has` and `getSetCookie` scan the list (repeated fields joined with
 * `", "` as fetch does, HTTP/2 pseudo-headers skipped); anything else
 * (iteration, changes, an odd name) first copies the list into a real
 * `Headers` and uses that from then on. `instanceof Headers` holds.
 */
class NodeHeaders {
  #raw: string[];
  #real: Headers | undefined;

  constructor(raw: string[]) {
    this.#raw = raw;
  }

  #materialize(): Headers {
    if (this.#real === undefined) {
      const headers = new NativeHeaders();
      const raw = this.#raw;
      for (let i = 0; i + 1 < raw.length; i += 2) {
        if (raw[i].charCodeAt(0) === 58 /* ":" */) continue;
        headers.append(raw[i], raw[i + 1]);
      }
      this.#real = headers;
    }
    return this.#real;
  }

  /** All values of `name` joined by `", "`, or null. */
  #scan(name: string): string | null {
    const wanted = name.toLowerCase();
    const raw = this.#raw;
    let out: string | null = null;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const key = raw[i];
      if (key.length !== wanted.length || key.toLowerCase() !== wanted) continue;
      out = out === null ? raw[i + 1] : `${out}, ${raw[i + 1]}`;
    }
    return out;
  }

  get(name: string): string | null {
    if (this.#real !== undefined || !TOKEN.test(name)) return this.#materialize().get(name);
    return this.#scan(name);
  }

  has(name: string): boolean {
    if (this.#real !== undefined || !TOKEN.test(name)) return this.#materialize().has(name);
    return this.#scan(name) !== null;
  }

  getSetCookie(): string[] {
    return this.#materialize().getSetCookie();
  }

  set(name: string, value: string): void {
    this.#materialize().set(name, value);
  }

  append(name: string, value: string): void {
    this.#materialize().append(name, value);
  }

  delete(name: string): void {
    this.#materialize().delete(name);
  }

  forEach(
    callback: (value: string, key: string, parent: Headers) => void,
    thisArg?: unknown,
  ): void {
    this.#materialize().forEach((value, key) => {
      callback.call(thisArg, value, key, this as unknown as Headers);
    });
  }

  entries(): ReturnType<Headers["entries"]> {
    return this.#materialize().entries();
  }

  keys(): ReturnType<Headers["keys"]> {
    return this.#materialize().keys();
  }

  values(): ReturnType<Headers["values"]> {
    return this.#materialize().values();
  }

  [Symbol.iterator](): ReturnType<Headers["entries"]> {
    return this.#materialize()[Symbol.iterator]();
  }

  get [Symbol.toStringTag](): string {
    return "Headers";
  }
}
Object.setPrototypeOf(NodeHeaders.prototype, NativeHeaders.prototype);

/**
 * A `Headers` that reads a Node request's raw header list on demand.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nodeHeaders } from "./node_fast.ts";
 * const headers = nodeHeaders([":path", "/", "Accept", "a", "accept", "b"]);
 * assert.equal(headers.get("accept"), "a, b");
 * assert.equal(headers instanceof Headers, true);
 * assert.deepEqual([...headers.keys()], ["accept"]);
 * ```
 *
 * @param raw alternating names and values (Node's `rawHeaders`)
 */
export function nodeHeaders(raw: string[]): Headers {
  return new NodeHeaders(raw) as unknown as Headers;
}

/** The abort signal of a request, or a function that makes it on first use. */
export type LazySignal = AbortSignal | (() => AbortSignal);

/** Builds the real request of a Node request when a lazy one needs it (one function for all). */
export type RealRequestFactory<R extends RawNodeRequest = RawNodeRequest> = (
  req: R,
  url: string,
  method: string,
  headers: Headers,
  signal: LazySignal,
) => Request;

/**
 * Symbols undici (Node 20 and 22) keeps a Request's state under. The lazy
 * request forwards them to its real request, so `new Request(request)` and
 * `fetch(request)` work there. (Node 24's undici uses private fields: there,
 * pass `request.clone()` instead.)
 */
const REQUEST_SYMBOLS: symbol[] = (() => {
  try {
    return Object.getOwnPropertySymbols(new NativeRequest("http://localhost/"));
  } catch {
    return [];
  }
})();

/** Request members that need the real request. */
const DELEGATED_GETTERS = [
  "bodyUsed",
  "cache",
  "credentials",
  "destination",
  "duplex",
  "integrity",
  "isHistoryNavigation",
  "isReloadNavigation",
  "keepalive",
  "mode",
  "redirect",
  "referrer",
  "referrerPolicy",
  "targetAddressSpace",
] as const;
const DELEGATED_METHODS = [
  "arrayBuffer",
  "blob",
  "bytes",
  "formData",
  "json",
  "text",
  "clone",
] as const;

/**
 * A `Request` (by prototype) over a Node request: `method`, `url`, `headers`
 * and `signal` are read on first use; the real `Request` is made by
 * `makeReal` when a body or another member is needed.
 */
class LazyRequest {
  #req: RawNodeRequest;
  #method: string;
  #target: string;
  #origin: string;
  #hasBody: boolean;
  #signal: LazySignal;
  #makeReal: RealRequestFactory;
  #url: string | undefined;
  #headers: Headers | undefined;
  #real: Request | undefined;

  constructor(
    req: RawNodeRequest,
    method: string,
    origin: string,
    target: string,
    hasBody: boolean,
    signal: LazySignal,
    makeReal: RealRequestFactory,
  ) {
    this.#req = req;
    this.#method = method;
    this.#origin = origin;
    this.#target = target;
    this.#hasBody = hasBody;
    this.#signal = signal;
    this.#makeReal = makeReal;
  }

  /** The real request (made once). */
  real(): Request {
    return this.#real ??= this.#makeReal(
      this.#req,
      this.url,
      this.#method,
      this.headers,
      this.#signal,
    );
  }

  get method(): string {
    return this.#method;
  }

  get url(): string {
    return this.#url ??= new URL(this.#origin + this.#target).href;
  }

  get headers(): Headers {
    return this.#headers ??= nodeHeaders(this.#req.rawHeaders);
  }

  get signal(): AbortSignal {
    const signal = this.#signal;
    return typeof signal === "function" ? signal() : signal;
  }

  get body(): ReadableStream<Uint8Array> | null {
    return this.#hasBody || this.#real !== undefined ? this.real().body : null;
  }

  get [Symbol.toStringTag](): string {
    return "Request";
  }
}
for (const name of DELEGATED_GETTERS) {
  Object.defineProperty(LazyRequest.prototype, name, {
    get(this: LazyRequest) {
      return (this.real() as unknown as Record<string, unknown>)[name];
    },
    configurable: true,
  });
}
for (const name of DELEGATED_METHODS) {
  Object.defineProperty(LazyRequest.prototype, name, {
    value: function (this: LazyRequest) {
      const real = this.real() as unknown as Record<string, () => unknown>;
      return real[name]();
    },
    writable: true,
    configurable: true,
  });
}
for (const symbol of REQUEST_SYMBOLS) {
  Object.defineProperty(LazyRequest.prototype, symbol, {
    get(this: LazyRequest) {
      return (this.real() as unknown as Record<symbol, unknown>)[symbol];
    },
    configurable: true,
  });
}
Object.setPrototypeOf(LazyRequest.prototype, NativeRequest.prototype);

/** Methods whose spelling fetch keeps as is (others are normalized or refused by `Request`). */
const PLAIN_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]);

/**
 * A lazy `Request` for a Node request whose target was already checked (see
 * `requestTarget` in `node_bridge.ts`): `origin + target` is its URL. Methods
 * other than the usual upper-case ones get the real `Request` at once, so
 * fetch's own checks (e.g. `CONNECT` is refused with a `TypeError`) apply.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lazyRequest } from "./node_fast.ts";
 * const request = lazyRequest(
 *   { method: "GET", rawHeaders: ["Host", "x", "Accept", "text/html"] },
 *   "https://localhost:8443",
 *   "/a?b",
 *   false,
 *   new AbortController().signal,
 *   (_req, url, method, headers) => new Request(url, { method, headers }),
 * );
 * assert.equal(request.url, "https://localhost:8443/a?b");
 * assert.equal(request.headers.get("accept"), "text/html");
 * assert.equal(request instanceof Request, true);
 * ```
 *
 * @param req the Node request (method and raw headers)
 * @param origin `https://host:port` of the server
 * @param target the checked request path (`/…`)
 * @param hasBody whether the request can carry a body (not GET or HEAD)
 * @param signal the abort signal, or a function making it on first use
 * @param makeReal builds the real `Request` when needed (one function for every request)
 */
export function lazyRequest<R extends RawNodeRequest>(
  req: R,
  origin: string,
  target: string,
  hasBody: boolean,
  signal: LazySignal,
  makeReal: RealRequestFactory<R>,
): Request {
  const method = req.method ?? "GET";
  const lazy = new LazyRequest(
    req,
    method,
    origin,
    target,
    hasBody,
    signal,
    makeReal as RealRequestFactory,
  );
  if (!PLAIN_METHODS.has(method)) lazy.real(); // throws what `new Request` throws
  return lazy as unknown as Request;
}

/** A body the fast response keeps as given. */
export type FastBody = string | Uint8Array<ArrayBuffer> | Blob;

/** What the bridge needs from an unread fast response. */
export interface FastParts {
  /** The body as given (bytes already copied), or null for none. */
  body: FastBody | null;
  /** The status code. */
  status: number;
  /** The status text ("" for none). */
  statusText: string;
  /**
   * The response's headers, or null when there are none besides the default
   * `Content-Type` (then `type`).
   */
  headers: Headers | null;
  /** The default `Content-Type` when `headers` is null ("" for none). */
  type: string;
}

/** Statuses whose responses never carry a body (fetch refuses a body with them). */
function isNullBodyStatus(status: number): boolean {
  return status === 204 || status === 205 || status === 304;
}

/** A status text as fetch accepts it (RFC 9112 reason-phrase). */
const REASON_PHRASE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** A copy of a buffer body as fetch takes it, or undefined for other bodies. */
function fastBodyOf(body: unknown): FastBody | undefined {
  if (typeof body === "string") return body;
  if (body instanceof Uint8Array) {
    return body.buffer instanceof ArrayBuffer
      ? new Uint8Array(body as Uint8Array<ArrayBuffer>)
      : undefined;
  }
  if (body instanceof ArrayBuffer) return new Uint8Array(body.slice(0));
  if (ArrayBuffer.isView(body)) {
    if (!(body.buffer instanceof ArrayBuffer)) return undefined;
    return new Uint8Array(body.buffer, body.byteOffset, body.byteLength).slice();
  }
  if (typeof Blob === "function" && body instanceof Blob) return body;
  return undefined;
}

/** The default `Content-Type` of a fast body ("" for none). */
function typeOf(body: FastBody | null): string {
  return typeof body === "string"
    ? "text/plain;charset=UTF-8"
    : body instanceof Blob
    ? body.type
    : "";
}

let takeFastParts: (response: Response) => FastParts | undefined;
let nativeOf: (response: Response) => Response;
/** The default Content-Type of the response being made by `FastResponse.json`. */
let jsonType: string | undefined;

const BODY_USED = "Body is unusable: Body has already been read";

/**
 * `Response` with a cheap body, built without the native constructor: a
 * string, bytes or `Blob` body (or none) is kept as given (bytes copied, as
 * fetch does) and handed to the bridge whole, so `new Response("hi")` costs
 * a plain object. Status and status text are checked as fetch checks them
 * and headers are a native `Headers` (made when given or first read). A
 * native `Response` is made only when JavaScript reads the body. Anything
 * else (a stream, form data, an unusual `init`) is a native `Response`
 * inside, which every member forwards to.
 *
 * It is not a native object: `instanceof Response` holds (its prototype is
 * the native one's) and, as the process-wide `Response`, it answers
 * `instanceof` for native responses too; native code that checks the brand
 * of its argument (rare; nothing in fetch itself) refuses it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FastResponse } from "./node_fast.ts";
 * const response = new FastResponse("héllo", { status: 201 });
 * assert.equal(response instanceof Response, true);
 * assert.equal(response.headers.get("content-type"), "text/plain;charset=UTF-8");
 * assert.equal(await response.text(), "héllo");
 * ```
 */
export class FastResponse {
  /** The kept body until it is sent or read (null: none). */
  #body: FastBody | null | undefined;
  /** Native mode: the whole response is this native one. */
  #full: Response | undefined;
  /** Fast mode, body read in JavaScript: a native response holding the body. */
  #reader: Response | undefined;
  /** True once the bridge took the body. */
  #sent = false;
  #status = 200;
  #statusText = "";
  #headers: Headers | undefined;
  /** The default Content-Type not yet put into the headers ("" for none). */
  #type = "";

  /**
   * Same arguments as `new Response(body, init)`.
   *
   * @param body the body
   * @param init status, status text, headers
   */
  constructor(body?: BodyInit | null, init?: ResponseInit) {
    const fast = body === undefined || body === null ? null : fastBodyOf(body);
    let status = 200;
    let statusText = "";
    let headers: HeadersInit | undefined;
    let simple = fast !== undefined;
    if (simple && init !== undefined && init !== null) {
      if (typeof init !== "object") simple = false;
      else {
        const s = init.status;
        const t = init.statusText;
        headers = init.headers;
        if (s !== undefined) {
          if (typeof s === "number" && Number.isInteger(s) && s >= 200 && s <= 599) status = s;
          else simple = false;
        }
        if (t !== undefined) {
          if (typeof t === "string" && REASON_PHRASE.test(t)) statusText = t;
          else simple = false;
        }
      }
    }
    if (!simple) {
      // Everything fetch does (and every error it throws), natively.
      this.#full = new NativeResponse(body, init);
      return;
    }
    const kept = fast as FastBody | null;
    if (kept !== null && isNullBodyStatus(status)) {
      throw new TypeError(`Response constructor: Invalid response status code ${status}`);
    }
    this.#body = kept;
    this.#status = status;
    this.#statusText = statusText;
    const type = jsonType ?? typeOf(kept);
    if (headers !== undefined) {
      const made = new NativeHeaders(headers);
      if (type !== "" && !made.has("content-type")) made.set("content-type", type);
      this.#headers = made;
    } else {
      this.#type = type;
    }
  }

  static {
    takeFastParts = (response) => {
      if (!(#body in response) || response.#full !== undefined || response.#sent) return undefined;
      const reader = response.#reader;
      if (reader !== undefined && (reader.bodyUsed || reader.body?.locked)) return undefined;
      const body = response.#body;
      if (body === undefined) return undefined;
      response.#body = undefined;
      response.#sent = true;
      const headers = response.#headers ?? null;
      return {
        body,
        status: response.#status,
        statusText: response.#statusText,
        headers,
        type: headers === null ? response.#type : "",
      };
    };
    nativeOf = (response) => (response as unknown as FastResponse).#toNative();
  }

  /**
   * This response as a native one from now on (for members only the native
   * class knows): status, headers and the body move into it.
   */
  #toNative(): Response {
    if (this.#full === undefined) {
      const body = this.#reader !== undefined ? this.#reader.body : this.#sent ? null : this.#body;
      const full = new NativeResponse(body, {
        status: this.#status,
        statusText: this.#statusText,
        headers: this.headers,
      });
      if (this.#sent) void full.body?.cancel(); // keeps it "used"
      this.#full = full;
      this.#body = undefined;
      this.#reader = undefined;
    }
    return this.#full;
  }

  /**
   * `instanceof Response` holds for native responses too (this class
   * replaces the global one on Node); subclasses check as usual.
   */
  static [Symbol.hasInstance](value: unknown): boolean {
    if (this === FastResponse) return value instanceof NativeResponse;
    return Function.prototype[Symbol.hasInstance].call(this, value);
  }

  /** The native response holding the kept body, for reading it in JavaScript. */
  #readable(): Response {
    if (this.#reader === undefined) {
      if (this.#sent) throw new TypeError(BODY_USED);
      const headers = this.#headers;
      this.#reader = new NativeResponse(this.#body, headers ? { headers } : undefined);
    }
    return this.#reader;
  }

  /** "default" (a response made by a constructor). */
  get type(): ResponseType {
    return this.#full !== undefined ? this.#full.type : "default";
  }

  /** "" (a response made by a constructor has no URL). */
  get url(): string {
    return this.#full !== undefined ? this.#full.url : "";
  }

  /** False (a response made by a constructor). */
  get redirected(): boolean {
    return this.#full !== undefined ? this.#full.redirected : false;
  }

  /** The status code. */
  get status(): number {
    return this.#full !== undefined ? this.#full.status : this.#status;
  }

  /** True for a status from 200 to 299. */
  get ok(): boolean {
    if (this.#full !== undefined) return this.#full.ok;
    return this.#status >= 200 && this.#status <= 299;
  }

  /** The status text. */
  get statusText(): string {
    return this.#full !== undefined ? this.#full.statusText : this.#statusText;
  }

  /** The headers (with the default Content-Type of the body). */
  get headers(): Headers {
    if (this.#full !== undefined) return this.#full.headers;
    let headers = this.#headers;
    if (headers === undefined) {
      headers = this.#headers = new NativeHeaders();
      if (this.#type !== "") headers.set("content-type", this.#type);
      this.#type = "";
    }
    return headers;
  }

  /** The body as a stream. */
  get body(): ReadableStream<Uint8Array<ArrayBuffer>> | null {
    if (this.#full !== undefined) return this.#full.body as ReadableStream<Uint8Array<ArrayBuffer>>;
    if (this.#reader === undefined && (this.#sent || this.#body === null)) return null;
    return this.#readable().body as ReadableStream<Uint8Array<ArrayBuffer>> | null;
  }

  /** True once the body was read. */
  get bodyUsed(): boolean {
    if (this.#full !== undefined) return this.#full.bodyUsed;
    return this.#sent || (this.#reader?.bodyUsed ?? false);
  }

  /** The body as an ArrayBuffer. */
  arrayBuffer(): Promise<ArrayBuffer> {
    return this.#read((r) => r.arrayBuffer());
  }

  /** The body as a Blob. */
  blob(): Promise<Blob> {
    return this.#read((r) => r.blob());
  }

  /** The body as bytes. */
  bytes(): Promise<Uint8Array<ArrayBuffer>> {
    return this.#read((r) => r.arrayBuffer()).then((buffer) => new Uint8Array(buffer));
  }

  /** The body as form data. */
  formData(): Promise<FormData> {
    return this.#read((r) => r.formData());
  }

  /** The body parsed as JSON. */
  json(): Promise<unknown> {
    return this.#read((r) => r.json());
  }

  /** The body as text. */
  text(): Promise<string> {
    return this.#read((r) => r.text());
  }

  #read<T>(read: (response: Response) => Promise<T>): Promise<T> {
    try {
      return read(this.#full ?? this.#readable());
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** A copy of the response (the body is shared or teed). */
  clone(): Response {
    if (this.#full !== undefined) return this.#full.clone();
    if (this.bodyUsed) throw new TypeError("Response.clone: Body has already been consumed.");
    const body = this.#reader !== undefined ? this.#reader.clone().body : this.#body;
    return new FastResponse(body, {
      status: this.#status,
      statusText: this.#statusText,
      headers: this.headers,
    }) as unknown as Response;
  }

  /**
   * `Response.json(data, init)`: the JSON text as a fast body.
   *
   * @param data the value to serialize
   * @param init status, status text, headers
   */
  static json(data: unknown, init?: ResponseInit): Response {
    const text = JSON.stringify(data);
    if (text === undefined) throw new TypeError("Value is not JSON serializable");
    jsonType = "application/json";
    let response: FastResponse;
    try {
      response = new FastResponse(text, init);
    } finally {
      jsonType = undefined;
    }
    return response as unknown as Response;
  }
}
// Statics (`error`, `redirect`) and `instanceof` come from the native class; every instance
// member is defined above, and any other the runtime adds reads the body's native response.
Object.setPrototypeOf(FastResponse, NativeResponse);
Object.setPrototypeOf(FastResponse.prototype, NativeResponse.prototype);
Object.defineProperty(FastResponse, "name", { value: "Response" });
for (const name of Object.getOwnPropertyNames(NativeResponse.prototype)) {
  if (Object.prototype.hasOwnProperty.call(FastResponse.prototype, name)) continue;
  const native = Object.getOwnPropertyDescriptor(NativeResponse.prototype, name)!;
  Object.defineProperty(
    FastResponse.prototype,
    name,
    native.get
      ? {
        get(this: Response) {
          return (nativeOf(this) as unknown as Record<string, unknown>)[name];
        },
        configurable: true,
      }
      : {
        value(this: Response, ...args: unknown[]) {
          const self = nativeOf(this) as unknown as Record<string, (...a: unknown[]) => unknown>;
          return self[name](...args);
        },
        writable: true,
        configurable: true,
      },
  );
}

/**
 * The `Response` to build cheap responses with: {@linkcode FastResponse} on
 * Node, the runtime's own `Response` on Deno and Bun (theirs are native and
 * cheap; their servers want native objects). Exported as `FastResponse` by
 * `tlsmith/serve`, for handlers of a server started with
 * `fastResponse: false`, which leaves `globalThis.Response` alone.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fastResponseClass } from "./node_fast.ts";
 * const response = new fastResponseClass("hi", { headers: { "x-a": "1" } });
 * assert.equal(response instanceof Response, true);
 * assert.equal(response.headers.get("x-a"), "1");
 * assert.equal(await response.text(), "hi");
 * ```
 */
export const fastResponseClass: typeof Response = (() => {
  const g = globalThis as { Deno?: unknown; Bun?: unknown };
  return g.Deno !== undefined || g.Bun !== undefined
    ? NativeResponse
    : FastResponse as unknown as typeof Response;
})();

/**
 * Take the kept body of an unread {@linkcode FastResponse} for sending
 * (the response then counts as read); undefined for any other response.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FastResponse, takeFastBody } from "./node_fast.ts";
 * const parts = takeFastBody(new FastResponse("hi"));
 * assert.equal(parts?.body, "hi");
 * assert.equal(parts?.type, "text/plain;charset=UTF-8");
 * assert.equal(takeFastBody(new Response(null)), undefined);
 * ```
 *
 * @param response a response from a handler
 */
export function takeFastBody(response: Response): FastParts | undefined {
  return takeFastParts(response);
}

/**
 * Make `new Response(…)` build a {@linkcode FastResponse} in this process
 * (idempotent). Called by the Node server; never on Deno or Bun, whose
 * native responses are already cheap.
 *
 * @example
 * ```ts ignore
 * // Not run: it replaces globalThis.Response for the rest of the process.
 * import { installFastResponse } from "./node_fast.ts";
 * installFastResponse(); // new Response("hi") is now a FastResponse
 * ```
 */
export function installFastResponse(): void {
  if ((globalThis.Response as unknown) === FastResponse) return;
  Object.defineProperty(globalThis, "Response", {
    value: FastResponse,
    writable: true,
    configurable: true,
    enumerable: false,
  });
}
