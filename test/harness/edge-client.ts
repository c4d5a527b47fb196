/** One REST call through the edge as a partner makes it: status, JSON body, the gRPC code of an error, and its time. */
export interface RestResult<T = Record<string, unknown>> {
  readonly ok: boolean;
  /** HTTP status; 0 when no answer came (connection refused or reset, or our own timeout). */
  readonly status: number;
  /** gRPC code name from the edge's error body (e.g. UNAVAILABLE), NETWORK or TIMEOUT without an answer. */
  readonly code: string | undefined;
  readonly body: T;
  readonly ms: number;
  readonly at: number;
}

export interface EdgeClientOptions {
  baseUrl: string;
  apiKey: string;
  /** Our own bound on a call: a hang shows up as TIMEOUT after this long, never as a stuck test. */
  timeoutMs?: number;
}

/** Plain fetch against the edge's REST routes (the google.api.http annotations), API key in x-api-key. */
export class EdgeClient {
  readonly #opts: Required<EdgeClientOptions>;

  constructor(options: EdgeClientOptions) {
    this.#opts = { timeoutMs: 15_000, ...options };
  }

  get<T = Record<string, unknown>>(path: string, query: Record<string, string | number | undefined> = {}): Promise<RestResult<T>> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== "") params.set(k, String(v));
    const qs = params.size > 0 ? `?${params}` : "";
    return this.#call<T>("GET", `${path}${qs}`, undefined);
  }

  post<T = Record<string, unknown>>(path: string, body: unknown): Promise<RestResult<T>> {
    return this.#call<T>("POST", path, body);
  }

  async #call<T>(method: string, path: string, body: unknown): Promise<RestResult<T>> {
    const at = Date.now();
    const started = performance.now();
    try {
      const res = await fetch(`${this.#opts.baseUrl}${path}`, {
        method,
        headers: { "x-api-key": this.#opts.apiKey, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.#opts.timeoutMs),
      });
      const text = await res.text();
      const json = (text ? safeJson(text) : {}) as T & { code?: unknown };
      const ms = performance.now() - started;
      const code = res.ok ? undefined : typeof json.code === "string" ? json.code : `HTTP_${res.status}`;
      return { ok: res.ok, status: res.status, code, body: json, ms, at };
    } catch (err) {
      const ms = performance.now() - started;
      const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
      return { ok: false, status: 0, code: timedOut ? "TIMEOUT" : "NETWORK", body: {} as T, ms, at };
    }
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { raw: text };
  }
}

/** Every page of a paginated REST list (nextPageToken), concatenated; throws on the first failed page. */
export async function listAll<T>(client: EdgeClient, path: string, field: string, query: Record<string, string | number | undefined> = {}): Promise<T[]> {
  const out: T[] = [];
  let pageToken = "";
  do {
    const res = await client.get<Record<string, unknown>>(path, { ...query, pageSize: 500, pageToken });
    if (!res.ok) throw new Error(`GET ${path} failed: ${res.status} ${res.code} ${JSON.stringify(res.body).slice(0, 300)}`);
    out.push(...((res.body[field] as T[] | undefined) ?? []));
    pageToken = (res.body.nextPageToken as string | undefined) ?? "";
  } while (pageToken !== "");
  return out;
}
