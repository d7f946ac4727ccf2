// Tests for the stateless-era rules: the era router, the required _meta
// keys, the Standard Request Headers and the Base64 sentinel.
#include <doctest/doctest.h>

#include <optional>
#include <string>

#include "json/json.h"
#include "mcp/jsonrpc.h"
#include "mcp/stateless.h"

namespace sigma::mcp {
namespace {

using json::Value;

Value parse_or_die(const std::string& text) {
  json::ParseResult parsed = json::parse(text);
  REQUIRE_MESSAGE(parsed.ok(), text);
  return *parsed.value;
}

const std::string kMeta =
    R"("_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}})";

TEST_CASE("the era router follows the checklist order") {
  struct Row {
    const char* name;
    std::string body;
    std::optional<std::string> header;
    Era era;
  };
  const Row rows[] = {
      {"no header, no _meta", R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})", std::nullopt, Era::kHandshake},
      {"handshake header", R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})", "2025-06-18", Era::kHandshake},
      {"unknown header, no _meta", R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})", "2099-01-01",
       Era::kHandshake},
      {"stateless header without _meta", R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})", "2026-07-28",
       Era::kStateless},
      {"_meta version without header", R"({"jsonrpc":"2.0","id":1,"method":"server/discover","params":{)" + kMeta + "}}",
       std::nullopt, Era::kStateless},
      {"_meta version with a handshake header", R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{)" + kMeta + "}}",
       "2025-11-25", Era::kStateless},
      {"_meta naming a handshake version",
       R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2025-11-25"}}})",
       std::nullopt, Era::kStateless},
      {"_meta version of the wrong type",
       R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":7}}})",
       std::nullopt, Era::kStateless},
      {"_meta without the version key", R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"_meta":{"progressToken":1}}})",
       std::nullopt, Era::kHandshake},
      {"initialize with a stateless header",
       R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2026-07-28"}})", "2026-07-28",
       Era::kHandshake},
      {"initialize with stateless _meta", R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{)" + kMeta + "}}",
       std::nullopt, Era::kHandshake},
      {"a notification with stateless _meta",
       R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{)" + kMeta + "}}", std::nullopt,
       Era::kStateless},
      {"params that are not an object", R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":[1]})",
       std::nullopt, Era::kHandshake},
      {"not an object", "[1]", "2026-07-28", Era::kHandshake},
  };
  for (const Row& row : rows) {
    SUBCASE(row.name) { CHECK(route_era(parse_or_die(row.body), row.header) == row.era); }
  }
}

TEST_CASE("a stateless request without its required _meta keys is -32602 naming the field") {
  struct Row {
    const char* name;
    const char* params;  // nullptr: no params member
    const char* names;   // a part of the message
  };
  const Row rows[] = {
      {"no params", nullptr, "params._meta is required"},
      {"params not an object", "[]", "params must be an object"},
      {"no _meta", "{}", "params._meta is required"},
      {"_meta not an object", R"({"_meta":"x"})", "params._meta must be an object"},
      {"no version", R"({"_meta":{"io.modelcontextprotocol/clientCapabilities":{}}})", "protocolVersion"},
      {"version not a string",
       R"({"_meta":{"io.modelcontextprotocol/protocolVersion":20260728,"io.modelcontextprotocol/clientCapabilities":{}}})",
       "protocolVersion"},
      {"no capabilities", R"({"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}})", "clientCapabilities"},
      {"capabilities not an object",
       R"({"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":[]}})",
       "clientCapabilities"},
  };
  for (const Row& row : rows) {
    SUBCASE(row.name) {
      Value params = row.params != nullptr ? parse_or_die(row.params) : Value();
      std::string version = "unchanged";
      std::optional<Refusal> refused = check_request_meta(row.params != nullptr ? &params : nullptr, version);
      REQUIRE(refused.has_value());
      CHECK(refused->code == kInvalidParams);
      CHECK_MESSAGE(refused->message.find(row.names) != std::string::npos, refused->message);
      CHECK(version == "unchanged");
    }
  }
  SUBCASE("complete _meta passes and yields the version, whatever it names") {
    Value params = parse_or_die(
        R"({"_meta":{"io.modelcontextprotocol/protocolVersion":"2099-01-01","io.modelcontextprotocol/clientCapabilities":{"x":{}}}})");
    std::string version;
    CHECK_FALSE(check_request_meta(&params, version).has_value());
    CHECK(version == "2099-01-01");
  }
}

StandardHeaders http_headers(std::optional<std::string> version, std::optional<std::string> method,
                             std::optional<std::string> name = std::nullopt) {
  StandardHeaders headers;
  headers.present = true;
  headers.protocol_version = std::move(version);
  headers.method = std::move(method);
  headers.name = std::move(name);
  return headers;
}

