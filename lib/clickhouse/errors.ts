// Errors from the ClickHouse HTTP interface, parsed from both text forms:
//   18.x:    Code: 60, e.displayText() = DB::Exception: Table default.x doesn't exist., e.what() = DB::Exception
//   19-21.x: Code: 60, e.displayText() = DB::Exception: Table default.x doesn't exist (version 20.3.1.1)
//   22+:     Code: 60. DB::Exception: Table default.x does not exist. (UNKNOWN_TABLE) (version 23.8.1.1)

/** A few stable server error codes (the same numbers on every version). */
export const ClickHouseErrorCode = {
  UNKNOWN_IDENTIFIER: 47,
  TABLE_ALREADY_EXISTS: 57,
  UNKNOWN_TABLE: 60,
  SYNTAX_ERROR: 62,
  UNKNOWN_DATABASE: 81,
  DATABASE_ALREADY_EXISTS: 82,
  TIMEOUT_EXCEEDED: 159,
  TOO_MANY_SIMULTANEOUS_QUERIES: 202,
  MEMORY_LIMIT_EXCEEDED: 241,
  TOO_MANY_PARTS: 252,
  AUTHENTICATION_FAILED: 516,
} as const;

/** The server answered with an error. */
export class ClickHouseError extends Error {
  override readonly name = "ClickHouseError";
  constructor(
    /** Server error code (0 when the response could not be parsed). */
    readonly code: number,
    message: string,
    /** Symbolic code name such as "UNKNOWN_TABLE"; only newer servers send it. */
    readonly codeName: string | undefined,
    /** HTTP status, or 200 when the error arrived in the middle of a streamed result. */
    readonly httpStatus: number,
  ) {
    super(message);
  }
}

/** The server could not be reached or did not answer in time; safe to treat as UNAVAILABLE. */
export class ClickHouseUnavailableError extends Error {
  override readonly name = "ClickHouseUnavailableError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

const CODE = /Code: (\d+)[.,] /;

export interface ParsedServerError {
  code: number;
  codeName: string | undefined;
  message: string;
}

/** Parses a server error text in any known form; undefined when `text` holds no "Code: N" marker. */
export function parseClickHouseErrorText(text: string): ParsedServerError | undefined {
  const match = CODE.exec(text);
  if (!match) return undefined;
  let message = text.slice(match.index + match[0].length).trim();
  message = message.replace(/^e\.displayText\(\) = /, "");
  message = message.replace(/, e\.what\(\) = [\w:]+$/, "");
  message = message.replace(/\s*\(version [^\n]*\)\s*$/, "");
  let codeName: string | undefined;
  const named = /\s*\(([A-Z][A-Z0-9_]*)\)$/.exec(message);
  if (named) {
    codeName = named[1];
    message = message.slice(0, named.index);
  }
  message = message.replace(/^DB::Exception: /, "").trim();
  return { code: Number(match[1]), codeName, message };
}

/** Builds the error for a failed HTTP response body. */
export function errorFromResponse(status: number, body: string, headerCode?: string): Error {
  const parsed = parseClickHouseErrorText(body);
  if (parsed) return new ClickHouseError(parsed.code, parsed.message, parsed.codeName, status);
  if (status === 502 || status === 503 || status === 504) {
    return new ClickHouseUnavailableError(`ClickHouse answered HTTP ${status}: ${body.slice(0, 200)}`);
  }
  const code = headerCode && /^\d+$/.test(headerCode) ? Number(headerCode) : 0;
  return new ClickHouseError(code, `HTTP ${status}: ${body.slice(0, 500).trim()}`, undefined, status);
}
