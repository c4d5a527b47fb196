export { createClickHouseClient } from "./client.js";
export type { CallOptions, ClickHouseClient, ClickHouseClientOptions, ClickHouseSettings } from "./client.js";
export { ClickHouseError, ClickHouseErrorCode, ClickHouseUnavailableError, parseClickHouseErrorText } from "./errors.js";
export { Sql, identifier, rawSql, sql, sqlArray, sqlDateTime, sqlIdentifier, sqlNumber, sqlString, sqlValue } from "./sql-literal.js";
export type { SqlValue } from "./sql-literal.js";
