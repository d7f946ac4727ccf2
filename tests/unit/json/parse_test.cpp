// Parser tests: JSONTestSuite-style y_ (must accept) and n_ (must reject)
// tables, each case run whole, on every prefix, and ending exactly at a
// PROT_NONE guard page; plus limits, duplicate keys and error offsets.
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "json/json.h"
#include "../guard_page.h"

using namespace std::string_view_literals;
using sigma::json::parse;
using sigma::json::ParseLimits;
using sigma::json::ParseResult;
using sigma::json::Value;
using sigma::json::write;
using sigma::test::GuardPage;

namespace {

struct AcceptCase {
  const char* name;
  std::string_view input;
  std::string_view written;  // compact output expected from write()
};

const AcceptCase kAccept[] = {
    {"y_structure_lonely_null", "null", "null"},
    {"y_structure_lonely_true", "true", "true"},
    {"y_structure_lonely_false", "false", "false"},
    {"y_structure_lonely_int", "42", "42"},
    {"y_structure_lonely_negative", "-7", "-7"},
    {"y_structure_lonely_string", "\"asd\"", "\"asd\""},
    {"y_structure_whitespace_around", " \t\r\n[1] \n\t\r", "[1]"},
    {"y_structure_whitespace_inside", "[ 1 ,\n2\t]", "[1,2]"},
    {"y_array_empty", "[]", "[]"},
    {"y_array_empty_with_space", "[ ]", "[]"},
    {"y_array_nested", "[[[]],[]]", "[[[]],[]]"},
    {"y_array_mixed", "[1,\"a\",true,false,null,{},[]]", "[1,\"a\",true,false,null,{},[]]"},
    {"y_object_empty", "{}", "{}"},
    {"y_object_empty_with_space", "{ \n }", "{}"},
    {"y_object_basic", "{\"a\":1}", "{\"a\":1}"},
    {"y_object_whitespace", "{ \"a\" : [ 1 , 2 ] , \"b\" : { } }", "{\"a\":[1,2],\"b\":{}}"},
    {"y_object_keys_differ_by_case", "{\"a\":1,\"A\":2}", "{\"a\":1,\"A\":2}"},
    {"y_object_empty_key", "{\"\":0}", "{\"\":0}"},
    {"y_object_order_kept", "{\"z\":1,\"a\":2,\"m\":3}", "{\"z\":1,\"a\":2,\"m\":3}"},
    {"y_object_nested", "{\"a\":{\"b\":{\"c\":[null]}}}", "{\"a\":{\"b\":{\"c\":[null]}}}"},
    {"y_number_zero", "0", "0"},
    {"y_number_negative_zero", "-0", "-0"},
    {"y_number_trailing_fraction_zero", "1.50", "1.50"},
    {"y_number_above_uint64", "12345678901234567890", "12345678901234567890"},
    {"y_number_huge_integer", "123456789012345678901234567890", "123456789012345678901234567890"},
    {"y_number_exponent", "1e10", "1e10"},
    {"y_number_capital_exponent_plus", "1E+2", "1E+2"},
    {"y_number_negative_exponent", "1e-2", "1e-2"},
    {"y_number_exponent_leading_zeros", "0.1e-0001", "0.1e-0001"},
    {"y_number_tiny", "-1.5e-300", "-1.5e-300"},
    {"y_number_overflows_double", "1e400", "1e400"},
    {"y_number_zero_fraction", "0.0", "0.0"},
    {"y_number_in_array", "[-0.5,10,2e3]", "[-0.5,10,2e3]"},
    {"y_string_empty", "\"\"", "\"\""},
    {"y_string_simple_escapes", R"("\"\\\/\b\f\n\r\t")", R"("\"\\/\b\f\n\r\t")"},
    {"y_string_unicode_escape_ascii", R"("\u0041")", "\"A\""},
    {"y_string_unicode_escape_uppercase_hex", R"("\u00C9")", "\"\xC3\x89\""},
    {"y_string_unicode_escape_two_bytes", R"("\u00e9")", "\"\xC3\xA9\""},
    {"y_string_unicode_escape_three_bytes", R"("\u20ac")", "\"\xE2\x82\xAC\""},
    {"y_string_escaped_nul", R"("a\u0000b")", R"("a\u0000b")"},
    {"y_string_escaped_control", R"("\u001f")", R"("\u001f")"},
    {"y_string_surrogate_pair", R"("\ud834\udd1e")", "\"\xF0\x9D\x84\x9E\""},
    {"y_string_last_code_point", R"("\uDBFF\uDFFF")", "\"\xF4\x8F\xBF\xBF\""},
    {"y_string_first_supplementary", R"("\uD800\uDC00")", "\"\xF0\x90\x80\x80\""},
    {"y_string_noncharacter", R"("\uFFFF")", "\"\xEF\xBF\xBF\""},
    {"y_string_escaped_line_separator", R"("\u2028\u2029")", R"("\u2028\u2029")"},
    {"y_string_raw_line_separator", "\"\xE2\x80\xA8\"", R"("\u2028")"},
    {"y_string_raw_two_byte", "\"\xC3\xA9t\xC3\xA9\"", "\"\xC3\xA9t\xC3\xA9\""},
    {"y_string_raw_three_byte", "\"\xE2\x82\xAC\"", "\"\xE2\x82\xAC\""},
    {"y_string_raw_three_byte_ed_low", "\"\xED\x9F\xBF\"", "\"\xED\x9F\xBF\""},
    {"y_string_raw_four_byte", "\"\xF0\x9F\x98\x80\"", "\"\xF0\x9F\x98\x80\""},
    {"y_string_raw_max_code_point", "\"\xF4\x8F\xBF\xBF\"", "\"\xF4\x8F\xBF\xBF\""},
    {"y_string_raw_del", "\"\x7f\"", "\"\x7f\""},
    {"y_string_escaped_slash_and_quote_key", R"({"a\/b\"":1})", R"({"a/b\"":1})"},
};

