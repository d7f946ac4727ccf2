#include "mcp/schema_validate.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "json/json.h"

namespace sigma::mcp {
namespace {

using json::Value;

// Long values are shortened in messages: the model needs the gist, not a copy.
constexpr size_t kMaxShownBytes = 64;

// Cuts `text` to at most `max_bytes` without splitting a UTF-8 sequence, so the
// message stays valid UTF-8 (RFC 8259 §8.1).
std::string shorten(std::string text, size_t max_bytes) {
  if (text.size() <= max_bytes) {
    return text;
  }
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  text.resize(cut);
  text += "...";
  return text;
}

std::string shown(const Value& value) { return shorten(json::write(value), kMaxShownBytes); }

// The subject of a message about a value: its path, or "arguments" for the root.
std::string subject(const std::string& path) { return path.empty() ? "arguments" : path; }

Status fail_at(const std::string& path, const std::string& message) {
  return Status::error(subject(path) + ": " + message);
}

// Messages about members of an object name the object only when it is nested.
Status fail_in(const std::string& path, const std::string& message) {
  return Status::error(path.empty() ? message : path + ": " + message);
}

std::string child_path(const std::string& path, std::string_view name) {
  return path.empty() ? std::string(name) : path + "." + std::string(name);
}

// Code points, not bytes: JSON Schema 2020-12 validation §6.3.1 (RFC 8259
// characters). The parser has already validated the UTF-8.
uint64_t code_points(const std::string& text) {
  uint64_t count = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      ++count;
    }
  }
  return count;
}

bool matches_type(std::string_view type, const Value& value) {
  if (type == "string") {
    return value.is_string();
  }
  if (type == "integer") {
    return value.is_integer();
  }
  if (type == "number") {
    return value.is_number();
  }
  if (type == "boolean") {
    return value.is_bool();
  }
  if (type == "object") {
    return value.is_object();
  }
  if (type == "array") {
    return value.is_array();
  }
  if (type == "null") {
    return value.is_null();
  }
  return false;  // unknown type names match nothing, so a typo in a schema shows up in tests
}

std::string type_phrase(std::string_view type) {
  if (type == "integer") {
    return "an integer";
  }
  if (type == "object" || type == "array") {
    return "an " + std::string(type);
  }
  if (type == "null") {
    return "null";
  }
  return "a " + std::string(type);
}

// The type names a schema allows; empty when the schema does not restrict type.
std::vector<std::string_view> schema_types(const Value& schema) {
  std::vector<std::string_view> types;
  const Value* type = schema.find("type");
  if (type == nullptr) {
    return types;
  }
  if (type->is_string()) {
    types.push_back(type->as_string());
  } else if (type->is_array()) {
    for (const Value& t : type->as_array()) {
      if (t.is_string()) {
        types.push_back(t.as_string());
      }
    }
  }
  return types;
}

bool is_numeric_type(const std::vector<std::string_view>& types) {
  if (types.empty()) {
    return true;
  }
  for (std::string_view t : types) {
    if (t == "integer" || t == "number") {
      return true;
    }
  }
  return false;
}

// -1, 0, 1. Exact for integers that fit int64 (port numbers, counts), else by double.
int compare_numbers(const Value& a, const Value& b) {
  std::optional<int64_t> ia = a.as_int();
  std::optional<int64_t> ib = b.as_int();
  if (ia && ib) {
    return *ia < *ib ? -1 : (*ia > *ib ? 1 : 0);
  }
  double da = a.as_double();
  double db = b.as_double();
  return da < db ? -1 : (da > db ? 1 : 0);
}

const Value* numeric_keyword(const Value& schema, std::string_view key) {
  const Value* v = schema.find(key);
  return (v != nullptr && v->is_number()) ? v : nullptr;
}

std::optional<uint64_t> count_keyword(const Value& schema, std::string_view key) {
  const Value* v = schema.find(key);
  if (v == nullptr || !v->is_number()) {
    return std::nullopt;
  }
  std::optional<int64_t> n = v->as_int();
  if (!n || *n < 0) {
    return std::nullopt;
  }
  return static_cast<uint64_t>(*n);
}

