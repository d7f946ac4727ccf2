// json::Value: construction, number interpretation, lookup and equality.
//
// Numbers are stored as their RFC 8259 §6 lexeme. is_integer() and as_int()
// read the lexeme digit by digit, so "12345678901234567890" or "1e400" are
// judged exactly instead of through a lossy double.

#include "json/value.h"

#include <charconv>
#include <cmath>
#include <limits>

namespace sigma::json {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Exponents are saturated here: any exponent this large already decides the
// answer (the lexeme is bounded by the parser's max_bytes), and saturating
// keeps the arithmetic below free of overflow.
constexpr int64_t kExponentCap = 1'000'000'000;

// A validated number lexeme read as: sign, significant digits, and a power
// of ten, so that value = (-1)^negative * significand * 10^scale, with the
// significand free of leading and trailing zeros.
struct Decimal {
  bool negative = false;
  bool is_zero = true;
  std::string_view int_digits;
  std::string_view frac_digits;
  size_t significant_count = 0;  // digits from the first to the last non-zero one
  int64_t scale = 0;             // power of ten applied to those digits
};

// Digit `k` of int_digits followed by frac_digits.
char digit_at(const Decimal& d, size_t k) {
  return k < d.int_digits.size() ? d.int_digits[k] : d.frac_digits[k - d.int_digits.size()];
}

// REQUIRES: `text` matches the RFC 8259 §6 number grammar.
Decimal decompose(std::string_view text) {
  Decimal d;
  size_t i = 0;
  if (i < text.size() && text[i] == '-') {
    d.negative = true;
    ++i;
  }
  size_t start = i;
  while (i < text.size() && is_digit(text[i])) {
    ++i;
  }
  d.int_digits = text.substr(start, i - start);
  if (i < text.size() && text[i] == '.') {
    start = ++i;
    while (i < text.size() && is_digit(text[i])) {
      ++i;
    }
    d.frac_digits = text.substr(start, i - start);
  }
  int64_t exponent = 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool exponent_negative = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
      exponent_negative = text[i] == '-';
      ++i;
    }
    while (i < text.size() && is_digit(text[i])) {
      exponent = exponent * 10 + (text[i] - '0');
      if (exponent > kExponentCap) {
        exponent = kExponentCap;
      }
      ++i;
    }
    if (exponent_negative) {
      exponent = -exponent;
    }
  }
  const size_t total = d.int_digits.size() + d.frac_digits.size();
  size_t first = 0;
  while (first < total && digit_at(d, first) == '0') {
    ++first;
  }
  if (first == total) {
    return d;  // zero, whatever its sign, fraction or exponent
  }
  size_t last = total - 1;
  while (digit_at(d, last) == '0') {
    --last;
  }
  d.is_zero = false;
  d.significant_count = last - first + 1;
  const auto trailing_zeros = static_cast<int64_t>(total - 1 - last);
  d.scale = exponent - static_cast<int64_t>(d.frac_digits.size()) + trailing_zeros;
  return d;
}

// Index of the first significant digit in the combined digit sequence.
size_t first_significant(const Decimal& d) {
  size_t k = 0;
  while (digit_at(d, k) == '0') {
    ++k;
  }
  return k;
}

std::string integer_text(long long v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;  // 24 bytes always hold an int64
  return std::string(buf, end);
}

std::string unsigned_text(unsigned long long v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;
  return std::string(buf, end);
}

}  // namespace

Value::Value(bool b) : type_(Type::kBool), bool_(b) {}

Value::Value(long long v) : type_(Type::kNumber), text_(integer_text(v)) {}

Value::Value(unsigned long v) : type_(Type::kNumber), text_(unsigned_text(v)) {}

Value::Value(unsigned long long v) : type_(Type::kNumber), text_(unsigned_text(v)) {}

Value::Value(double v) {
  if (!std::isfinite(v)) {
    return;  // null: RFC 8259 §6 has no NaN or Infinity
  }
  // Plain to_chars gives the shortest text that reads back to the same
  // double, e.g. "0.1", "1e+300", "-0"; every form it emits is a valid
  // RFC 8259 number.
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  if (ec != std::errc()) {
    return;
  }
  type_ = Type::kNumber;
  text_.assign(buf, end);
}

