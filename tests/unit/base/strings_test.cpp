// Tests for base/strings.h.
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>
#include <vector>

#include "base/strings.h"

using namespace std::string_view_literals;

TEST_CASE("ASCII case folding leaves non-letters and non-ASCII bytes alone") {
  CHECK(sigma::ascii_lower('A') == 'a');
  CHECK(sigma::ascii_lower('Z') == 'z');
  CHECK(sigma::ascii_lower('a') == 'a');
  CHECK(sigma::ascii_lower('@') == '@');
  CHECK(sigma::ascii_lower('[') == '[');
  CHECK(sigma::ascii_lower('\xC9') == '\xC9');
  CHECK(sigma::to_lower("Content-Type: \xC3\x89T\xC3\x89") == "content-type: \xC3\x89t\xC3\x89");
}

TEST_CASE("iequals compares ASCII case-insensitively and by length") {
  struct Case {
    std::string_view a;
    std::string_view b;
    bool equal;
  };
  const Case cases[] = {
      {"Bearer", "bearer", true}, {"", "", true},        {"abc", "abd", false},
      {"abc", "abcd", false},     {"a", "", false},      {"\xC3\x89", "\xC3\xA9", false},
      {"X-Y", "x-y", true},       {"a b", "A B", true},
  };
  for (const Case& c : cases) {
    SUBCASE((std::string(c.a) + "|" + std::string(c.b)).c_str()) {
      CHECK(sigma::iequals(c.a, c.b) == c.equal);
      CHECK(sigma::iequals(c.b, c.a) == c.equal);
    }
  }
}

TEST_CASE("istarts_with matches a case-insensitive prefix") {
  CHECK(sigma::istarts_with("Bearer abc", "bearer "));
  CHECK(sigma::istarts_with("abc", ""));
  CHECK_FALSE(sigma::istarts_with("Bear", "bearer"));
  CHECK_FALSE(sigma::istarts_with("Basic x", "bearer"));
}

TEST_CASE("trim_ows strips only spaces and tabs") {
  CHECK(sigma::trim_ows(" \t value \t ") == "value");
  CHECK(sigma::trim_ows("\r\nvalue\r\n") == "\r\nvalue\r\n");
  CHECK(sigma::trim_ows("   ").empty());
  CHECK(sigma::trim_ows("") == "");
  CHECK(sigma::trim_ows("a b") == "a b");
}

TEST_CASE("trim_space strips all ASCII whitespace but nothing else") {
  CHECK(sigma::trim_space(" \t\r\n\v\fvalue\f\v\n\r\t ") == "value");
  CHECK(sigma::trim_space("\xC2\xA0x") == "\xC2\xA0x");
  CHECK(sigma::trim_space("\n\n").empty());
  CHECK(sigma::trim_space("in side") == "in side");
}

TEST_CASE("split keeps empty pieces") {
  using V = std::vector<std::string_view>;
  CHECK(sigma::split("a,b,c", ',') == V{"a", "b", "c"});
  CHECK(sigma::split("", ',') == V{""});
  CHECK(sigma::split(",", ',') == V{"", ""});
  CHECK(sigma::split("a,,b,", ',') == V{"a", "", "b", ""});
  CHECK(sigma::split("abc", ',') == V{"abc"});
}

TEST_CASE("hex_digit_value maps 0-9, a-f and A-F to their values and every other byte to -1") {
  const std::string_view lower = "0123456789abcdef";
  const std::string_view upper = "ABCDEF";
  for (size_t i = 0; i < lower.size(); ++i) {
    CAPTURE(lower[i]);
    CHECK(sigma::hex_digit_value(lower[i]) == static_cast<int>(i));
  }
  for (size_t i = 0; i < upper.size(); ++i) {
    CAPTURE(upper[i]);
    CHECK(sigma::hex_digit_value(upper[i]) == static_cast<int>(10 + i));
  }
  // Every other byte value, including the neighbours '/', ':', '@', 'G', '`', 'g' and non-ASCII.
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    if (lower.find(c) == std::string_view::npos && upper.find(c) == std::string_view::npos) {
      CAPTURE(b);
      CHECK(sigma::hex_digit_value(c) == -1);
    }
  }
}

TEST_CASE("parse_u64 accepts only whole unsigned decimal strings") {
  struct Case {
    std::string_view text;
    std::optional<uint64_t> value;
  };
  const Case cases[] = {
      {"0", 0},
      {"42", 42},
      {"007", 7},
      {"18446744073709551615", std::numeric_limits<uint64_t>::max()},
      {"18446744073709551616", std::nullopt},
      {"99999999999999999999999", std::nullopt},
      {"", std::nullopt},
      {"-1", std::nullopt},
      {"+1", std::nullopt},
      {" 1", std::nullopt},
      {"1 ", std::nullopt},
      {"1x", std::nullopt},
      {"0x10", std::nullopt},
      {"1.0", std::nullopt},
      {"1\0"sv, std::nullopt},
  };
  for (const Case& c : cases) {
    SUBCASE(std::string(c.text).c_str()) {
      CHECK(sigma::parse_u64(c.text) == c.value);
    }
  }
}
