export { CORRELATION_HEADER, currentCorrelationId, newCorrelationId, runWithCorrelation } from "./correlation.js";
export { contextFields, createLogger } from "./logger.js";
export type { Logger, LoggerOptions } from "./logger.js";
