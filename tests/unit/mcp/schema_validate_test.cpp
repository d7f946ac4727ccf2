// Tests for the inputSchema validator: each keyword passing and failing, with the message text.
#include <doctest/doctest.h>

#include <string>

#include "json/json.h"
#include "mcp/schema_validate.h"

namespace sigma::mcp {
namespace {

json::Value parse_or_die(const std::string& text) {
  json::ParseResult parsed = json::parse(text);
  REQUIRE_MESSAGE(parsed.ok(), text);
  return *parsed.value;
}

struct Row {
  const char* schema;
  const char* value;
  const char* error;  // nullptr = valid
};

void run_table(const Row* rows, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    const Row& row = rows[i];
    CAPTURE(std::string(row.schema));
    CAPTURE(std::string(row.value));
    Status status = validate_arguments(parse_or_die(row.schema), parse_or_die(row.value));
    if (row.error == nullptr) {
      CHECK_MESSAGE(status.is_ok(), status.message());
    } else {
      CHECK_FALSE(status.is_ok());
      CHECK(status.message() == row.error);
    }
  }
}

#define RUN_TABLE(rows) run_table(rows, sizeof(rows) / sizeof(rows[0]))

TEST_CASE("type keyword accepts matching values and names the expected type") {
  const Row rows[] = {
      {R"({"properties":{"a":{"type":"string"}}})", R"({"a":"x"})", nullptr},
      {R"({"properties":{"a":{"type":"string"}}})", R"({"a":5})", "a: must be a string (got 5)"},
      {R"({"properties":{"a":{"type":"integer"}}})", R"({"a":5})", nullptr},
      // JSON Schema: an integer is any number with a zero fractional part.
      {R"({"properties":{"a":{"type":"integer"}}})", R"({"a":5.0})", nullptr},
      {R"({"properties":{"a":{"type":"integer"}}})", R"({"a":5.5})", "a: must be an integer (got 5.5)"},
      {R"({"properties":{"a":{"type":"integer"}}})", R"({"a":"5"})", "a: must be an integer (got \"5\")"},
      {R"({"properties":{"a":{"type":"number"}}})", R"({"a":5.5})", nullptr},
      {R"({"properties":{"a":{"type":"number"}}})", R"({"a":true})", "a: must be a number (got true)"},
      {R"({"properties":{"a":{"type":"boolean"}}})", R"({"a":false})", nullptr},
      {R"({"properties":{"a":{"type":"boolean"}}})", R"({"a":"false"})", "a: must be a boolean (got \"false\")"},
      {R"({"properties":{"a":{"type":"object"}}})", R"({"a":{}})", nullptr},
      {R"({"properties":{"a":{"type":"object"}}})", R"({"a":[]})", "a: must be an object (got [])"},
      {R"({"properties":{"a":{"type":"array"}}})", R"({"a":[]})", nullptr},
      {R"({"properties":{"a":{"type":"array"}}})", R"({"a":{}})", "a: must be an array (got {})"},
      {R"({"properties":{"a":{"type":"null"}}})", R"({"a":null})", nullptr},
      {R"({"properties":{"a":{"type":"null"}}})", R"({"a":0})", "a: must be null (got 0)"},
      {R"({"properties":{"a":{"type":["string","null"]}}})", R"({"a":null})", nullptr},
      {R"({"properties":{"a":{"type":["string","null"]}}})", R"({"a":"s"})", nullptr},
      {R"({"properties":{"a":{"type":["string","null"]}}})", R"({"a":1})", "a: must be a string or null (got 1)"},
      {R"({"properties":{"a":{"type":["string","integer","null"]}}})", R"({"a":true})",
       "a: must be a string, an integer or null (got true)"},
      {R"({"type":"object"})", R"([])", "arguments: must be an object (got [])"},
  };
  RUN_TABLE(rows);
}

TEST_CASE("numeric bounds are inclusive or exclusive and the message states the whole range") {
  const char* range = R"({"properties":{"count":{"type":"integer","minimum":1,"maximum":1000}}})";
  const Row rows[] = {
      {range, R"({"count":1})", nullptr},
      {range, R"({"count":1000})", nullptr},
      {range, R"({"count":0})", "count: must be an integer between 1 and 1000 (got 0)"},
      {range, R"({"count":1001})", "count: must be an integer between 1 and 1000 (got 1001)"},
      {range, R"({"count":-5})", "count: must be an integer between 1 and 1000 (got -5)"},
      {range, R"({"count":"ten"})", "count: must be an integer between 1 and 1000 (got \"ten\")"},
      {range, R"({"count":12345678901234567890})",
       "count: must be an integer between 1 and 1000 (got 12345678901234567890)"},
      {R"({"properties":{"n":{"type":"number","minimum":0.5}}})", R"({"n":0.5})", nullptr},
      {R"({"properties":{"n":{"type":"number","minimum":0.5}}})", R"({"n":0.25})",
       "n: must be a number at least 0.5 (got 0.25)"},
      {R"({"properties":{"n":{"type":"number","maximum":10}}})", R"({"n":10.5})",
       "n: must be a number at most 10 (got 10.5)"},
      {R"({"properties":{"n":{"type":"number","exclusiveMinimum":0}}})", R"({"n":0.001})", nullptr},
      {R"({"properties":{"n":{"type":"number","exclusiveMinimum":0}}})", R"({"n":0})",
       "n: must be a number greater than 0 (got 0)"},
      {R"({"properties":{"n":{"type":"integer","exclusiveMaximum":10}}})", R"({"n":9})", nullptr},
      {R"({"properties":{"n":{"type":"integer","exclusiveMaximum":10}}})", R"({"n":10})",
       "n: must be an integer less than 10 (got 10)"},
      {R"({"properties":{"n":{"type":"integer","minimum":1,"exclusiveMaximum":10}}})", R"({"n":10})",
       "n: must be an integer at least 1 and less than 10 (got 10)"},
      {R"({"properties":{"n":{"minimum":1}}})", R"({"n":0})", "n: must be a number at least 1 (got 0)"},
      // Bounds do not apply to non-numbers.
      {R"({"properties":{"n":{"minimum":1}}})", R"({"n":"x"})", nullptr},
      // Large integers compare exactly, not through double.
      {R"({"properties":{"n":{"type":"integer","maximum":9007199254740993}}})", R"({"n":9007199254740993})", nullptr},
      {R"({"properties":{"n":{"type":"integer","maximum":9007199254740992}}})", R"({"n":9007199254740993})",
       "n: must be an integer at most 9007199254740992 (got 9007199254740993)"},
  };
  RUN_TABLE(rows);
}

TEST_CASE("enum lists the allowed values") {
  const char* proto = R"({"properties":{"protocol":{"type":"string","enum":["tcp","udp"]}}})";
  const Row rows[] = {
      {proto, R"({"protocol":"tcp"})", nullptr},
      {proto, R"({"protocol":"udp"})", nullptr},
      {proto, R"({"protocol":"sctp"})", "protocol: must be one of \"tcp\", \"udp\" (got \"sctp\")"},
      {proto, R"({"protocol":"TCP"})", "protocol: must be one of \"tcp\", \"udp\" (got \"TCP\")"},
      {proto, R"({"protocol":1})", "protocol: must be a string (got 1)"},
      {R"({"properties":{"v":{"enum":[1,"a",null]}}})", R"({"v":null})", nullptr},
      {R"({"properties":{"v":{"enum":[1,"a",null]}}})", R"({"v":2})", "v: must be one of 1, \"a\", null (got 2)"},
  };
  RUN_TABLE(rows);
}

TEST_CASE("string length counts code points") {
  const char* name = R"({"properties":{"s":{"type":"string","minLength":2,"maxLength":4}}})";
  const Row rows[] = {
      {name, R"({"s":"ab"})", nullptr},
      {name, R"({"s":"abcd"})", nullptr},
      {name, R"({"s":"a"})", "s: must be between 2 and 4 characters long (got 1)"},
      {name, R"({"s":"abcde"})", "s: must be between 2 and 4 characters long (got 5)"},
      // Four characters, twelve bytes.
      {name, "{\"s\":\"\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC\"}", nullptr},
      {R"({"properties":{"s":{"minLength":1}}})", R"({"s":""})", "s: must be at least 1 character long (got 0)"},
      {R"({"properties":{"s":{"maxLength":1}}})", R"({"s":"xy"})", "s: must be at most 1 character long (got 2)"},
  };
  RUN_TABLE(rows);
}

TEST_CASE("arrays check their size and every item with an indexed path") {
  const char* ports =
      R"({"properties":{"ports":{"type":"array","minItems":1,"maxItems":3,"items":{"type":"integer","minimum":1,"maximum":65535}}}})";
  const Row rows[] = {
      {ports, R"({"ports":[80]})", nullptr},
      {ports, R"({"ports":[80,443,8080]})", nullptr},
      {ports, R"({"ports":[]})", "ports: must have between 1 and 3 items (got 0)"},
      {ports, R"({"ports":[1,2,3,4]})", "ports: must have between 1 and 3 items (got 4)"},
      {ports, R"({"ports":[80,0]})", "ports[1]: must be an integer between 1 and 65535 (got 0)"},
      {ports, R"({"ports":[80,"x"]})", "ports[1]: must be an integer between 1 and 65535 (got \"x\")"},
      {R"({"properties":{"a":{"minItems":2}}})", R"({"a":[1]})", "a: must have at least 2 items (got 1)"},
      {R"({"properties":{"a":{"maxItems":0}}})", R"({"a":[1]})", "a: must have at most 0 items (got 1)"},
      {R"({"properties":{"a":{"items":false}}})", R"({"a":[1]})", "a[0]: is not allowed"},
      {R"({"properties":{"a":{"items":true}}})", R"({"a":[1,"x",null]})", nullptr},
  };
  RUN_TABLE(rows);
}

TEST_CASE("objects report unexpected, then missing, then wrong members") {
  const char* tool =
      R"({"type":"object","properties":{"count":{"type":"integer"},"protocol":{"type":"string"}},"required":["count"],"additionalProperties":false})";
  const Row rows[] = {
      {tool, R"({"count":1})", nullptr},
      {tool, R"({"count":1,"protocol":"tcp"})", nullptr},
      {tool, R"({})", "missing required argument \"count\""},
      {tool, R"({"count":1,"foo":2})", "unexpected argument \"foo\""},
      // A misspelt name is reported as unexpected rather than as a missing one.
      {tool, R"({"cuont":1})", "unexpected argument \"cuont\""},
      {tool, R"({"protocol":1,"count":1})", "protocol: must be a string (got 1)"},
      {tool, R"({"count":"1","protocol":1})", "count: must be an integer (got \"1\")"},
      // additionalProperties absent: extra members are allowed.
      {R"({"type":"object","properties":{"a":{"type":"string"}}})", R"({"b":1})", nullptr},
      // additionalProperties as a schema applies to the extra members.
      {R"({"type":"object","additionalProperties":{"type":"string"}})", R"({"x":"y"})", nullptr},
      {R"({"type":"object","additionalProperties":{"type":"string"}})", R"({"x":1})", "x: must be a string (got 1)"},
      {R"({"type":"object","additionalProperties":true})", R"({"x":1})", nullptr},
      {R"({"type":"object","additionalProperties":false})", R"({})", nullptr},
      {R"({"type":"object","additionalProperties":false})", R"({"a":1})", "unexpected argument \"a\""},
      // Nested objects name their path.
      {R"({"properties":{"filter":{"type":"object","properties":{"port":{"type":"integer","maximum":10}},"required":["port"],"additionalProperties":false}}})",
       R"({"filter":{"port":11}})", "filter.port: must be an integer at most 10 (got 11)"},
      {R"({"properties":{"filter":{"type":"object","required":["port"]}}})", R"({"filter":{}})",
       "filter: missing required argument \"port\""},
      {R"({"properties":{"filter":{"additionalProperties":false}}})", R"({"filter":{"z":1}})",
       "filter: unexpected argument \"z\""},
      {R"({"properties":{"list":{"items":{"properties":{"x":{"type":"string"}}}}}})", R"({"list":[{"x":"a"},{"x":2}]})",
       "list[1].x: must be a string (got 2)"},
      {R"({"properties":{"a":false}})", R"({"a":1})", "a: is not allowed"},
  };
  RUN_TABLE(rows);
}

TEST_CASE("unknown keywords and malformed keyword values are ignored") {
  const Row rows[] = {
      {R"({"properties":{"a":{"type":"integer","format":"port","pattern":"x"}}})", R"({"a":1})", nullptr},
      {R"({"properties":{"a":{"minimum":"1"}}})", R"({"a":0})", nullptr},
      {R"({"properties":{"a":{"minLength":-1}}})", R"({"a":""})", nullptr},
      {R"({"properties":"nope","required":"count"})", R"({"a":1})", nullptr},
      {R"(true)", R"({"a":1})", nullptr},
      {R"({})", R"(42)", nullptr},
      // An unknown type name matches nothing, so a schema typo fails loudly in tests.
      {R"({"properties":{"a":{"type":"int"}}})", R"({"a":1})", "a: must be a int (got 1)"},
  };
  RUN_TABLE(rows);
}

TEST_CASE("long values are shortened in messages without splitting UTF-8") {
  std::string long_text(200, 'x');
  Status status = validate_arguments(parse_or_die(R"({"properties":{"a":{"type":"integer"}}})"),
                                     parse_or_die("{\"a\":\"" + long_text + "\"}"));
  REQUIRE_FALSE(status.is_ok());
  CHECK(status.message() == "a: must be an integer (got \"" + std::string(63, 'x') + "...)");

  // 2-byte characters straddling the cut point: the cut backs up to a boundary.
  std::string accents;
  for (int i = 0; i < 100; ++i) {
    accents += "\xC3\xA9";
  }
  status = validate_arguments(parse_or_die(R"({"properties":{"a":{"type":"integer"}}})"),
                              parse_or_die("{\"a\":\"" + accents + "\"}"));
  REQUIRE_FALSE(status.is_ok());
  // The message itself must be valid UTF-8: it parses as a JSON string.
  CHECK(json::parse(json::write(json::Value(status.message()))).ok());
  CHECK(status.message().size() < 100);
}

}  // namespace
}  // namespace sigma::mcp
