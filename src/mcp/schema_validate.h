// A small JSON Schema validator for tool arguments (the subset our tools' inputSchema use).
//
// Owns: checking a value against a schema and phrasing the first problem as one
// sentence that names the argument, for the model to read and correct.
// Supported keywords: type (a name or an array of names; "integer" accepts any
// number with an integral value, per JSON Schema 2020-12 validation §6.1.1),
// enum, properties, required, additionalProperties (false or a schema), items
// (one schema), minItems, maxItems, minLength, maxLength (counted in Unicode
// code points, §6.3.1), minimum, maximum, exclusiveMinimum, exclusiveMaximum
// (numeric 2020-12 form). Boolean schemas (true/false) are understood. Other
// keywords and malformed keyword values are ignored: schemas are ours, not the
// client's, and are checked by tests.
// Must not: throw, or copy the value being validated.
// Threading: pure functions.
#pragma once

#include "base/status.h"
#include "json/value.h"

namespace sigma::mcp {

// Success when `value` satisfies `schema`. Failure message examples:
//   count: must be an integer between 1 and 1000 (got 0)
//   protocol: must be one of "tcp", "udp" (got "sctp")
//   unexpected argument "foo"
//   missing required argument "count"
//   filter.ports[2]: must be an integer (got "x")
// Within an object, unexpected members are reported first, then missing
// required ones, then member values in the order the client sent them.
// Nesting depth is bounded by the parser's limit on `value`.
[[nodiscard]] Status validate_arguments(const json::Value& schema, const json::Value& value);

}  // namespace sigma::mcp