Value::Value(std::string s) : type_(Type::kString), text_(std::move(s)) {}

Value::Value(Array a) : type_(Type::kArray), array_(std::move(a)) {}

Value::Value(Object o) : type_(Type::kObject), object_(std::move(o)) {}

Value Value::number_from_text(std::string text) {
  Value v;
  v.type_ = Type::kNumber;
  v.text_ = std::move(text);
  return v;
}

Value Value::raw_json(std::string serialized) {
  Value v;
  v.type_ = Type::kRaw;
  v.text_ = std::move(serialized);
  return v;
}

bool Value::is_integer() const {
  if (type_ != Type::kNumber) {
    return false;
  }
  const Decimal d = decompose(text_);
  return d.is_zero || d.scale >= 0;
}

std::optional<int64_t> Value::as_int() const {
  if (type_ != Type::kNumber) {
    return std::nullopt;
  }
  const Decimal d = decompose(text_);
  if (d.is_zero) {
    return 0;
  }
  // Below 10^19 every value fits a uint64 (max ~1.8e19), so accumulate the
  // magnitude there and range-check the sign afterwards.
  if (d.scale < 0 || static_cast<int64_t>(d.significant_count) + d.scale > 19) {
    return std::nullopt;
  }
  uint64_t magnitude = 0;
  const size_t first = first_significant(d);
  for (size_t k = first; k < first + d.significant_count; ++k) {
    magnitude = magnitude * 10 + static_cast<uint64_t>(digit_at(d, k) - '0');
  }
  for (int64_t k = 0; k < d.scale; ++k) {
    magnitude *= 10;
  }
  constexpr auto kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (!d.negative) {
    if (magnitude > kMax) {
      return std::nullopt;
    }
    return static_cast<int64_t>(magnitude);
  }
  if (magnitude > kMax + 1) {
    return std::nullopt;
  }
  if (magnitude == kMax + 1) {
    return std::numeric_limits<int64_t>::min();
  }
  return -static_cast<int64_t>(magnitude);
}

double Value::as_double() const {
  if (type_ != Type::kNumber || text_.empty()) {
    return 0.0;
  }
  double out = 0.0;
  auto [ptr, ec] = std::from_chars(text_.data(), text_.data() + text_.size(), out);
  (void)ptr;
  if (ec == std::errc()) {
    return out;
  }
  if (ec == std::errc::result_out_of_range) {
    // from_chars leaves `out` untouched here; the nearest double is ±inf for
    // an overflow and ±0 for an underflow. The value is 0.ddd * 10^order.
    const Decimal d = decompose(text_);
    const int64_t order = static_cast<int64_t>(d.significant_count) + d.scale;
    const double magnitude = order > 0 ? std::numeric_limits<double>::infinity() : 0.0;
    return d.negative ? -magnitude : magnitude;
  }
  return 0.0;
}

const Value* Value::find(std::string_view key) const {
  if (type_ != Type::kObject) {
    return nullptr;
  }
  for (const Member& m : object_) {
    if (m.first == key) {
      return &m.second;
    }
  }
  return nullptr;
}

Value* Value::find(std::string_view key) {
  return const_cast<Value*>(static_cast<const Value*>(this)->find(key));
}

Value& Value::set(std::string key, Value value) {
  for (Member& m : object_) {
    if (m.first == key) {
      m.second = std::move(value);
      return *this;
    }
  }
  object_.emplace_back(std::move(key), std::move(value));
  return *this;
}

Value& Value::push(Value value) {
  array_.push_back(std::move(value));
  return *this;
}

size_t Value::size() const {
  if (type_ == Type::kArray) {
    return array_.size();
  }
  if (type_ == Type::kObject) {
    return object_.size();
  }
  return 0;
}

bool Value::operator==(const Value& other) const {
  if (type_ != other.type_) {
    return false;
  }
  switch (type_) {
    case Type::kNull:
      return true;
    case Type::kBool:
      return bool_ == other.bool_;
    case Type::kNumber:
    case Type::kString:
    case Type::kRaw:
      return text_ == other.text_;
    case Type::kArray:
      return array_ == other.array_;
    case Type::kObject:
      return object_ == other.object_;
  }
  return false;
}

}  // namespace sigma::json
