/** Order in which hooks run; hooks within one phase run concurrently. */
export const SHUTDOWN_PHASES = ["stop-accepting", "drain", "flush", "commit", "close"] as const;
export type ShutdownPhase = (typeof SHUTDOWN_PHASES)[number];

/** Structural: a pino Logger fits. */
export interface ShutdownLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface ShutdownOptions {
  logger: ShutdownLogger;
  /** Budget for each phase; hooks still running after it are logged and abandoned. Default 10000. */
  timeoutMs?: number;
  /** Per-phase override of timeoutMs. */
  phaseTimeoutMs?: Partial<Record<ShutdownPhase, number>>;
}

export interface ShutdownResult {
  /** True when every hook resolved within its phase's budget. */
  ok: boolean;
  failed: string[];
  timedOut: string[];
}

export interface SignalHandlerOptions {
  /** Default ["SIGTERM", "SIGINT"]. */
  signals?: readonly NodeJS.Signals[];
  /** Called with 0 (clean) or 1 (failure, timeout, or a second signal). Default process.exit. */
  exit?: (code: number) => void;
}

export interface Shutdown {
  /** Adds a hook (default phase "close"); returns a function that removes it. */
  register(name: string, fn: () => Promise<void>, options?: { phase?: ShutdownPhase }): () => void;
  /** Runs every phase in order; later calls return the same promise. */
  run(reason: string): Promise<ShutdownResult>;
  /** SIGTERM/SIGINT run the shutdown then exit 0 or 1; a second signal exits 1 at once. Returns an uninstaller. */
  installSignalHandlers(options?: SignalHandlerOptions): () => void;
}

interface Hook {
  name: string;
  fn: () => Promise<void>;
}

export function createShutdown(options: ShutdownOptions): Shutdown {
  const { logger } = options;
  const hooks = new Map<ShutdownPhase, Hook[]>(SHUTDOWN_PHASES.map((p) => [p, []]));
  const finished = new Set<ShutdownPhase>();
  let running: Promise<ShutdownResult> | undefined;

  async function runPhase(phase: ShutdownPhase, result: ShutdownResult): Promise<void> {
    const list = [...hooks.get(phase)!];
    if (list.length === 0) return;
    const timeoutMs = options.phaseTimeoutMs?.[phase] ?? options.timeoutMs ?? 10_000;
    logger.info({ phase, hooks: list.map((h) => h.name) }, "shutdown phase started");
    const pending = new Set(list.map((h) => h.name));
    const settled = Promise.all(
      list.map(async (hook) => {
        try {
          await hook.fn();
        } catch (err) {
          result.failed.push(hook.name);
          logger.error({ phase, hook: hook.name, err }, "shutdown hook failed");
        } finally {
          pending.delete(hook.name);
        }
      }),
    );
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
    });
    const outcome = await Promise.race([settled, timedOut]);
    clearTimeout(timer);
    if (outcome === "timeout") {
      result.timedOut.push(...pending);
      logger.warn({ phase, timeoutMs, abandoned: [...pending] }, "shutdown phase timed out; abandoning hooks");
    }
  }

  async function runAll(reason: string): Promise<ShutdownResult> {
    const result: ShutdownResult = { ok: true, failed: [], timedOut: [] };
    logger.info({ reason }, "shutdown started");
    for (const phase of SHUTDOWN_PHASES) {
      await runPhase(phase, result);
      finished.add(phase);
    }
    result.ok = result.failed.length === 0 && result.timedOut.length === 0;
    const log = result.ok ? logger.info.bind(logger) : logger.error.bind(logger);
    log({ reason, failed: result.failed, timedOut: result.timedOut }, result.ok ? "shutdown complete" : "shutdown finished with problems");
    return result;
  }

  const shutdown: Shutdown = {
    register(name, fn, { phase = "close" } = {}) {
      if (finished.has(phase)) {
        logger.warn({ phase, hook: name }, "shutdown hook registered after its phase ran; ignored");
        return () => {};
      }
      const hook = { name, fn };
      hooks.get(phase)!.push(hook);
      return () => {
        const list = hooks.get(phase)!;
        const i = list.indexOf(hook);
        if (i >= 0) list.splice(i, 1);
      };
    },

    run(reason) {
      // Deferred a tick so a hook that calls run() sees the promise already set.
      running ??= Promise.resolve().then(() => runAll(reason));
      return running;
    },

    installSignalHandlers({ signals = ["SIGTERM", "SIGINT"], exit = (code: number) => process.exit(code) } = {}) {
      let received = false;
      const onSignal = (signal: NodeJS.Signals): void => {
        if (received) {
          logger.warn({ signal }, "second signal during shutdown; exiting now");
          exit(1);
          return;
        }
        received = true;
        shutdown.run(signal).then(
          (r) => exit(r.ok ? 0 : 1),
          () => exit(1),
        );
      };
      for (const s of signals) process.on(s, onSignal);
      return () => {
        for (const s of signals) process.off(s, onSignal);
      };
    },
  };
  return shutdown;
}
