// json::Value tests: number interpretation by lexeme, constructors, object
// and array helpers, equality.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "json/json.h"
#include "json/value.h"

using sigma::json::Array;
using sigma::json::Object;
using sigma::json::Type;
using sigma::json::Value;

TEST_CASE("is_integer follows the mathematical value of the lexeme") {
  struct Case {
    const char* text;
    bool integer;
  };
  const Case cases[] = {
      {"3", true},
      {"-0", true},
      {"3.0", true},
      {"3e2", true},
      {"1.5e1", true},
      {"-2.50E+1", true},
      {"10.50e1", true},
      {"100e-2", true},
      {"0.000", true},
      {"0e-5", true},
      {"12345678901234567890123", true},
      {"1e400", true},
      {"1e99999999999999999999", true},
      {"0e99999999999999999999", true},
      {"1.5", false},
      {"1e-1", false},
      {"1234e-3", false},
      {"1.05e1", false},
      {"1e-400", false},
      {"1e-99999999999999999999", false},
      {"-0.5", false},
  };
  for (const Case& c : cases) {
    SUBCASE(c.text) {
      const Value v = Value::number_from_text(c.text);
      CHECK(v.is_integer() == c.integer);
    }
  }
  CHECK_FALSE(Value("3").is_integer());
  CHECK_FALSE(Value().is_integer());
}

TEST_CASE("as_int returns the value when it is an integer that fits int64") {
  struct Case {
    const char* text;
    std::optional<int64_t> expected;
  };
  const Case cases[] = {
      {"3", 3},
      {"-0", 0},
      {"0.0e7", 0},
      {"3.0", 3},
      {"3e2", 300},
      {"1.5e1", 15},
      {"-42", -42},
      {"1e18", 1000000000000000000},
      {"100000000000000000000e-2", 1000000000000000000},
      {"9223372036854775807", std::numeric_limits<int64_t>::max()},
      {"92233720368547758.07e2", std::numeric_limits<int64_t>::max()},
      {"-9223372036854775808", std::numeric_limits<int64_t>::min()},
      {"9223372036854775808", std::nullopt},
      {"-9223372036854775809", std::nullopt},
      {"12345678901234567890", std::nullopt},
      {"18446744073709551616", std::nullopt},
      {"1e19", std::nullopt},
      {"1e400", std::nullopt},
      {"0.5", std::nullopt},
      {"2.5e0", std::nullopt},
  };
  for (const Case& c : cases) {
    SUBCASE(c.text) {
      const Value v = Value::number_from_text(c.text);
      CHECK(v.as_int() == c.expected);
    }
  }
  CHECK(Value("7").as_int() == std::nullopt);
  CHECK(Value(true).as_int() == std::nullopt);
}

TEST_CASE("as_double gives the nearest double, saturating out-of-range lexemes") {
  CHECK(Value::number_from_text("1.5").as_double() == 1.5);
  CHECK(Value::number_from_text("0.1").as_double() == 0.1);
  CHECK(Value::number_from_text("1E+2").as_double() == 100.0);
  CHECK(Value::number_from_text("12345678901234567890").as_double() == 12345678901234567890.0);
  CHECK(Value::number_from_text("5e-324").as_double() == std::numeric_limits<double>::denorm_min());
  const double neg_zero = Value::number_from_text("-0").as_double();
  CHECK(neg_zero == 0.0);
  CHECK(std::signbit(neg_zero));
  CHECK(Value::number_from_text("1e400").as_double() == std::numeric_limits<double>::infinity());
  CHECK(Value::number_from_text("-1e400").as_double() == -std::numeric_limits<double>::infinity());
  CHECK(Value::number_from_text("123.4e99999").as_double() == std::numeric_limits<double>::infinity());
  const double tiny = Value::number_from_text("-1e-400").as_double();
  CHECK(tiny == 0.0);
  CHECK(std::signbit(tiny));
  CHECK(Value::number_from_text("0.000001e-99999").as_double() == 0.0);
}

TEST_CASE("doubles are written in the shortest text that reads back exactly") {
  struct Case {
    double value;
    const char* text;
  };
  const Case cases[] = {
      {0.1, "0.1"},      {1.0, "1"},         {-0.0, "-0"},    {1.5, "1.5"},
      {1e300, "1e+300"}, {5e-324, "5e-324"}, {-2.5e-7, "-2.5e-07"},
      {0.30000000000000004, "0.30000000000000004"},
  };
  for (const Case& c : cases) {
    SUBCASE(c.text) {
      const Value v(c.value);
      REQUIRE(v.is_number());
      CHECK(v.number_text() == c.text);
      // Must also be a valid RFC 8259 number that reads back bit for bit.
      auto r = sigma::json::parse(v.number_text());
      REQUIRE(r.ok());
      CHECK(r.value->as_double() == c.value);
    }
  }
}

TEST_CASE("non-finite doubles become null") {
  CHECK(Value(std::numeric_limits<double>::quiet_NaN()).is_null());
  CHECK(Value(std::numeric_limits<double>::infinity()).is_null());
  CHECK(Value(-std::numeric_limits<double>::infinity()).is_null());
}