struct RejectCase {
  const char* name;
  std::string_view input;
  size_t offset;  // where the error must be reported
};

const RejectCase kReject[] = {
    {"n_structure_empty", "", 0},
    {"n_structure_whitespace_only", " \n", 2},
    {"n_structure_trailing_garbage", "[1]x", 3},
    {"n_structure_two_values", "1 2", 2},
    {"n_structure_two_objects", "{}{}", 2},
    {"n_structure_bom", "\xEF\xBB\xBF[]", 0},
    {"n_structure_vertical_tab", "\x0b[]", 0},
    {"n_structure_form_feed", "[]\x0c", 2},
    {"n_structure_nbsp", "\xC2\xA0" "1", 0},
    {"n_structure_trailing_nul", "[]\0"sv, 2},
    {"n_structure_unclosed_nested", "[[[", 3},
    {"n_structure_mismatched_close", "[}", 1},
    {"n_structure_object_closed_by_bracket", "{]", 1},
    {"n_structure_lone_close", "]", 0},
    {"n_structure_line_comment", "[1]//c", 3},
    {"n_structure_block_comment", "{/*x*/}", 1},
    {"n_structure_raw_utf8_outside_string", "\xC3\xA9", 0},
    {"n_array_trailing_comma", "[1,]", 3},
    {"n_array_trailing_comma_spaced", "[1, ]", 4},
    {"n_array_leading_comma", "[,1]", 1},
    {"n_array_double_comma", "[1,,2]", 3},
    {"n_array_missing_comma", "[1 2]", 3},
    {"n_array_unclosed", "[1", 2},
    {"n_array_unclosed_after_comma", "[1,", 3},
    {"n_array_colon", "[1:2]", 2},
    {"n_object_trailing_comma", "{\"a\":1,}", 7},
    {"n_object_trailing_comma_spaced", "{\"a\":1 , }", 9},
    {"n_object_leading_comma", "{,\"a\":1}", 1},
    {"n_object_unquoted_key", "{a:1}", 1},
    {"n_object_single_quoted_key", "{'a':1}", 1},
    {"n_object_number_key", "{1:1}", 1},
    {"n_object_missing_colon", "{\"a\" 1}", 5},
    {"n_object_comma_instead_of_colon", "{\"a\",1}", 4},
    {"n_object_missing_value", "{\"a\":}", 5},
    {"n_object_missing_comma", "{\"a\":1 \"b\":2}", 7},
    {"n_object_unclosed", "{\"a\":1", 6},
    {"n_object_unclosed_after_key", "{\"a\"", 4},
    {"n_object_duplicate_key", "{\"a\":1,\"a\":2}", 7},
    {"n_object_duplicate_key_via_escape", "{\"a\":1,\"\\u0061\":2}", 7},
    {"n_object_duplicate_key_nested", "{\"x\":{\"k\":1,\"k\":1}}", 12},
    {"n_number_leading_zero", "01", 1},
    {"n_number_negative_leading_zero", "-01", 2},
    {"n_number_double_zero", "00", 1},
    {"n_number_leading_zero_in_array", "[012]", 2},
    {"n_number_plus", "+1", 0},
    {"n_number_dot_first", ".5", 0},
    {"n_number_negative_dot_first", "-.5", 1},
    {"n_number_dot_last", "1.", 2},
    {"n_number_dot_then_exponent", "1.e1", 2},
    {"n_number_minus_only", "-", 1},
    {"n_number_minus_space", "- 1", 1},
    {"n_number_exponent_empty", "1e", 2},
    {"n_number_exponent_sign_only", "1e+", 3},
    {"n_number_exponent_bad_digit", "1e+x", 3},
    {"n_number_nan", "NaN", 0},
    {"n_number_nan_lowercase", "nan", 1},
    {"n_number_infinity", "Infinity", 0},
    {"n_number_negative_infinity", "-Infinity", 1},
    {"n_number_hex", "0x1", 1},
    {"n_number_comma_decimal", "1,5", 1},
    {"n_number_in_array_dot_last", "[1.]", 3},
    {"n_literal_capitalised", "True", 0},
    {"n_literal_truncated", "tru", 3},
    {"n_literal_trailing_letter", "truex", 4},
    {"n_literal_wrong_case_tail", "nulL", 3},
    {"n_literal_undefined", "undefined", 0},
    {"n_string_single_quoted", "'a'", 0},
    {"n_string_unterminated", "\"abc", 4},
    {"n_string_raw_newline", "\"a\nb\"", 2},
    {"n_string_raw_tab", "\"\t\"", 1},
    {"n_string_raw_nul", "\"\0\""sv, 1},
    {"n_string_raw_unit_separator", "\"\x1f\"", 1},
    {"n_string_bad_escape", R"("\x")", 1},
    {"n_string_escaped_apostrophe", R"("\'")", 1},
    {"n_string_escape_capital_u", R"("\U0041")", 1},
    {"n_string_escape_at_end", "\"\\", 2},
    {"n_string_short_unicode_escape", R"("\u12")", 1},
    {"n_string_unicode_escape_bad_hex", R"("\u00G0")", 1},
    {"n_string_lone_high_surrogate", R"("\ud800")", 1},
    {"n_string_high_surrogate_then_text", R"("\ud800x")", 1},
    {"n_string_high_surrogate_then_other_escape", R"("\ud800\n")", 1},
    {"n_string_high_surrogate_then_bmp", R"("\ud800\u0041")", 1},
    {"n_string_two_high_surrogates", R"("\ud800\ud800")", 1},
    {"n_string_lone_low_surrogate", R"("\udc00")", 1},
    {"n_string_lone_low_surrogate_late", R"("a\udfff")", 2},
    {"n_string_reversed_surrogate_pair", R"("\udc00\ud800")", 1},
    {"n_string_pair_bad_second_hex", R"("\ud800\u12x4")", 7},
    {"n_utf8_overlong_two_byte_c0", "\"\xC0\xAF\"", 1},
    {"n_utf8_overlong_two_byte_c1", "\"\xC1\xBF\"", 1},
    {"n_utf8_overlong_three_byte", "\"\xE0\x80\xAF\"", 1},
    {"n_utf8_overlong_three_byte_max", "\"\xE0\x9F\xBF\"", 1},
    {"n_utf8_overlong_four_byte", "\"\xF0\x80\x80\xAF\"", 1},
    {"n_utf8_overlong_four_byte_max", "\"\xF0\x8F\xBF\xBF\"", 1},
    {"n_utf8_surrogate_d800", "\"\xED\xA0\x80\"", 1},
    {"n_utf8_surrogate_dfff", "\"\xED\xBF\xBF\"", 1},
    {"n_utf8_surrogate_pair_as_cesu", "\"\xED\xA0\xBD\xED\xB8\x80\"", 1},
    {"n_utf8_above_max_f4_90", "\"\xF4\x90\x80\x80\"", 1},
    {"n_utf8_above_max_f5", "\"\xF5\x80\x80\x80\"", 1},
    {"n_utf8_five_byte_form", "\"\xF8\x88\x80\x80\x80\"", 1},
    {"n_utf8_byte_fe", "\"\xFE\"", 1},
    {"n_utf8_byte_ff", "\"\xFF\"", 1},
    {"n_utf8_lone_continuation", "\"\x80\"", 1},
    {"n_utf8_lone_continuation_bf", "\"a\xBF\"", 2},
    {"n_utf8_truncated_two_byte", "\"\xC3\"", 1},
    {"n_utf8_truncated_three_byte", "\"\xE2\x82\"", 1},
    {"n_utf8_truncated_four_byte", "\"\xF0\x9F\x98\"", 1},
    {"n_utf8_truncated_at_end_of_input", "\"\xE2\x82", 3},
    {"n_utf8_bad_continuation", "\"ab\xC3(\"", 3},
    {"n_utf8_invalid_in_key", "{\"\xC0\x80\":1}", 2},
};

// Every prefix of `text` placed against the guard page.
template <typename Check>
void for_each_prefix(GuardPage& page, std::string_view text, Check check) {
  for (size_t len = 0; len <= text.size(); ++len) {
    check(len, parse(page.place(text.substr(0, len))));
  }
}

}  // namespace

