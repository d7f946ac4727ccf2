#include "app/metrics_endpoint.h"

#include <doctest/doctest.h>

#include <string>

namespace sigma::app {
namespace {

TEST_CASE("an allocation body with a count in 1..1000 parses, with tcp by default") {
  Result<AllocateRequest> r = parse_allocate_request(R"({"count": 3})");
  REQUIRE(r.is_ok());
  CHECK(r->count == 3);
  CHECK(r->protocol == host::Protocol::kTcp);
  Result<AllocateRequest> udp = parse_allocate_request(R"({"protocol":"udp","count":1000})");
  REQUIRE(udp.is_ok());
  CHECK(udp->count == 1000);
  CHECK(udp->protocol == host::Protocol::kUdp);
}

TEST_CASE("a bad allocation body is refused with a sentence naming what is wrong") {
  struct Case {
    const char* body;
    const char* message_start;
  };
  const Case cases[] = {
      {"", "the body is not valid JSON"},
      {"{\"count\": 3", "the body is not valid JSON"},
      {"[3]", "the body must be a JSON object"},
      {"3", "the body must be a JSON object"},
      {"{}", "count is required"},
      {"{\"count\": 0}", "count must be an integer from 1 to 1000"},
      {"{\"count\": 1001}", "count must be an integer from 1 to 1000"},
      {"{\"count\": -1}", "count must be an integer from 1 to 1000"},
      {"{\"count\": 2.5}", "count must be an integer from 1 to 1000"},
      {"{\"count\": \"3\"}", "count must be an integer from 1 to 1000"},
      {"{\"count\": 1e300}", "count must be an integer from 1 to 1000"},
      {"{\"count\": 99999999999999999999999}", "count must be an integer from 1 to 1000"},
      {"{\"count\": 3, \"protocol\": \"sctp\"}", "protocol must be"},
      {"{\"count\": 3, \"protocol\": 6}", "protocol must be"},
      {"{\"count\": 3, \"ttl\": 9}", "unknown member \"ttl\""},
  };
  for (const Case& c : cases) {
    CAPTURE(c.body);
    Result<AllocateRequest> r = parse_allocate_request(c.body);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.error().rfind(c.message_start, 0) == 0);
  }
}

TEST_CASE("an allocation body nested past the depth bound is refused, not recursed into") {
  std::string deep = "{\"count\":1,\"x\":" + std::string(100, '[') + std::string(100, ']') + "}";
  CHECK_FALSE(parse_allocate_request(deep).is_ok());
}

TEST_CASE("error bodies are JSON objects with one error member") {
  http::Response r = json_error_response(409, "only 1 of 3 \"ports\"");
  CHECK(r.status == 409);
  CHECK(r.content_type == "application/json");
  CHECK(r.body == R"({"error":"only 1 of 3 \"ports\""})");
}

}  // namespace
}  // namespace sigma::app
