#include "auth/origin.h"

#include <doctest/doctest.h>

#include <string>

#include "../guard_page.h"

namespace sigma::auth {
namespace {

struct OriginCase {
  const char* text;
  bool ok;
  const char* scheme;
  const char* host;
  int port;
};

const OriginCase kOriginCases[] = {
    {"http://localhost:9103", true, "http", "localhost", 9103},
    {"http://localhost", true, "http", "localhost", -1},
    {"HTTPS://LocalHost:443", true, "HTTPS", "LocalHost", 443},
    {"http://127.0.0.1:6274", true, "http", "127.0.0.1", 6274},
    {"http://[::1]:9103", true, "http", "[::1]", 9103},
    {"http://[::1]", true, "http", "[::1]", -1},
    {"https://example.com", true, "https", "example.com", -1},
    {"vscode-webview://abc123", true, "vscode-webview", "abc123", -1},
    {"http://a:0", true, "http", "a", 0},
    {"http://a:65535", true, "http", "a", 65535},
    {"null", false, "", "", -1},
    {"", false, "", "", -1},
    {"http://", false, "", "", -1},
    {"http://:80", false, "", "", -1},
    {"http://localhost/", false, "", "", -1},
    {"http://localhost:9103/mcp", false, "", "", -1},
    {"http://localhost?x", false, "", "", -1},
    {"http://user@localhost", false, "", "", -1},
    {"http://localhost:", false, "", "", -1},
    {"http://localhost:65536", false, "", "", -1},
    {"http://localhost:80a", false, "", "", -1},
    {"http://localhost:+80", false, "", "", -1},
    {"http://localhost :80", false, "", "", -1},
    {" http://localhost", false, "", "", -1},
    {"http://[::1", false, "", "", -1},
    {"http://[::1]x", false, "", "", -1},
    {"http://[zz::1]", false, "", "", -1},
    {"http://[]", false, "", "", -1},
    {"http://[127.0.0.1]", false, "", "", -1},
    {"http://loc%61lhost", false, "", "", -1},
    {"1http://a", false, "", "", -1},
    {"ht tp://a", false, "", "", -1},
    {"://a", false, "", "", -1},
    {"localhost:9103", false, "", "", -1},
};

TEST_CASE("parse_origin accepts scheme://host[:port] and nothing more") {
  for (const OriginCase& c : kOriginCases) {
    SUBCASE(c.text) {
      auto check = [&](std::string_view text) {
        std::optional<OriginParts> o = parse_origin(text);
        CHECK(o.has_value() == c.ok);
        if (o && c.ok) {
          CHECK(o->scheme == c.scheme);
          CHECK(o->host == c.host);
          CHECK(o->port == c.port);
        }
      };
      check(c.text);
      test::GuardPage guarded(c.text);
      check(guarded.view());
    }
  }
}

TEST_CASE("parse_origin on every prefix never reads past the end") {
  const std::string text = "https://[::1]:65535";
  for (size_t n = 0; n <= text.size(); ++n) {
    test::GuardPage guarded(std::string_view(text).substr(0, n));
    std::optional<OriginParts> o = parse_origin(guarded.view());
    // Valid prefixes: "https://[::1]" (13) and with a port of 1 to 5 digits (15..19).
    CHECK(o.has_value() == (n == 13 || n >= 15));
  }
}

TEST_CASE("serialize_origin lower-cases scheme and host and keeps the port as written") {
  CHECK(serialize_origin(*parse_origin("HTTP://LocalHost:80")) == "http://localhost:80");
  CHECK(serialize_origin(*parse_origin("https://[::1]")) == "https://[::1]");
}

TEST_CASE("same_origin compares case-insensitively and applies default ports") {
  auto same = [](const char* a, const char* b) { return same_origin(*parse_origin(a), *parse_origin(b)); };
  CHECK(same("http://localhost:9103", "HTTP://LOCALHOST:9103"));
  CHECK(same("http://localhost", "http://localhost:80"));
  CHECK(same("https://localhost", "https://localhost:443"));
  CHECK_FALSE(same("http://localhost", "https://localhost"));
  CHECK_FALSE(same("http://localhost:9103", "http://localhost:9104"));
  CHECK_FALSE(same("http://localhost:443", "https://localhost:80"));
  CHECK_FALSE(same("http://localhost:9103", "http://localhost"));
  CHECK_FALSE(same("http://127.0.0.1", "http://localhost"));
  CHECK_FALSE(same("foo://a", "foo://a:80"));
}

struct HostCase {
  const char* value;
  bool loopback;
};

const HostCase kHostCases[] = {
    {"localhost", true},
    {"LOCALHOST", true},
    {"LocalHost:9103", true},
    {"localhost:0", true},
    {"127.0.0.1", true},
    {"127.0.0.1:9103", true},
    {"127.5.6.7:1", true},
    {"127.255.255.255", true},
    {"[::1]", true},
    {"[::1]:9103", true},
    {"[0:0:0:0:0:0:0:1]:9103", true},
    {"", false},
    {":9103", false},
    {"localhost:", false},
    {"localhost:99999", false},
    {"localhost:123456", false},
    {"localhost:80a", false},
    {"localhost:-1", false},
    {"localhost.", false},
    {"localhost.evil.com", false},
    {"evil.com", false},
    {"evil.localhost", false},
    {"127.0.0.1.nip.io", false},
    {"127.0.0.1.", false},
    {"127.1", false},
    {"127.0.0.01", false},
    {"0127.0.0.1", false},
    {"127.0.0.256", false},
    {"127.0.0.1:80:80", false},
    {"128.0.0.1", false},
    {"0.0.0.0", false},
    {"10.0.0.1:9103", false},
    {"[::1", false},
    {"[::1]9103", false},
    {"[::2]", false},
    {"[::]", false},
    {"[::ffff:127.0.0.1]", false},
    {"::1", false},
    {"[localhost]", false},
    {"local host", false},
    {" localhost", false},
    {"localhost ", false},
};

TEST_CASE("is_loopback_host_header accepts only loopback names with an optional numeric port") {
  for (const HostCase& c : kHostCases) {
    SUBCASE(c.value) {
      CHECK(is_loopback_host_header(c.value) == c.loopback);
      test::GuardPage guarded(c.value);
      CHECK(is_loopback_host_header(guarded.view()) == c.loopback);
    }
  }
}

TEST_CASE("is_loopback_host_header on every prefix never reads past the end") {
  const std::string text = "[0:0:0:0:0:0:0:1]:9103";
  for (size_t n = 0; n <= text.size(); ++n) {
    test::GuardPage guarded(std::string_view(text).substr(0, n));
    // Valid: the bracketed address alone (17) or with 1..4 port digits (19..22).
    CHECK(is_loopback_host_header(guarded.view()) == (n == 17 || n >= 19));
  }
}

TEST_CASE("default_allowed_origins lists http and https loopback origins with and without the port") {
  std::vector<std::string> origins = default_allowed_origins(9103);
  const std::vector<std::string> expected = {
      "http://localhost:9103",  "http://localhost",  "http://127.0.0.1:9103",  "http://127.0.0.1",
      "http://[::1]:9103",      "http://[::1]",      "https://localhost:9103", "https://localhost",
      "https://127.0.0.1:9103", "https://127.0.0.1", "https://[::1]:9103",     "https://[::1]",
  };
  CHECK(origins == expected);
  for (const std::string& o : origins) {
    CHECK_MESSAGE(parse_origin(o).has_value(), o);
  }
}

TEST_CASE("origin_allowed with an explicit list requires the same origin as one entry") {
  const std::vector<std::string> allowed = {"http://localhost:6274", "https://ops.example.com", "garbage"};
  CHECK(origin_allowed("http://localhost:6274", allowed));
  CHECK(origin_allowed("HTTP://LOCALHOST:6274", allowed));
  CHECK(origin_allowed("https://ops.example.com:443", allowed));
  CHECK_FALSE(origin_allowed("http://localhost:6275", allowed));
  CHECK_FALSE(origin_allowed("http://localhost", allowed));
  CHECK_FALSE(origin_allowed("http://ops.example.com", allowed));
  CHECK_FALSE(origin_allowed("https://evil.example.com", allowed));
  CHECK_FALSE(origin_allowed("garbage", allowed));
  CHECK_FALSE(origin_allowed("null", allowed));
  CHECK_FALSE(origin_allowed("http://localhost:6274/", allowed));
}

TEST_CASE("origin_allowed with an empty list accepts loopback origins only") {
  const std::vector<std::string> none;
  CHECK(origin_allowed("http://localhost:6274", none));
  CHECK(origin_allowed("https://127.0.0.1", none));
  CHECK(origin_allowed("http://[::1]:9103", none));
  CHECK_FALSE(origin_allowed("http://evil.com", none));
  CHECK_FALSE(origin_allowed("http://localhost.evil.com", none));
  CHECK_FALSE(origin_allowed("ftp://localhost", none));
  CHECK_FALSE(origin_allowed("null", none));
  SUBCASE("pinned to a port") {
    CHECK(origin_allowed("http://localhost:9103", none, 9103));
    CHECK_FALSE(origin_allowed("http://localhost:6274", none, 9103));
    CHECK(origin_allowed("http://localhost", none, 80));
  }
}

}  // namespace
}  // namespace sigma::auth