TEST_CASE("valid documents are accepted and written back compactly") {
  GuardPage page;
  for (const AcceptCase& c : kAccept) {
    SUBCASE(c.name) {
      ParseResult whole = parse(c.input);
      REQUIRE_MESSAGE(whole.ok(), whole.error.to_string());
      CHECK(write(*whole.value) == c.written);

      ParseResult guarded = parse(page.place(c.input));
      REQUIRE(guarded.ok());
      CHECK(*guarded.value == *whole.value);
    }
  }
}

TEST_CASE("every proper prefix of a valid document parses or fails exactly at its end") {
  GuardPage page;
  for (const AcceptCase& c : kAccept) {
    SUBCASE(c.name) {
      for_each_prefix(page, c.input, [&](size_t len, const ParseResult& r) {
        if (!r.ok()) {
          INFO("prefix length ", len, ": ", r.error.to_string());
          CHECK(r.error.offset == len);
        }
      });
    }
  }
}

TEST_CASE("invalid documents are rejected at the expected byte offset") {
  GuardPage page;
  for (const RejectCase& c : kReject) {
    SUBCASE(c.name) {
      ParseResult whole = parse(c.input);
      REQUIRE_FALSE(whole.ok());
      INFO(whole.error.to_string());
      CHECK(whole.error.offset == c.offset);
      CHECK_FALSE(whole.error.message.empty());

      ParseResult guarded = parse(page.place(c.input));
      REQUIRE_FALSE(guarded.ok());
      CHECK(guarded.error.offset == c.offset);
      CHECK(guarded.error.message == whole.error.message);
    }
  }
}

