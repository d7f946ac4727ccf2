// The daemon's one global: the log sink.
//
// Lines go to stderr in logfmt: `level=warn msg="token file is world-readable"
// path=/etc/sigma/token`. Under journald (JOURNAL_STREAM set) each line starts
// with a `<N>` syslog priority so the journal keeps the level.
// Callers must never pass a secret as a message or field value.
// Threading: every function is safe to call from any thread; a line is written
// with a single write(2) so lines from workers never interleave.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sigma {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

struct LogField {
  std::string_view key;
  std::string value;
};

// "debug" / "info" / "warn" / "error" (also "warning"), case-insensitive.
std::optional<LogLevel> parse_log_level(std::string_view text);
std::string_view log_level_name(LogLevel level);

// Sets the minimum level written. Default kInfo.
void log_set_level(LogLevel level);
// Reads JOURNAL_STREAM once to choose the `<N>` prefix.
void log_init_from_environment();
// Redirects output to `fd` (tests); default 2.
void log_set_fd(int fd);

void log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields = {});
// For fields assembled at run time.
void log(LogLevel level, std::string_view message, const std::vector<LogField>& fields);
inline void log_debug(std::string_view m, std::initializer_list<LogField> f = {}) { log(LogLevel::kDebug, m, f); }
inline void log_info(std::string_view m, std::initializer_list<LogField> f = {}) { log(LogLevel::kInfo, m, f); }
inline void log_warn(std::string_view m, std::initializer_list<LogField> f = {}) { log(LogLevel::kWarn, m, f); }
inline void log_error(std::string_view m, std::initializer_list<LogField> f = {}) { log(LogLevel::kError, m, f); }

// Formats one line without writing it (exposed for tests).
std::string format_log_line(LogLevel level, std::string_view message,
                            std::initializer_list<LogField> fields, bool journal_prefix);

}  // namespace sigma
