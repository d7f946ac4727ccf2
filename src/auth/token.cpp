#include "auth/token.h"

#include <cstddef>
#include <cstdint>

#include "base/strings.h"

namespace sigma::auth {
namespace {

constexpr std::string_view kBearer = "Bearer";

bool is_token68_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

}  // namespace

bool tokens_equal(std::string_view presented, std::string_view expected) {
  const size_t n = expected.size();
  // Index the presented bytes modulo their length so the loop below has no
  // branch that depends on where, or whether, the inputs differ. An empty
  // presented token is read as one fixed pad byte; the length fold rejects it.
  static const char kPad = '\0';
  const char* p = presented.empty() ? &kPad : presented.data();
  const size_t m = presented.empty() ? 1 : presented.size();

  // volatile: the compiler may not turn the loop into memcmp with an early exit.
  volatile uint32_t acc = 0;
  const size_t length_diff = presented.size() ^ n;
  acc = acc | static_cast<uint32_t>(length_diff) | static_cast<uint32_t>(length_diff >> 16 >> 16);
  for (size_t i = 0; i < n; ++i) {
    acc = acc | static_cast<uint32_t>(static_cast<unsigned char>(p[i % m]) ^
                                      static_cast<unsigned char>(expected[i]));
  }
  // n == 0 is a property of the configuration, not of the secret's content.
  return acc == 0 && n != 0;
}

bool is_token68(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && is_token68_char(text[i])) {
    ++i;
  }
  if (i == 0) {
    return false;
  }
  while (i < text.size() && text[i] == '=') {
    ++i;
  }
  return i == text.size();
}

bool is_bearer_scheme(std::string_view authorization_value) {
  std::string_view v = trim_ows(authorization_value);
  if (!istarts_with(v, kBearer)) {
    return false;
  }
  return v.size() == kBearer.size() || v[kBearer.size()] == ' ' || v[kBearer.size()] == '\t';
}

std::optional<std::string_view> bearer_token(std::string_view authorization_value) {
  std::string_view v = trim_ows(authorization_value);
  // RFC 9110 §11.4: credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
  if (v.size() <= kBearer.size() || !istarts_with(v, kBearer) || v[kBearer.size()] != ' ') {
    return std::nullopt;
  }
  v.remove_prefix(kBearer.size());
  while (!v.empty() && v.front() == ' ') {
    v.remove_prefix(1);
  }
  if (!is_token68(v)) {
    return std::nullopt;  // empty, a second word, or auth-params
  }
  return v;
}

}  // namespace sigma::auth