TEST_CASE("prefixes of invalid documents never read past their end") {
  GuardPage page;
  for (const RejectCase& c : kReject) {
    SUBCASE(c.name) {
      for_each_prefix(page, c.input, [&](size_t len, const ParseResult& r) {
        if (!r.ok()) {
          INFO("prefix length ", len, ": ", r.error.to_string());
          CHECK(r.error.offset <= len);
          if (len <= c.offset) {
            // Nothing wrong has been seen yet: only the end can be the problem.
            CHECK(r.error.offset == len);
          }
        }
      });
    }
  }
}

TEST_CASE("error messages say what was expected and where") {
  struct Case {
    const char* name;
    std::string_view input;
    const char* text;
  };
  const Case cases[] = {
      {"missing colon", "{\"a\" 1}", "byte 5: expected ':' after object key, got '1'"},
      {"trailing data", "[1] x", "byte 4: unexpected 'x' after the value"},
      {"control byte is named, not echoed", "\"\n\"", "byte 1: unescaped control character byte 0x0a in string"},
      {"empty input", "", "byte 0: unexpected end of input where a value was expected"},
      {"duplicate key", "{\"a\":1,\"a\":2}", "byte 7: duplicate object key"},
      {"leading zero", "01", "byte 1: leading zero in number"},
      {"trailing comma", "[1,]", "byte 3: trailing comma in array"},
      {"invalid escape", "\"\\q\"", "byte 1: invalid escape: backslash followed by 'q'"},
      {"lone surrogate", "\"\\udc00\"", "byte 1: lone low surrogate escape in string"},
      {"invalid UTF-8", "\"\xC0\xAF\"", "byte 1: invalid UTF-8 in string"},
  };
  for (const Case& c : cases) {
    SUBCASE(c.name) {
      ParseResult r = parse(c.input);
      REQUIRE_FALSE(r.ok());
      const std::string text = r.error.to_string();
      CHECK(text == c.text);
      CHECK(text.find('\n') == std::string::npos);
    }
  }
}