// "must be an integer between 1 and 1000": the whole constraint, so one
// message tells the model everything it needs whichever part failed.
std::string describe(const Value& schema, const std::vector<std::string_view>& types) {
  std::string text = "must be ";
  if (types.empty()) {
    text += "a number";  // only reached for numeric failures
  } else {
    for (size_t i = 0; i < types.size(); ++i) {
      if (i > 0) {
        text += i + 1 == types.size() ? " or " : ", ";
      }
      text += type_phrase(types[i]);
    }
  }
  if (!is_numeric_type(types)) {
    return text;
  }
  const Value* minimum = numeric_keyword(schema, "minimum");
  const Value* maximum = numeric_keyword(schema, "maximum");
  const Value* exclusive_minimum = numeric_keyword(schema, "exclusiveMinimum");
  const Value* exclusive_maximum = numeric_keyword(schema, "exclusiveMaximum");
  if (minimum != nullptr && maximum != nullptr && exclusive_minimum == nullptr &&
      exclusive_maximum == nullptr) {
    return text + " between " + minimum->number_text() + " and " + maximum->number_text();
  }
  std::vector<std::string> parts;
  if (minimum != nullptr) {
    parts.push_back("at least " + minimum->number_text());
  }
  if (exclusive_minimum != nullptr) {
    parts.push_back("greater than " + exclusive_minimum->number_text());
  }
  if (maximum != nullptr) {
    parts.push_back("at most " + maximum->number_text());
  }
  if (exclusive_maximum != nullptr) {
    parts.push_back("less than " + exclusive_maximum->number_text());
  }
  for (size_t i = 0; i < parts.size(); ++i) {
    text += i == 0 ? " " : " and ";
    text += parts[i];
  }
  return text;
}

std::string got(const Value& value) { return " (got " + shown(value) + ")"; }

// "between 1 and 3 items", "at least 1 character".
std::string count_range(std::optional<uint64_t> min, std::optional<uint64_t> max, const char* unit) {
  auto units = [unit](uint64_t n) { return std::string(" ") + unit + (n == 1 ? "" : "s"); };
  if (min && max) {
    return "between " + std::to_string(*min) + " and " + std::to_string(*max) + units(*max);
  }
  if (min) {
    return "at least " + std::to_string(*min) + units(*min);
  }
  return "at most " + std::to_string(*max) + units(*max);
}

Status check(const Value& schema, const Value& value, const std::string& path);

Status check_numeric(const Value& schema, const Value& value, const std::string& path,
                     const std::vector<std::string_view>& types) {
  const Value* minimum = numeric_keyword(schema, "minimum");
  const Value* maximum = numeric_keyword(schema, "maximum");
  const Value* exclusive_minimum = numeric_keyword(schema, "exclusiveMinimum");
  const Value* exclusive_maximum = numeric_keyword(schema, "exclusiveMaximum");
  bool ok = (minimum == nullptr || compare_numbers(value, *minimum) >= 0) &&
            (maximum == nullptr || compare_numbers(value, *maximum) <= 0) &&
            (exclusive_minimum == nullptr || compare_numbers(value, *exclusive_minimum) > 0) &&
            (exclusive_maximum == nullptr || compare_numbers(value, *exclusive_maximum) < 0);
  if (ok) {
    return Status::ok();
  }
  return fail_at(path, describe(schema, types) + got(value));
}

Status check_string(const Value& schema, const Value& value, const std::string& path) {
  std::optional<uint64_t> min = count_keyword(schema, "minLength");
  std::optional<uint64_t> max = count_keyword(schema, "maxLength");
  if (!min && !max) {
    return Status::ok();
  }
  uint64_t length = code_points(value.as_string());
  if ((min && length < *min) || (max && length > *max)) {
    return fail_at(path, "must be " + count_range(min, max, "character") + " long (got " +
                             std::to_string(length) + ")");
  }
  return Status::ok();
}

