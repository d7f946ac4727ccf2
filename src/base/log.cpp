#include "base/log.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>

#include "base/strings.h"

namespace sigma {
namespace {

std::atomic<int> g_min_level{static_cast<int>(LogLevel::kInfo)};
std::atomic<bool> g_journal{false};
std::atomic<int> g_fd{2};

// syslog priorities: debug 7, info 6, warning 4, err 3.
int journal_priority(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return 7;
    case LogLevel::kInfo: return 6;
    case LogLevel::kWarn: return 4;
    case LogLevel::kError: return 3;
  }
  return 6;
}

bool needs_quotes(std::string_view v) {
  if (v.empty()) {
    return true;
  }
  for (char c : v) {
    auto u = static_cast<unsigned char>(c);
    if (u <= ' ' || c == '"' || c == '=' || c == '\\' || u == 0x7f) {
      return true;
    }
  }
  return false;
}

// Quotes and escapes so a hostile value (a header, a path) cannot forge a
// second log line or a fake field.
void append_value(std::string& out, std::string_view v) {
  if (!needs_quotes(v)) {
    out.append(v);
    return;
  }
  out.push_back('"');
  for (char c : v) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out.append("\\n");
    } else if (c == '\r') {
      out.append("\\r");
    } else if (c == '\t') {
      out.append("\\t");
    } else if (u < 0x20 || u == 0x7f) {
      static const char kHex[] = "0123456789abcdef";
      out.append("\\x");
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

}  // namespace

std::optional<LogLevel> parse_log_level(std::string_view text) {
  if (iequals(text, "debug")) return LogLevel::kDebug;
  if (iequals(text, "info")) return LogLevel::kInfo;
  if (iequals(text, "warn") || iequals(text, "warning")) return LogLevel::kWarn;
  if (iequals(text, "error")) return LogLevel::kError;
  return std::nullopt;
}

std::string_view log_level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "info";
}

void log_set_level(LogLevel level) { g_min_level.store(static_cast<int>(level)); }

void log_init_from_environment() {
  const char* js = std::getenv("JOURNAL_STREAM");
  g_journal.store(js != nullptr && js[0] != '\0');
}

void log_set_fd(int fd) { g_fd.store(fd); }

namespace {

std::string format_fields(LogLevel level, std::string_view message, const LogField* first, const LogField* last,
                          bool journal_prefix) {
  std::string line;
  line.reserve(96);
  if (journal_prefix) {
    line.push_back('<');
    line.push_back(static_cast<char>('0' + journal_priority(level)));
    line.push_back('>');
  }
  line.append("level=");
  line.append(log_level_name(level));
  line.append(" msg=");
  append_value(line, message);
  for (const LogField* f = first; f != last; ++f) {
    line.push_back(' ');
    line.append(f->key);
    line.push_back('=');
    append_value(line, f->value);
  }
  line.push_back('\n');
  return line;
}

void write_line(LogLevel level, std::string_view message, const LogField* first, const LogField* last) {
  if (static_cast<int>(level) < g_min_level.load()) {
    return;
  }
  std::string line = format_fields(level, message, first, last, g_journal.load());
  // One write so concurrent lines stay whole; stderr is unbuffered anyway.
  ssize_t ignored = ::write(g_fd.load(), line.data(), line.size());
  (void)ignored;
}

}  // namespace

std::string format_log_line(LogLevel level, std::string_view message, std::initializer_list<LogField> fields,
                            bool journal_prefix) {
  return format_fields(level, message, fields.begin(), fields.end(), journal_prefix);
}

void log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields) {
  write_line(level, message, fields.begin(), fields.end());
}

void log(LogLevel level, std::string_view message, const std::vector<LogField>& fields) {
  write_line(level, message, fields.data(), fields.data() + fields.size());
}

}  // namespace sigma