TEST_CASE("numbers keep their exact lexeme through parse and write") {
  const std::string_view lexemes[] = {"12345678901234567890", "1.50", "-0", "1E+2", "0.1e-0001",
                                      "-9223372036854775808", "1e400", "-0.0", "100000000000000000000000000001"};
  for (std::string_view lexeme : lexemes) {
    SUBCASE(std::string(lexeme).c_str()) {
      ParseResult r = parse(lexeme);
      REQUIRE(r.ok());
      REQUIRE(r.value->is_number());
      CHECK(r.value->number_text() == lexeme);
      CHECK(write(*r.value) == lexeme);
      const std::string wrapped = "{\"id\":" + std::string(lexeme) + "}";
      ParseResult w = parse(wrapped);
      REQUIRE(w.ok());
      CHECK(write(*w.value) == wrapped);
    }
  }
}

TEST_CASE("escapes decode to the exact bytes") {
  ParseResult r = parse(R"(["\"\\\/\b\f\n\r\t", "\u0000", "\u00e9\u20ac", "\ud83d\ude00", "\uD834\uDD1E"])");
  REQUIRE(r.ok());
  const auto& a = r.value->as_array();
  REQUIRE(a.size() == 5);
  CHECK(a[0].as_string() == "\"\\/\b\f\n\r\t");
  CHECK(a[1].as_string() == std::string(1, '\0'));
  CHECK(a[2].as_string() == "\xC3\xA9\xE2\x82\xAC");
  CHECK(a[3].as_string() == "\xF0\x9F\x98\x80");
  CHECK(a[4].as_string() == "\xF0\x9D\x84\x9E");
}