Status check_array(const Value& schema, const Value& value, const std::string& path) {
  std::optional<uint64_t> min = count_keyword(schema, "minItems");
  std::optional<uint64_t> max = count_keyword(schema, "maxItems");
  uint64_t size = value.size();
  if ((min && size < *min) || (max && size > *max)) {
    return fail_at(path, "must have " + count_range(min, max, "item") + " (got " + std::to_string(size) + ")");
  }
  const Value* items = schema.find("items");
  if (items == nullptr) {
    return Status::ok();
  }
  const json::Array& elements = value.as_array();
  for (size_t i = 0; i < elements.size(); ++i) {
    Status status = check(*items, elements[i], subject(path) + "[" + std::to_string(i) + "]");
    if (!status) {
      return status;
    }
  }
  return Status::ok();
}

Status check_object(const Value& schema, const Value& value, const std::string& path) {
  const Value* properties = schema.find("properties");
  if (properties != nullptr && !properties->is_object()) {
    properties = nullptr;
  }
  const Value* additional = schema.find("additionalProperties");

  // Unexpected members first: a misspelt name then reads as the cause rather
  // than as a missing required argument.
  if (additional != nullptr && additional->is_bool() && !additional->as_bool()) {
    for (const json::Member& member : value.as_object()) {
      if (properties == nullptr || properties->find(member.first) == nullptr) {
        return fail_in(path, "unexpected argument " + shorten(json::write(Value(member.first)), kMaxShownBytes));
      }
    }
  }
  const Value* required = schema.find("required");
  if (required != nullptr && required->is_array()) {
    for (const Value& name : required->as_array()) {
      if (name.is_string() && value.find(name.as_string()) == nullptr) {
        return fail_in(path, "missing required argument " + json::write(name));
      }
    }
  }
  for (const json::Member& member : value.as_object()) {
    const Value* member_schema = properties != nullptr ? properties->find(member.first) : nullptr;
    if (member_schema == nullptr) {
      member_schema = (additional != nullptr && additional->is_object()) ? additional : nullptr;
    }
    if (member_schema == nullptr) {
      continue;
    }
    Status status = check(*member_schema, member.second, child_path(path, member.first));
    if (!status) {
      return status;
    }
  }
  return Status::ok();
}

Status check(const Value& schema, const Value& value, const std::string& path) {
  if (schema.is_bool()) {
    // JSON Schema 2020-12 core §4.3.2: true accepts everything, false nothing.
    return schema.as_bool() ? Status::ok() : fail_at(path, "is not allowed");
  }
  if (!schema.is_object()) {
    return Status::ok();
  }
  std::vector<std::string_view> types = schema_types(schema);
  if (!types.empty()) {
    bool matched = false;
    for (std::string_view t : types) {
      matched = matched || matches_type(t, value);
    }
    if (!matched) {
      return fail_at(path, describe(schema, types) + got(value));
    }
  }
  const Value* allowed = schema.find("enum");
  if (allowed != nullptr && allowed->is_array()) {
    bool found = false;
    std::string listed;
    for (const Value& candidate : allowed->as_array()) {
      found = found || candidate == value;
      listed += listed.empty() ? "" : ", ";
      listed += json::write(candidate);
    }
    if (!found) {
      return fail_at(path, "must be one of " + listed + got(value));
    }
  }
  if (value.is_number()) {
    Status status = check_numeric(schema, value, path, types);
    if (!status) {
      return status;
    }
  }
  if (value.is_string()) {
    return check_string(schema, value, path);
  }
  if (value.is_array()) {
    return check_array(schema, value, path);
  }
  if (value.is_object()) {
    return check_object(schema, value, path);
  }
  return Status::ok();
}

}  // namespace

Status validate_arguments(const json::Value& schema, const json::Value& value) {
  return check(schema, value, "");
}

}  // namespace sigma::mcp
