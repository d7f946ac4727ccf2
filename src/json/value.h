// json::Value: one JSON value (RFC 8259) as a tree.
//
// Numbers keep the exact text they were parsed from, so an id like
// 12345678901234567890 or 1.50 is written back byte for byte; values built in
// code get the shortest text that round-trips. Objects keep member order and
// reject nothing themselves: the parser refuses duplicate keys.
// Threading: a plain value; no sharing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sigma::json {

// kRaw is never produced by the parser: it holds text that is already
// serialized JSON, so a reply can embed a cached fragment without re-rendering
// it (the tool list is the same for every request of a revision).
enum class Type { kNull, kBool, kNumber, kString, kArray, kObject, kRaw };

class Value;
using Array = std::vector<Value>;
using Member = std::pair<std::string, Value>;
using Object = std::vector<Member>;

class Value final {
 public:
  Value() = default;  // null
  Value(std::nullptr_t) {}
  Value(bool b);
  // int64_t is `long` on LP64, so the signed integers funnel into the one
  // out-of-line `long long` constructor (delegating to int64_t would cycle).
  Value(int v) : Value(static_cast<long long>(v)) {}
  Value(unsigned v) : Value(static_cast<long long>(v)) {}
  Value(long v) : Value(static_cast<long long>(v)) {}
  Value(long long v);
  Value(unsigned long v);
  Value(unsigned long long v);
  Value(double v);  // non-finite becomes null (JSON has no NaN/Inf)
  Value(std::string s);
  Value(std::string_view s) : Value(std::string(s)) {}
  Value(const char* s) : Value(std::string(s)) {}
  Value(Array a);
  Value(Object o);

  static Value array() { return Value(Array{}); }
  static Value object() { return Value(Object{}); }
  // REQUIRES: `text` is a valid RFC 8259 number lexeme (the parser's job).
  static Value number_from_text(std::string text);
  // A fragment the writer copies verbatim.
  // REQUIRES: `serialized` is one complete JSON value as json::write produces
  // it (compact, no raw newline); nothing checks it again.
  static Value raw_json(std::string serialized);

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_bool() const { return type_ == Type::kBool; }
  bool is_number() const { return type_ == Type::kNumber; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_object() const { return type_ == Type::kObject; }
  bool is_raw() const { return type_ == Type::kRaw; }
  // A number whose mathematical value is an integer ("3", "3.0", "3e2"), per
  // JSON Schema's "integer" type.
  bool is_integer() const;

  // REQUIRES: is_bool()
  bool as_bool() const { return bool_; }
  // The value as int64 when is_integer() and it fits, else nullopt.
  std::optional<int64_t> as_int() const;
  // REQUIRES: is_number(). Nearest double.
  double as_double() const;
  // REQUIRES: is_number(). The exact lexeme.
  const std::string& number_text() const { return text_; }
  // REQUIRES: is_string()
  const std::string& as_string() const { return text_; }
  // REQUIRES: is_raw()
  const std::string& raw_text() const { return text_; }
  // REQUIRES: is_array()
  const Array& as_array() const { return array_; }
  Array& as_array() { return array_; }
  // REQUIRES: is_object()
  const Object& as_object() const { return object_; }
  Object& as_object() { return object_; }

  // Object lookup; nullptr when absent or when this is not an object.
  const Value* find(std::string_view key) const;
  Value* find(std::string_view key);
  // REQUIRES: is_object(). Replaces an existing member or appends. Returns *this for chaining.
  Value& set(std::string key, Value value);
  // REQUIRES: is_array(). Appends. Returns *this for chaining.
  Value& push(Value value);
  // Elements of an array or members of an object; 0 otherwise.
  size_t size() const;

  // Structural equality; numbers and raw fragments compare by text, objects by
  // members in order.
  bool operator==(const Value& other) const;
  bool operator!=(const Value& other) const { return !(*this == other); }

 private:
  Type type_ = Type::kNull;
  bool bool_ = false;
  std::string text_;  // string contents, or number lexeme
  Array array_;
  Object object_;
};

}  // namespace sigma::json