TEST_CASE("nesting up to max_depth is accepted and one more level is rejected") {
  SUBCASE("default limit: 64 arrays") {
    const std::string ok = std::string(64, '[') + std::string(64, ']');
    CHECK(parse(ok).ok());
    const std::string deep = std::string(65, '[') + std::string(65, ']');
    ParseResult r = parse(deep);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error.offset == 64);
    CHECK(r.error.message == "nesting deeper than max_depth (64)");
  }
  SUBCASE("default limit: 64 objects") {
    std::string ok;
    for (int i = 0; i < 64; ++i) {
      ok += "{\"a\":";
    }
    ok += "1" + std::string(64, '}');
    CHECK(parse(ok).ok());
    std::string deep;
    for (int i = 0; i < 65; ++i) {
      deep += "{\"a\":";
    }
    deep += "1" + std::string(65, '}');
    ParseResult r = parse(deep);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error.offset == 64 * 5);
  }
  SUBCASE("mixed nesting counts arrays and objects alike") {
    ParseLimits limits;
    limits.max_depth = 3;
    CHECK(parse("[{\"a\":[1]}]", limits).ok());
    ParseResult r = parse("[{\"a\":[[1]]}]", limits);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error.offset == 7);
  }
  SUBCASE("max_depth 0 allows only scalars") {
    ParseLimits limits;
    limits.max_depth = 0;
    CHECK(parse("\"s\"", limits).ok());
    CHECK_FALSE(parse("[]", limits).ok());
    CHECK_FALSE(parse("{}", limits).ok());
  }
  SUBCASE("a hostile nesting bomb fails fast without deep recursion") {
    const std::string bomb(1 << 20, '[');
    ParseResult r = parse(bomb);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error.offset == 64);
  }
}

TEST_CASE("max_bytes bounds the whole input") {
  ParseLimits limits;
  limits.max_bytes = 8;
  CHECK(parse("[1,2,3] ", limits).ok());
  ParseResult r = parse("[1,2,3]  ", limits);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error.offset == 8);
  CHECK(r.error.message == "input larger than max_bytes (8)");
}

TEST_CASE("max_string_bytes bounds decoded strings and keys") {
  ParseLimits limits;
  limits.max_string_bytes = 4;
  CHECK(parse("\"abcd\"", limits).ok());
  CHECK(parse("[\"\\u00e9\\u00e9\"]", limits).ok());  // 4 decoded bytes from 12 escaped
  ParseResult r = parse("[\"abcde\"]", limits);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error.offset == 1);
  CHECK(r.error.message == "string longer than max_string_bytes (4)");
  ParseResult escaped = parse("\"\\u00e9\\u00e9a\"", limits);
  CHECK_FALSE(escaped.ok());
  ParseResult key = parse("{\"a\":1,\"abcde\":2}", limits);
  REQUIRE_FALSE(key.ok());
  CHECK(key.error.offset == 7);
}

TEST_CASE("max_members bounds each array and object") {
  ParseLimits limits;
  limits.max_members = 3;
  CHECK(parse("[1,2,3]", limits).ok());
  CHECK(parse("[[1,2,3],[1,2,3]]", limits).ok());
  ParseResult a = parse("[1,2,3,4]", limits);
  REQUIRE_FALSE(a.ok());
  CHECK(a.error.offset == 7);
  CHECK(a.error.message == "array has more than max_members (3) elements");
  CHECK(parse("{\"a\":1,\"b\":2,\"c\":3}", limits).ok());
  ParseResult o = parse("{\"a\":1,\"b\":2,\"c\":3,\"d\":4}", limits);
  REQUIRE_FALSE(o.ok());
  CHECK(o.error.offset == 19);
  CHECK(o.error.message == "object has more than max_members (3) members");
}

namespace {

std::string object_with_keys(size_t count, size_t duplicate_of, size_t duplicate_at,
                             std::vector<size_t>* key_offsets) {
  std::string text = "{";
  for (size_t i = 0; i < count; ++i) {
    if (i > 0) {
      text += ",";
    }
    if (key_offsets != nullptr) {
      key_offsets->push_back(text.size());
    }
    const size_t name = (i == duplicate_at) ? duplicate_of : i;
    text += "\"k" + std::to_string(name) + "\":" + std::to_string(i);
  }
  text += "}";
  return text;
}

}  // namespace

