#include "auth/token.h"

#include <doctest/doctest.h>

#include <string>

#include "../guard_page.h"

namespace sigma::auth {
namespace {

TEST_CASE("tokens_equal matches only identical non-empty tokens") {
  const std::string secret = "s3cr3t-T0ken_value~+/==";
  SUBCASE("equal") { CHECK(tokens_equal(secret, secret)); }
  SUBCASE("equal but distinct buffers") { CHECK(tokens_equal(std::string(secret), secret)); }
  SUBCASE("unequal at the first byte") {
    std::string other = secret;
    other[0] = 'S';
    CHECK_FALSE(tokens_equal(other, secret));
  }
  SUBCASE("unequal at the last byte") {
    std::string other = secret;
    other.back() = '-';
    CHECK_FALSE(tokens_equal(other, secret));
  }
  SUBCASE("unequal in one bit only") {
    std::string other = secret;
    other[5] = static_cast<char>(other[5] ^ 0x01);
    CHECK_FALSE(tokens_equal(other, secret));
  }
  SUBCASE("presented is a prefix of expected") { CHECK_FALSE(tokens_equal(secret.substr(0, 10), secret)); }
  SUBCASE("expected is a prefix of presented") { CHECK_FALSE(tokens_equal(secret + "x", secret)); }
  SUBCASE("presented repeats expected") { CHECK_FALSE(tokens_equal(secret + secret, secret)); }
  SUBCASE("a one-byte token against its own repetition") {
    CHECK_FALSE(tokens_equal("aa", "a"));
    CHECK_FALSE(tokens_equal("a", "aa"));
    CHECK(tokens_equal("a", "a"));
  }
  SUBCASE("a length difference in high bits only is still a difference") {
    // Presented repeats the expected byte, so only the length fold can tell
    // them apart; a fold truncated to 8 or 16 bits would call these equal.
    CHECK_FALSE(tokens_equal(std::string(257, 'a'), "a"));
    CHECK_FALSE(tokens_equal(std::string(65537, 'a'), "a"));
  }
  SUBCASE("empty presented") { CHECK_FALSE(tokens_equal("", secret)); }
  SUBCASE("empty expected never matches") {
    CHECK_FALSE(tokens_equal("", ""));
    CHECK_FALSE(tokens_equal("x", ""));
  }
  SUBCASE("embedded NUL bytes count") {
    CHECK_FALSE(tokens_equal(std::string_view("ab\0", 3), std::string_view("ab\0x", 4)));
    CHECK(tokens_equal(std::string_view("a\0b", 3), std::string_view("a\0b", 3)));
  }
}

struct BearerCase {
  const char* value;
  const char* token;  // nullptr: rejected
};

const BearerCase kBearerCases[] = {
    {"Bearer abc", "abc"},
    {"bearer x", "x"},
    {"BEARER x", "x"},
    {"BeArEr x", "x"},
    {"Bearer  x", "x"},
    {"Bearer    x", "x"},
    {"Bearer x ", "x"},
    {"Bearer x\t", "x"},
    {" Bearer x", "x"},
    {"Bearer A-Za-z0-9._~+/", "A-Za-z0-9._~+/"},
    {"Bearer abc==", "abc=="},
    {"Bearer abc=", "abc="},
    {"Basic x", nullptr},
    {"Basic dXNlcjpwYXNz", nullptr},
    {"Bearer", nullptr},
    {"Bearer ", nullptr},
    {"Bearer  ", nullptr},
    {"Bearer x y", nullptr},
    {"Bearer\tx", nullptr},
    {"Bearerx", nullptr},
    {"Bearer =", nullptr},
    {"Bearer ==abc", nullptr},
    {"Bearer ab=c", nullptr},
    {"Bearer a,b", nullptr},
    {"Bearer realm=\"x\"", nullptr},
    {"Bearer a\"b", nullptr},
    {"Bearer x\r\n", nullptr},
    {"Bearer x\n", nullptr},
    {"Bearer \xc3\xa9", nullptr},
    {"Beare x", nullptr},
    {"", nullptr},
    {"x", nullptr},
};

TEST_CASE("bearer_token accepts 'Bearer <token68>' with a case-insensitive scheme and nothing else") {
  for (const BearerCase& c : kBearerCases) {
    SUBCASE(c.value) {
      auto check = [&](std::string_view value) {
        std::optional<std::string_view> token = bearer_token(value);
        if (c.token == nullptr) {
          CHECK_FALSE(token.has_value());
        } else {
          REQUIRE(token.has_value());
          CHECK(*token == c.token);
          // A view into the input, not a copy.
          CHECK(token->data() >= value.data());
          CHECK(token->data() + token->size() <= value.data() + value.size());
        }
      };
      check(c.value);
      test::GuardPage guarded(c.value);
      check(guarded.view());
    }
  }
}

TEST_CASE("bearer_token on every prefix of a valid value never reads past the end") {
  const std::string value = "Bearer  abc.DEF_~+/==";
  for (size_t n = 0; n <= value.size(); ++n) {
    test::GuardPage guarded(std::string_view(value).substr(0, n));
    std::optional<std::string_view> token = bearer_token(guarded.view());
    // "Bearer  a" (9 bytes) is the first valid prefix; every longer one is too.
    CHECK(token.has_value() == (n >= 9));
  }
}

TEST_CASE("is_bearer_scheme tells a malformed Bearer from another scheme") {
  CHECK(is_bearer_scheme("Bearer"));
  CHECK(is_bearer_scheme("bearer x y"));
  CHECK(is_bearer_scheme("Bearer\tx"));
  CHECK_FALSE(is_bearer_scheme("Bearerx"));
  CHECK_FALSE(is_bearer_scheme("Basic x"));
  CHECK_FALSE(is_bearer_scheme(""));
}

TEST_CASE("is_token68 follows RFC 9110 section 11.2") {
  CHECK(is_token68("a"));
  CHECK(is_token68("a="));
  CHECK(is_token68("Zz09-._~+/=="));
  CHECK_FALSE(is_token68(""));
  CHECK_FALSE(is_token68("="));
  CHECK_FALSE(is_token68("a=b"));
  CHECK_FALSE(is_token68("a b"));
  CHECK_FALSE(is_token68("a:b"));
}

}  // namespace
}  // namespace sigma::auth