TEST_CASE("integer constructors write exact decimal text") {
  CHECK(Value(0).number_text() == "0");
  CHECK(Value(-1).number_text() == "-1");
  CHECK(Value(42u).number_text() == "42");
  CHECK(Value(std::numeric_limits<int64_t>::min()).number_text() == "-9223372036854775808");
  CHECK(Value(std::numeric_limits<long long>::max()).number_text() == "9223372036854775807");
  CHECK(Value(std::numeric_limits<uint64_t>::max()).number_text() == "18446744073709551615");
  CHECK(Value(std::numeric_limits<unsigned long long>::max()).number_text() == "18446744073709551615");
  CHECK(Value(static_cast<size_t>(7)).as_int() == 7);
  CHECK(Value(static_cast<unsigned>(4000000000u)).as_int() == 4000000000);
  CHECK(Value(std::numeric_limits<int64_t>::min()).as_int() == std::numeric_limits<int64_t>::min());
  CHECK(Value(7).is_integer());
}

TEST_CASE("scalar constructors set the type and content") {
  CHECK(Value().is_null());
  CHECK(Value(nullptr).is_null());
  CHECK(Value(true).is_bool());
  CHECK(Value(true).as_bool());
  CHECK_FALSE(Value(false).as_bool());
  CHECK(Value("abc").as_string() == "abc");
  CHECK(Value(std::string("x\0y", 3)).as_string().size() == 3);
  CHECK(Value(std::string_view("sv")).as_string() == "sv");
  CHECK(Value("abc").type() == Type::kString);
  CHECK(Value::array().is_array());
  CHECK(Value::object().is_object());
  CHECK(Value(Array{1, "a", nullptr}).size() == 3);
}

TEST_CASE("objects keep order, set replaces, find looks up") {
  Value obj = Value::object();
  obj.set("b", 1).set("a", 2).set("b", 3);
  REQUIRE(obj.size() == 2);
  CHECK(obj.as_object()[0].first == "b");
  CHECK(obj.as_object()[0].second == Value(3));
  CHECK(obj.as_object()[1].first == "a");
  REQUIRE(obj.find("a") != nullptr);
  CHECK(obj.find("a")->as_int() == 2);
  CHECK(obj.find("c") == nullptr);
  *obj.find("a") = Value("changed");
  const Value& const_obj = obj;
  REQUIRE(const_obj.find("a") != nullptr);
  CHECK(const_obj.find("a")->as_string() == "changed");
}

TEST_CASE("find and size are safe on values that are not containers") {
  CHECK(Value(1).find("a") == nullptr);
  CHECK(Value::array().find("a") == nullptr);
  CHECK(Value("abc").size() == 0);
  CHECK(Value().size() == 0);
}

TEST_CASE("arrays append with push") {
  Value arr = Value::array();
  arr.push(1).push("two").push(Value::object());
  REQUIRE(arr.size() == 3);
  CHECK(arr.as_array()[1].as_string() == "two");
  CHECK(arr.as_array()[2].is_object());
}

TEST_CASE("equality is structural and compares numbers by lexeme") {
  CHECK(Value() == Value(nullptr));
  CHECK(Value(true) != Value(false));
  CHECK(Value(1) != Value("1"));
  CHECK(Value(1) == Value::number_from_text("1"));
  CHECK(Value::number_from_text("1.0") != Value::number_from_text("1"));
  CHECK(Value::number_from_text("-0") != Value::number_from_text("0"));
  CHECK(Value(1.0) == Value(1));
  CHECK(Value("a") != Value("b"));
  CHECK(Value::array() != Value::object());
  CHECK(Value(Array{1, 2}) == Value(Array{1, 2}));
  CHECK(Value(Array{1, 2}) != Value(Array{2, 1}));
  CHECK(Value(Array{1}) != Value(Array{1, 1}));
  Value a = Value::object();
  a.set("x", 1).set("y", Value(Array{true}));
  Value b = Value::object();
  b.set("x", 1).set("y", Value(Array{true}));
  CHECK(a == b);
  Value c = Value::object();
  c.set("y", Value(Array{true})).set("x", 1);
  CHECK(a != c);  // member order is part of the value
  b.find("y")->push(false);
  CHECK(a != b);
}

TEST_CASE("a raw fragment is written verbatim inside a tree") {
  sigma::json::Value reply = sigma::json::Value::object();
  reply.set("id", 7).set("result", sigma::json::Value::raw_json(R"({"tools":[{"name":"a"}]})"));
  CHECK(sigma::json::write(reply) == R"({"id":7,"result":{"tools":[{"name":"a"}]}})");
  CHECK(sigma::json::Value::raw_json("[1]") == sigma::json::Value::raw_json("[1]"));
  CHECK(sigma::json::Value::raw_json("[1]") != sigma::json::Value::raw_json("[2]"));
  CHECK(sigma::json::Value::raw_json("[1]").is_raw());
  CHECK_FALSE(sigma::json::Value::raw_json("[1]").is_array());
}