TEST_CASE("duplicate keys are rejected in small and large objects") {
  SUBCASE("large object without duplicates keeps every member in order") {
    const std::string text = object_with_keys(20000, 0, SIZE_MAX, nullptr);
    ParseResult r = parse(text);
    REQUIRE(r.ok());
    REQUIRE(r.value->size() == 20000);
    CHECK(r.value->as_object()[19999].first == "k19999");
    CHECK(r.value->find("k12345")->number_text() == "12345");
  }
  SUBCASE("duplicate far into a large object is found at its own key") {
    std::vector<size_t> offsets;
    const std::string text = object_with_keys(500, 3, 400, &offsets);
    ParseResult r = parse(text);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error.offset == offsets[400]);
    CHECK(r.error.message == "duplicate object key");
  }
  SUBCASE("with several duplicates the first one in the text is reported") {
    std::string text = "{";
    std::vector<size_t> offsets;
    for (size_t i = 0; i < 40; ++i) {
      if (i > 0) {
        text += ",";
      }
      offsets.push_back(text.size());
      std::string name = "k" + std::to_string(i);
      if (i == 30) {
        name = "k2";  // later in the text, smaller key
      }
      if (i == 25) {
        name = "k20";
      }
      text += "\"" + name + "\":0";
    }
    text += "}";
    ParseResult r = parse(text);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error.offset == offsets[25]);
  }
  SUBCASE("a duplicate in otherwise valid JSON names its key") {
    ParseResult r = parse("{\"b\":1,\"a\":2,\"b\":[]}");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error.offset == 13);
    REQUIRE(r.error.duplicate_key.has_value());
    CHECK(*r.error.duplicate_key == "b");
    r = parse("{\"x\":{\"\\u00e9\":1,\"\xC3\xA9\":2}}");  // the escape and the raw UTF-8 are one key
    REQUIRE(r.error.duplicate_key.has_value());
    CHECK(*r.error.duplicate_key == "\xC3\xA9");
    std::vector<size_t> offsets;
    r = parse(object_with_keys(500, 3, 400, &offsets));
    REQUIRE(r.error.duplicate_key.has_value());
    CHECK(*r.error.duplicate_key == "k3");
  }
  SUBCASE("a duplicate among the first members of a large object is reported once, at its key") {
    std::vector<size_t> offsets;
    ParseResult r = parse(object_with_keys(40, 1, 8, &offsets));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error.offset == offsets[8]);
    REQUIRE(r.error.duplicate_key.has_value());
    CHECK(*r.error.duplicate_key == "k1");
  }
  SUBCASE("malformed JSON after a duplicate is a syntax error, not a duplicate") {
    ParseResult r = parse("{\"b\":1,\"a\":2,\"b\":[}");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error.offset == 18);
    CHECK_FALSE(r.error.duplicate_key.has_value());
    r = parse("{\"a\":1,\"a\":2");
    CHECK_FALSE(r.error.duplicate_key.has_value());
    CHECK_FALSE(parse("{\"a\":1} x").error.duplicate_key.has_value());
  }
  SUBCASE("same key in sibling objects is fine") {
    CHECK(parse("[{\"a\":1},{\"a\":2}]").ok());
    CHECK(parse("{\"a\":{\"a\":{\"a\":1}}}").ok());
  }
}

TEST_CASE("a maximal object of distinct keys parses quickly") {
  // 100000 members: a quadratic duplicate check would take seconds here.
  const std::string text = object_with_keys(100000, 0, SIZE_MAX, nullptr);
  ParseLimits limits;
  limits.max_bytes = text.size();
  ParseResult r = parse(text, limits);
  REQUIRE(r.ok());
  CHECK(r.value->size() == 100000);
}
