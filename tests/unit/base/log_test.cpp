// Tests for base/log.h: logfmt quoting (no forged lines or fields), journal
// priority prefixes, level parsing and filtering, one write per line.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include "base/log.h"
#include "captured_log.h"

using sigma::format_log_line;
using sigma::LogLevel;

namespace {

// A small logfmt reader: key=value pairs separated by spaces, values either
// bare or double-quoted with backslash escapes. Returns false on anything
// malformed, so a test can check that hostile input still yields a
// well-formed line with exactly the intended keys.
bool parse_logfmt(std::string_view line, std::map<std::string, std::string>& out) {
  size_t i = 0;
  while (i < line.size()) {
    const size_t eq = line.find('=', i);
    if (eq == std::string_view::npos || eq == i) {
      return false;
    }
    std::string key(line.substr(i, eq - i));
    if (key.find(' ') != std::string::npos || out.count(key) != 0) {
      return false;
    }
    i = eq + 1;
    std::string value;
    if (i < line.size() && line[i] == '"') {
      ++i;
      bool closed = false;
      while (i < line.size()) {
        const char c = line[i++];
        if (c == '\\') {
          if (i == line.size()) {
            return false;
          }
          value.push_back('\\');
          value.push_back(line[i++]);
        } else if (c == '"') {
          closed = true;
          break;
        } else {
          value.push_back(c);
        }
      }
      if (!closed) {
        return false;
      }
    } else {
      while (i < line.size() && line[i] != ' ') {
        value.push_back(line[i++]);
      }
    }
    out[key] = value;
    if (i < line.size()) {
      if (line[i] != ' ') {
        return false;
      }
      ++i;
    }
  }
  return true;
}

size_t count_char(std::string_view s, char c) {
  size_t n = 0;
  for (char x : s) {
    n += x == c ? 1 : 0;
  }
  return n;
}

}  // namespace

TEST_CASE("a plain log line is logfmt ending in one newline") {
  const std::string line = format_log_line(LogLevel::kInfo, "listening", {{"addr", "127.0.0.1:8080"}}, false);
  CHECK(line == "level=info msg=listening addr=127.0.0.1:8080\n");
}

TEST_CASE("values with spaces, quotes, equals signs or nothing at all are quoted") {
  struct Case {
    const char* name;
    std::string value;
    const char* written;
  };
  const Case cases[] = {
      {"space", "a b", R"("a b")"},
      {"empty", "", R"("")"},
      {"quote", "say \"hi\"", R"("say \"hi\"")"},
      {"equals", "k=v", R"("k=v")"},
      {"backslash", "C:\\x", R"("C:\\x")"},
      {"tab and CR", "a\tb\rc", R"("a\tb\rc")"},
      {"other control", std::string("a\x01z\x7f", 4), R"("a\x01z\x7f")"},
      {"utf-8 stays bare", "caf\xC3\xA9", "caf\xC3\xA9"},
  };
  for (const Case& c : cases) {
    SUBCASE(c.name) {
      const std::string line = format_log_line(LogLevel::kInfo, "m", {{"v", c.value}}, false);
      CHECK(line == std::string("level=info msg=m v=") + c.written + "\n");
    }
  }
}

TEST_CASE("a hostile value cannot forge a second line or an extra field") {
  const std::string evil_message = "ok\nlevel=error msg=forged";
  const std::string evil_field = "x\" level=error injected=\"1";
  const std::string line =
      format_log_line(LogLevel::kWarn, evil_message, {{"path", evil_field}, {"peer", "a\r\nb"}}, false);
  CHECK(count_char(line, '\n') == 1);
  CHECK(line.back() == '\n');
  CHECK(line.find('\r') == std::string::npos);
  std::map<std::string, std::string> fields;
  REQUIRE(parse_logfmt(std::string_view(line).substr(0, line.size() - 1), fields));
  CHECK(fields.size() == 4);
  CHECK(fields["level"] == "warn");
  CHECK(fields.count("injected") == 0);
  CHECK(fields["msg"] == "ok\\nlevel=error msg=forged");
  CHECK(fields["path"] == "x\\\" level=error injected=\\\"1");
  CHECK(fields["peer"] == "a\\r\\nb");
}

TEST_CASE("the journal prefix carries the syslog priority of the level") {
  struct Case {
    LogLevel level;
    const char* prefix;
  };
  const Case cases[] = {
      {LogLevel::kDebug, "<7>level=debug "},
      {LogLevel::kInfo, "<6>level=info "},
      {LogLevel::kWarn, "<4>level=warn "},
      {LogLevel::kError, "<3>level=error "},
  };
  for (const Case& c : cases) {
    SUBCASE(c.prefix) {
      const std::string line = format_log_line(c.level, "m", {}, true);
      CHECK(line.rfind(c.prefix, 0) == 0);
      const std::string plain = format_log_line(c.level, "m", {}, false);
      CHECK(plain[0] == 'l');
    }
  }
}

TEST_CASE("log levels parse case-insensitively and name themselves") {
  CHECK(sigma::parse_log_level("debug") == LogLevel::kDebug);
  CHECK(sigma::parse_log_level("INFO") == LogLevel::kInfo);
  CHECK(sigma::parse_log_level("warn") == LogLevel::kWarn);
  CHECK(sigma::parse_log_level("Warning") == LogLevel::kWarn);
  CHECK(sigma::parse_log_level("error") == LogLevel::kError);
  CHECK_FALSE(sigma::parse_log_level("fatal").has_value());
  CHECK_FALSE(sigma::parse_log_level("").has_value());
  CHECK_FALSE(sigma::parse_log_level("info ").has_value());
  CHECK(sigma::log_level_name(LogLevel::kWarn) == "warn");
  CHECK(sigma::log_level_name(LogLevel::kDebug) == "debug");
}

TEST_CASE("log writes whole lines and drops those below the minimum level") {
  CapturedLog capture;
  sigma::log_set_level(LogLevel::kWarn);
  sigma::log_info("hidden");
  sigma::log_debug("hidden too");
  sigma::log_warn("shown", {{"n", "1"}});
  sigma::log_error("also shown");
  const std::string out = capture.drain();
  CHECK(out.find("hidden") == std::string::npos);
  CHECK(out.find("level=warn msg=shown n=1\n") != std::string::npos);
  CHECK(out.find("level=error msg=\"also shown\"\n") != std::string::npos);
  CHECK(count_char(out, '\n') == 2);
}

TEST_CASE("JOURNAL_STREAM switches the priority prefix on") {
  const char* saved = std::getenv("JOURNAL_STREAM");
  const std::string saved_value = saved != nullptr ? saved : "";
  {
    CapturedLog capture;
    setenv("JOURNAL_STREAM", "8:12345", 1);
    sigma::log_init_from_environment();
    sigma::log_warn("journal");
    unsetenv("JOURNAL_STREAM");
    sigma::log_init_from_environment();
    sigma::log_warn("plain");
    const std::string out = capture.drain();
    CHECK(out == "<4>level=warn msg=journal\nlevel=warn msg=plain\n");
  }
  if (saved != nullptr) {
    setenv("JOURNAL_STREAM", saved_value.c_str(), 1);
  }
  sigma::log_init_from_environment();
}
