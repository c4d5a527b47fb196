export { SHUTDOWN_PHASES, createShutdown } from "./shutdown.js";
export type { Shutdown, ShutdownLogger, ShutdownOptions, ShutdownPhase, ShutdownResult, SignalHandlerOptions } from "./shutdown.js";