TEST_CASE("standard headers that are missing or differ from the body are -32020 naming the header") {
  Value call = parse_or_die(R"({"name":"query_metrics"})");
  struct Row {
    const char* name;
    StandardHeaders headers;
    const char* method;
    const char* names;  // nullptr: accepted
  };
  const Row rows[] = {
      {"all present and equal", http_headers("2026-07-28", "tools/call", "query_metrics"), "tools/call", nullptr},
      {"no protocol version", http_headers(std::nullopt, "tools/call", "query_metrics"), "tools/call",
       "MCP-Protocol-Version"},
      {"protocol version differs", http_headers("2025-11-25", "tools/call", "query_metrics"), "tools/call",
       "MCP-Protocol-Version"},
      {"no method", http_headers("2026-07-28", std::nullopt, "query_metrics"), "tools/call", "Mcp-Method"},
      {"method differs", http_headers("2026-07-28", "tools/list", "query_metrics"), "tools/call", "Mcp-Method"},
      {"method compares case-sensitively", http_headers("2026-07-28", "Tools/Call", "query_metrics"), "tools/call",
       "Mcp-Method"},
      {"repeated method lines joined", http_headers("2026-07-28", "tools/call, tools/call", "query_metrics"),
       "tools/call", "Mcp-Method"},
      {"no name on tools/call", http_headers("2026-07-28", "tools/call"), "tools/call", "Mcp-Name"},
      {"name differs", http_headers("2026-07-28", "tools/call", "allocate_ports"), "tools/call", "Mcp-Name"},
      {"name in the Base64 sentinel", http_headers("2026-07-28", "tools/call", "=?base64?cXVlcnlfbWV0cmljcw==?="),
       "tools/call", nullptr},
      {"malformed Base64 sentinel", http_headers("2026-07-28", "tools/call", "=?base64?cXVlcn*fbWV0cmljcw==?="),
       "tools/call", "Base64"},
      {"upper-case marker is a literal", http_headers("2026-07-28", "tools/call", "=?BASE64?cXVlcnlfbWV0cmljcw==?="),
       "tools/call", "Mcp-Name"},
      {"no name needed off tools/call", http_headers("2026-07-28", "tools/list"), "tools/list", nullptr},
  };
  for (const Row& row : rows) {
    SUBCASE(row.name) {
      std::optional<Refusal> refused = check_standard_headers(row.headers, row.method, &call, "2026-07-28");
      if (row.names == nullptr) {
        CHECK_FALSE(refused.has_value());
      } else {
        REQUIRE(refused.has_value());
        CHECK(refused->code == kHeaderMismatch);
        CHECK_MESSAGE(refused->message.find(row.names) != std::string::npos, refused->message);
      }
    }
  }
  SUBCASE("stdio has no headers to check") {
    StandardHeaders none;
    CHECK_FALSE(check_standard_headers(none, "tools/call", &call, "2026-07-28").has_value());
  }
  SUBCASE("a tools/call without a string name leaves the refusal to tools/call") {
    Value no_name = parse_or_die(R"({"arguments":{}})");
    CHECK_FALSE(
        check_standard_headers(http_headers("2026-07-28", "tools/call"), "tools/call", &no_name, "2026-07-28"));
  }
}

TEST_CASE("the Base64 sentinel decodes the standard alphabet and refuses malformed payloads") {
  CHECK(*decode_header_value("plain") == "plain");
  CHECK(*decode_header_value("") == "");
  CHECK(*decode_header_value("=?base64?" "?=") == "");  // split: "??=" is a trigraph
  CHECK(*decode_header_value("=?base64?aA==?=") == "h");
  CHECK(*decode_header_value("=?base64?aGk=?=") == "hi");
  CHECK(*decode_header_value("=?base64?aGV5?=") == "hey");
  CHECK(*decode_header_value("=?base64?w6k=?=") == "\xC3\xA9");
  CHECK(*decode_header_value("=?base64?+/+/?=") == "\xFB\xFF\xBF");
  CHECK(*decode_header_value("=?base64?aGk=") == "=?base64?aGk=");  // no suffix: literal
  const char* malformed[] = {"=?base64?aGk?=", "=?base64?a===?=", "=?base64?aG=k?=", "=?base64?aA==aGk=?=",
                             "=?base64?-_-_?=", "=?base64? aGk?="};
  for (const char* value : malformed) {
    CAPTURE(std::string(value));
    CHECK_FALSE(decode_header_value(value).has_value());
  }
}

}  // namespace
}  // namespace sigma::mcp
