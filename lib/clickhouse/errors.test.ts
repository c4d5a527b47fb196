import assert from "node:assert/strict";
import { test } from "node:test";
import { ClickHouseError, ClickHouseUnavailableError, errorFromResponse, parseClickHouseErrorText } from "./errors.js";

test("parses the 18.x error text", () => {
  const text = "Code: 60, e.displayText() = DB::Exception: Table default.x doesn't exist., e.what() = DB::Exception\n";
  assert.deepEqual(parseClickHouseErrorText(text), {
    code: 60,
    codeName: undefined,
    message: "Table default.x doesn't exist.",
  });
});

test("parses the 19-21.x error text with a version suffix", () => {
  const text = "Code: 81, e.displayText() = DB::Exception: Database nodb doesn't exist (version 20.3.8.53 (official build))\n";
  assert.deepEqual(parseClickHouseErrorText(text), { code: 81, codeName: undefined, message: "Database nodb doesn't exist" });
});

test("parses the current error text with the code name", () => {
  const text = "Code: 60. DB::Exception: Table default.x does not exist. (UNKNOWN_TABLE) (version 24.3.1.2672 (official build))\n";
  assert.deepEqual(parseClickHouseErrorText(text), { code: 60, codeName: "UNKNOWN_TABLE", message: "Table default.x does not exist." });
  const syntax = "Code: 62. DB::Exception: Syntax error: failed at position 1 ('SELEC'): SELEC 1. Expected one of: ... (SYNTAX_ERROR) (version 23.8.2.7 (official build))";
  const parsed = parseClickHouseErrorText(syntax);
  assert.equal(parsed?.code, 62);
  assert.equal(parsed?.codeName, "SYNTAX_ERROR");
  assert.ok(parsed?.message.startsWith("Syntax error: failed at position 1 ('SELEC')"));
});

test("text without a Code marker is not a server error", () => {
  assert.equal(parseClickHouseErrorText("<html>Bad Gateway</html>"), undefined);
  assert.equal(parseClickHouseErrorText(""), undefined);
});

test("errorFromResponse builds typed errors", () => {
  const known = errorFromResponse(404, "Code: 60, e.displayText() = DB::Exception: Table a.b doesn't exist., e.what() = DB::Exception");
  assert.ok(known instanceof ClickHouseError);
  assert.equal(known.code, 60);
  assert.equal(known.httpStatus, 404);
  assert.equal(known.name, "ClickHouseError");
  assert.ok(errorFromResponse(502, "<html>bad gateway</html>") instanceof ClickHouseUnavailableError);
  const unknown = errorFromResponse(400, "something odd", "27");
  assert.ok(unknown instanceof ClickHouseError);
  assert.equal(unknown.code, 27);
  assert.match(unknown.message, /something odd/);
});
