// Unit tests for net/address: the one host:port parser and the http:// URL
// parser. Every case runs whole and ending exactly at a guard page.
#include "net/address.h"

#include <doctest/doctest.h>

#include <string>

#include "../guard_page.h"

namespace sigma::net {
namespace {

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

struct HostPortCase {
  const char* text;
  int default_port;
  bool ok;
  const char* host;
  uint16_t port;
  const char* why;  // for a failure: part of the message
};

const HostPortCase kHostPortCases[] = {
    {"[::1]:9103", -1, true, "::1", 9103, ""},
    {"localhost:1", -1, true, "localhost", 1, ""},
    {"127.0.0.2:0", -1, true, "127.0.0.2", 0, ""},
    {"127.0.0.1:9103", -1, true, "127.0.0.1", 9103, ""},
    {"LOCALHOST:1", -1, true, "LOCALHOST", 1, ""},
    {"0.0.0.0:65535", -1, true, "0.0.0.0", 65535, ""},
    {"[::]:1", -1, true, "::", 1, ""},
    {"[::ffff:127.0.0.1]:80", -1, true, "::ffff:127.0.0.1", 80, ""},
    {"[fe80::1%eth0]:80", -1, true, "fe80::1%eth0", 80, ""},
    {"node.example.com:80", -1, true, "node.example.com", 80, ""},
    {"under_score:80", -1, true, "under_score", 80, ""},
    {"host:00080", -1, true, "host", 80, ""},
    {"host", 9102, true, "host", 9102, ""},
    {"[::1]", 9102, true, "::1", 9102, ""},
    {"host", 0, true, "host", 0, ""},
    // Bare IPv6 without brackets is ambiguous.
    {"::1:9103", -1, false, "", 0, "IPv6 addresses must be bracketed"},
    {"::1", 9103, false, "", 0, "IPv6 addresses must be bracketed"},
    {"fe80::1", -1, false, "", 0, "IPv6 addresses must be bracketed"},
    // Empty host, empty value.
    {":9103", -1, false, "", 0, "the host is missing"},
    {"", 9103, false, "", 0, "the value is empty"},
    {"", -1, false, "", 0, "the value is empty"},
    {"[]:9103", -1, false, "", 0, "brackets must hold an IPv6 address"},
    // Ports.
    {"host:65536", -1, false, "", 0, "the port is not a number between 0 and 65535"},
    {"host:99999999", -1, false, "", 0, "the port is not a number"},
    {"host:000080", -1, false, "", 0, "the port is not a number"},
    {"host:-1", -1, false, "", 0, "the port is not a number"},
    {"host:+1", -1, false, "", 0, "the port is not a number"},
    {"host:9a", -1, false, "", 0, "the port is not a number"},
    {"host:http", -1, false, "", 0, "the port is not a number"},
    {"host:", -1, false, "", 0, "the port is missing"},
    {"host:", 80, false, "", 0, "the port is missing"},
    {"host", -1, false, "", 0, "the port is missing"},
    {"[::1]", -1, false, "", 0, "the port is missing"},
    {"[::1]:", -1, false, "", 0, "the port is missing"},
    {"host", 65536, false, "", 0, "the default port is outside 0..65535"},
    // Brackets.
    {"[::1", -1, false, "", 0, "the '[' is not closed"},
    {"[::1:9103", -1, false, "", 0, "the '[' is not closed"},
    {"[::1]9103", -1, false, "", 0, "only ':port' may follow ']'"},
    {"[localhost]:80", -1, false, "", 0, "brackets must hold an IPv6 address"},
    {"[127.0.0.1]:80", -1, false, "", 0, "brackets must hold an IPv6 address"},
    {"[nothex]:1", -1, false, "", 0, "brackets must hold an IPv6 address"},
    {"[1:2]:80", -1, false, "", 0, "brackets must hold an IPv6 address"},
    {"[:::]:80", -1, false, "", 0, "brackets must hold an IPv6 address"},
    {"[::1%]:80", -1, false, "", 0, "brackets must hold an IPv6 address"},
    {"[::1%a b]:80", -1, false, "", 0, "brackets must hold an IPv6 address"},
    // Whitespace and other bytes a name cannot hold.
    {" host:80", -1, false, "", 0, "the host must be a name or an IP address"},
    {"host :80", -1, false, "", 0, "the host must be a name or an IP address"},
    {"ho st:80", -1, false, "", 0, "the host must be a name or an IP address"},
    {"\thost:80", -1, false, "", 0, "the host must be a name or an IP address"},
    {"host:80 ", -1, false, "", 0, "the port is not a number"},
    {"host: 80", -1, false, "", 0, "the port is not a number"},
    {"host:80\n", -1, false, "", 0, "the port is not a number"},
    {"host/x:80", -1, false, "", 0, "the host must be a name or an IP address"},
    {"user@host:80", -1, false, "", 0, "the host must be a name or an IP address"},
};

TEST_CASE("parse_host_port accepts host:port, [v6]:port and a bare host with a default port, and nothing else") {
  test::GuardPage page;
  for (const HostPortCase& c : kHostPortCases) {
    SUBCASE((std::string(c.text) + " default " + std::to_string(c.default_port)).c_str()) {
      for (std::string_view input : {std::string_view(c.text), page.place(c.text)}) {
        Result<HostPort> r = parse_host_port(input, c.default_port);
        CHECK_MESSAGE(r.is_ok() == c.ok, (r.is_ok() ? std::string("ok") : r.error()));
        if (r.is_ok() && c.ok) {
          CHECK(r->host == c.host);
          CHECK(r->port == c.port);
          CHECK(r->is_ipv6_literal == (c.text[0] == '['));
        }
        if (!r.is_ok()) {
          CHECK(contains(r.error(), c.why));
          // The message says what is expected and never repeats the input.
          CHECK(contains(r.error(), c.default_port < 0 ? "host:port or [IPv6]:port" : "host[:port]"));
        }
      }
    }
  }
}

TEST_CASE("a host name longer than 253 bytes is refused") {
  const std::string name(253, 'a');
  CHECK(parse_host_port(name + ":1").is_ok());
  CHECK_FALSE(parse_host_port("a" + name + ":1").is_ok());
  CHECK(is_valid_host_name(name));
  CHECK_FALSE(is_valid_host_name(""));
}

TEST_CASE("parse_host_port never reads past the end of any prefix") {
  const std::string text = "[fe80::1%eth0]:65535";
  for (size_t n = 0; n <= text.size(); ++n) {
    test::GuardPage guarded(std::string_view(text).substr(0, n));
    Result<HostPort> r = parse_host_port(guarded.view(), -1);
    // "[fe80::1%eth0]:6" is the shortest prefix with a port.
    CHECK(r.is_ok() == (n >= 16));
  }
}

TEST_CASE("format_host_port writes what parse_host_port reads back") {
  for (const char* text : {"127.0.0.1:9103", "[::1]:0", "[fe80::1%eth0]:80", "localhost:65535"}) {
    Result<HostPort> r = parse_host_port(text);
    REQUIRE(r.is_ok());
    CHECK(format_host_port(*r) == text);
  }
}

struct UrlCase {
  const char* text;
  bool ok;
  const char* host;
  uint16_t port;
  const char* path;
  const char* why;
};

const UrlCase kUrlCases[] = {
    {"http://10.0.0.1:8080", true, "10.0.0.1", 8080, "", ""},
    {"http://api.internal/sigma", true, "api.internal", 80, "/sigma", ""},
    {"HTTP://Api.Internal/Sigma/", true, "Api.Internal", 80, "/Sigma", ""},
    {"http://api/", true, "api", 80, "", ""},
    {"http://api///", true, "api", 80, "", ""},
    {"http://api/a/b//", true, "api", 80, "/a/b", ""},
    {"http://[::1]:9000/x", true, "::1", 9000, "/x", ""},
    {"http://[::1]", true, "::1", 80, "", ""},
    {"http://h:65535/a%20b/~c;d=e:f@g", true, "h", 65535, "/a%20b/~c;d=e:f@g", ""},
    {"https://api.example.com", false, "", 0, "", "no TLS library"},
    {"HTTPS://api.example.com", false, "", 0, "", "TLS forwarder"},
    {"https://x", false, "", 0, "", "private network"},
    {"ftp://x", false, "", 0, "", "an http:// URL"},
    {"api.internal", false, "", 0, "", "an http:// URL"},
    {"http:/x", false, "", 0, "", "an http:// URL"},
    {"http://", false, "", 0, "", "with a host"},
    {"http:///path", false, "", 0, "", "with a host"},
    {"http://user:pw@host", false, "", 0, "", "no user name or password"},
    {"http://user@host/", false, "", 0, "", "no user name or password"},
    {"http://host#frag", false, "", 0, "", "no query or fragment"},
    {"http://host/a#frag", false, "", 0, "", "no query or fragment"},
    {"http://host?x=1", false, "", 0, "", "no query or fragment"},
    {"http://host:0", false, "", 0, "", "a port between 1 and 65535"},
    {"http://host:65536", false, "", 0, "", "a port between 1 and 65535"},
    {"http://host:", false, "", 0, "", "a port between 1 and 65535"},
    {"http://host:+80", false, "", 0, "", "a port between 1 and 65535"},
    {"http://host:8o", false, "", 0, "", "a port between 1 and 65535"},
    {"http://[fe80::1%eth0]", false, "", 0, "", "no IPv6 zone"},
    {"http://[::1", false, "", 0, "", "the '[' is not closed"},
    {"http://::1/", false, "", 0, "", "IPv6 addresses must be bracketed"},
    {"http://host/a b", false, "", 0, "", "no spaces or control characters"},
    {" http://host", false, "", 0, "", "an http:// URL"},
    {"http://host/\x7f", false, "", 0, "", "no spaces or control characters"},
    {"http://host/%zz", false, "", 0, "", "the path may hold only"},
    {"http://host/%4", false, "", 0, "", "the path may hold only"},
    {"http://host/%", false, "", 0, "", "the path may hold only"},
    {"http://host/a\"b", false, "", 0, "", "the path may hold only"},
    {"http://host/a\\b", false, "", 0, "", "the path may hold only"},
    {"http://ho%73t/", false, "", 0, "", "the host must be a name or an IP address"},
};

TEST_CASE("parse_http_url reads http://host[:port][/path] and refuses everything else with the reason") {
  test::GuardPage page;
  for (const UrlCase& c : kUrlCases) {
    SUBCASE(c.text) {
      for (std::string_view input : {std::string_view(c.text), page.place(c.text)}) {
        Result<HttpUrl> r = parse_http_url(input);
        CHECK_MESSAGE(r.is_ok() == c.ok, (r.is_ok() ? std::string("ok") : r.error()));
        if (r.is_ok() && c.ok) {
          CHECK(r->host == c.host);
          CHECK(r->port == c.port);
          CHECK(r->path == c.path);
          CHECK(r->is_ipv6_literal == contains(c.text, "["));
        }
        if (!r.is_ok()) {
          CHECK(contains(r.error(), c.why));
          CHECK(contains(r.error(), "an http:// URL"));
        }
      }
    }
  }
}

TEST_CASE("parse_http_url never reads past the end of any prefix") {
  const std::string text = "http://[::1]:8080/base/%41/";
  for (size_t n = 0; n <= text.size(); ++n) {
    test::GuardPage guarded(std::string_view(text).substr(0, n));
    Result<HttpUrl> r = parse_http_url(guarded.view());
    CAPTURE(n);
    if (r.is_ok()) {
      CHECK(r->host == "::1");
    }
  }
}

}  // namespace
}  // namespace sigma::net
