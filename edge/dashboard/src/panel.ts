import { h } from "./dom.js";
import { describe, isAbort, isUnavailable } from "./errors.js";

export interface Panel {
  readonly root: HTMLElement;
  readonly body: HTMLElement;
  /** Where the panel's controls go, beside its title. */
  readonly tools: HTMLElement;
  /** One line under the title: "live", "service unavailable", an error... */
  status(text: string, kind?: "ok" | "warn" | "error"): void;
  /** Shows the error; "service unavailable" greys the panel out instead of breaking it. */
  fail(err: unknown): void;
}

export function createPanel(id: string, title: string): Panel {
  const statusLine = h("span", { class: "status", "data-testid": `${id}-status` });
  const tools = h("div", { class: "tools" });
  const body = h("div", { class: "body" });
  const root = h("section", { class: `panel panel-${id}`, id, "data-testid": id }, h("header", {}, h("h2", {}, title), statusLine, tools), body);
  const status = (text: string, kind: "ok" | "warn" | "error" = "ok") => {
    statusLine.textContent = text;
    statusLine.dataset.kind = kind;
    root.classList.toggle("unavailable", kind === "warn" && text.startsWith("service unavailable"));
  };
  return {
    root,
    body,
    tools,
    status,
    fail(err) {
      if (isAbort(err)) return;
      status(describe(err), isUnavailable(err) ? "warn" : "error");
    },
  };
}

/** Runs `tick` now and every `ms` until the signal aborts; a failure is reported and polling goes on. */
export function poll(signal: AbortSignal, ms: number, tick: () => Promise<void>, onError: (err: unknown) => void): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = async () => {
    try {
      await tick();
    } catch (err) {
      if (!signal.aborted) onError(err);
    }
    if (!signal.aborted) timer = setTimeout(run, document.hidden ? ms * 4 : ms);
  };
  signal.addEventListener("abort", () => clearTimeout(timer), { once: true });
  void run();
}

/**
 * Keeps a server stream open: `open` consumes it; when it ends or fails it is opened again after a
 * backoff (1 s doubling to 15 s, reset once a message arrives) until the signal aborts.
 */
export function keepStreaming(signal: AbortSignal, open: (signal: AbortSignal, received: () => void) => Promise<void>, onError: (err: unknown) => void): void {
  let delay = 1000;
  const loop = async () => {
    while (!signal.aborted) {
      // Each attempt gets its own signal so nothing it opened outlives it.
      const attempt = new AbortController();
      const forward = () => attempt.abort();
      signal.addEventListener("abort", forward, { once: true });
      try {
        await open(attempt.signal, () => (delay = 1000));
      } catch (err) {
        if (signal.aborted) return;
        onError(err);
      } finally {
        attempt.abort();
        signal.removeEventListener("abort", forward);
      }
      if (signal.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 15_000);
    }
  };
  void loop();
}

/** An AbortController per "session" of a panel (symbol or account changed): restart() aborts the last one. */
export function restartable(): { restart(): AbortSignal; stop(): void } {
  let current: AbortController | undefined;
  return {
    restart() {
      current?.abort();
      current = new AbortController();
      return current.signal;
    },
    stop() {
      current?.abort();
      current = undefined;
    },
  };
}
