#include "host/system_info.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <utility>

#include "base/strings.h"
#include "host/ops.h"

namespace sigma::host {
namespace {

// Takes the next '\n'-terminated line off `rest`. An unterminated tail is
// never returned: see the truncation rule in the header.
bool next_complete_line(std::string_view& rest, std::string_view& line) {
  const size_t newline = rest.find('\n');
  if (newline == std::string_view::npos) {
    return false;
  }
  line = rest.substr(0, newline);
  rest.remove_prefix(newline + 1);
  return true;
}

bool is_blank(char c) { return c == ' ' || c == '\t'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Whitespace-separated fields of one line, at most `max_fields`.
std::vector<std::string_view> fields_of(std::string_view line, size_t max_fields) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < line.size() && fields.size() < max_fields) {
    while (i < line.size() && is_blank(line[i])) {
      ++i;
    }
    const size_t start = i;
    while (i < line.size() && !is_blank(line[i])) {
      ++i;
    }
    if (i > start) {
      fields.push_back(line.substr(start, i - start));
    }
  }
  return fields;
}

// A plain non-negative decimal ("0.52", "493.49", "12"). The leading-digit
// check turns away "-1", "+1", "inf", "nan" and ".5" before from_chars sees them.
std::optional<double> parse_non_negative_double(std::string_view s) {
  if (s.empty() || !is_digit(s.front())) {
    return std::nullopt;
  }
  double value = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

// The one line of a single-line procfs file, or why there is none.
Result<std::string_view> only_line(std::string_view text) {
  if (text.empty()) {
    return Status::error("empty file");
  }
  std::string_view rest = text;
  std::string_view line;
  if (!next_complete_line(rest, line)) {
    return Status::error("truncated (no newline at end of line)");
  }
  return line;
}

Status require_complete_file(std::string_view text) {
  if (text.empty()) {
    return Status::error("empty file");
  }
  if (text.back() != '\n') {
    return Status::error("truncated (no newline at end of file)");
  }
  return Status::ok();
}

// "  24683620 kB" → "24683620"; nullopt unless it is digits followed by "kB".
std::optional<std::string_view> kb_digits(std::string_view value) {
  value = trim_space(value);
  constexpr std::string_view kUnit = "kB";
  if (value.size() < kUnit.size() || value.substr(value.size() - kUnit.size()) != kUnit) {
    return std::nullopt;
  }
  value = trim_space(value.substr(0, value.size() - kUnit.size()));
  if (value.empty()) {
    return std::nullopt;
  }
  for (const char c : value) {
    if (!is_digit(c)) {
      return std::nullopt;
    }
  }
  return value;
}

double round_to_tenth(double value) { return std::round(value * 10.0) / 10.0; }

}  // namespace

Result<MemoryInfo> parse_meminfo(std::string_view text) {
  std::optional<std::string_view> total_text;
  std::optional<std::string_view> available_text;
  std::string_view rest = text;
  std::string_view line;
  while (next_complete_line(rest, line)) {
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      continue;
    }
    const std::string_view key = line.substr(0, colon);
    // The first occurrence wins: a repeated key in a hostile file must not
    // override the kernel's own line.
    if (key == "MemTotal" && !total_text) {
      total_text = line.substr(colon + 1);
    } else if (key == "MemAvailable" && !available_text) {
      available_text = line.substr(colon + 1);
    }
  }
  if (!total_text) {
    return Status::error("no complete MemTotal line");
  }
  const std::optional<std::string_view> total_digits = kb_digits(*total_text);
  if (!total_digits) {
    return Status::error("malformed MemTotal value (expected \"<digits> kB\")");
  }
  const std::optional<uint64_t> total_kb = parse_u64(*total_digits);  // nullopt: beyond 64 bits
  if (!total_kb || *total_kb == 0 || *total_kb > kMaxMemoryKb) {
    return Status::error("MemTotal value out of range");
  }
  MemoryInfo info;
  info.total_mb = *total_kb / 1024;
  if (available_text) {
    const std::optional<std::string_view> available_digits = kb_digits(*available_text);
    const std::optional<uint64_t> available_kb = available_digits ? parse_u64(*available_digits) : std::nullopt;
    if (available_kb) {
      info.available_mb = std::min(*available_kb, *total_kb) / 1024;
    }
  }
  return info;
}

Result<LoadAverage> parse_loadavg(std::string_view text) {
  Result<std::string_view> line = only_line(text);
  if (!line) {
    return line.status();
  }
  const std::vector<std::string_view> fields = fields_of(*line, 3);
  if (fields.size() < 3) {
    return Status::error("fewer than three load averages");
  }
  double values[3] = {0, 0, 0};
  for (size_t i = 0; i < 3; ++i) {
    const std::optional<double> value = parse_non_negative_double(fields[i]);
    if (!value || *value > kMaxLoadAverage) {
      return Status::error("load average " + std::to_string(i + 1) + " is not a number from 0 to 1e6");
    }
    values[i] = *value;
  }
  return LoadAverage{values[0], values[1], values[2]};
}

Result<int64_t> parse_uptime(std::string_view text) {
  Result<std::string_view> line = only_line(text);
  if (!line) {
    return line.status();
  }
  const std::vector<std::string_view> fields = fields_of(*line, 1);
  if (fields.empty()) {
    return Status::error("no uptime field");
  }
  const std::optional<double> seconds = parse_non_negative_double(fields[0]);
  if (!seconds || *seconds > kMaxUptimeSeconds) {
    return Status::error("uptime is not a number of seconds from 0 to a century");
  }
  return static_cast<int64_t>(*seconds);
}

Result<uint32_t> count_cpus_in_stat(std::string_view text) {
  if (Status complete = require_complete_file(text); !complete) {
    return complete;
  }
  uint32_t count = 0;
  std::string_view rest = text;
  std::string_view line;
  while (next_complete_line(rest, line)) {
    // "cpu0 2006 0 2146 ..." counts; the aggregate "cpu  5569 ..." does not.
    if (line.size() > 3 && line.substr(0, 3) == "cpu" && is_digit(line[3])) {
      if (++count > kMaxCpuCores) {
        return Status::error("more than " + std::to_string(kMaxCpuCores) + " cpuN lines");
      }
    }
  }
  if (count == 0) {
    return Status::error("no cpuN lines");
  }
  return count;
}

Result<uint32_t> count_cpus_in_cpuinfo(std::string_view text) {
  if (Status complete = require_complete_file(text); !complete) {
    return complete;
  }
  constexpr std::string_view kKey = "processor";
  uint32_t count = 0;
  std::string_view rest = text;
  std::string_view line;
  while (next_complete_line(rest, line)) {
    if (line.substr(0, kKey.size()) != kKey) {
      continue;
    }
    // "processor\t: 0": only blanks may separate the key from its colon.
    size_t i = kKey.size();
    while (i < line.size() && is_blank(line[i])) {
      ++i;
    }
    if (i < line.size() && line[i] == ':') {
      if (++count > kMaxCpuCores) {
        return Status::error("more than " + std::to_string(kMaxCpuCores) + " processor lines");
      }
    }
  }
  if (count == 0) {
    return Status::error("no processor lines");
  }
  return count;
}

Result<std::string> parse_hostname(std::string_view text) {
  Result<std::string_view> line = only_line(text);
  if (!line) {
    return line.status();
  }
  const std::string_view name = *line;
  if (name.empty()) {
    return Status::error("empty hostname");
  }
  if (name.size() > kMaxHostnameBytes) {
    return Status::error("hostname longer than " + std::to_string(kMaxHostnameBytes) + " bytes");
  }
  for (const char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x21 || byte > 0x7e) {
      return Status::error("hostname contains a byte that is not printable ASCII");
    }
  }
  return std::string(name);
}

DiskUsage disk_usage_from_blocks(uint64_t blocks, uint64_t free_blocks, uint64_t fragment_bytes) {
  // Doubles, not uint64 products: a hostile or exotic statvfs must not wrap.
  constexpr double kBytesPerGib = 1024.0 * 1024.0 * 1024.0;
  const uint64_t used_blocks = blocks >= free_blocks ? blocks - free_blocks : 0;
  DiskUsage usage;
  usage.total_gb = round_to_tenth(static_cast<double>(blocks) * static_cast<double>(fragment_bytes) / kBytesPerGib);
  usage.used_gb = round_to_tenth(static_cast<double>(used_blocks) * static_cast<double>(fragment_bytes) / kBytesPerGib);
  return usage;
}

Result<DiskUsage> disk_usage(const std::string& path) {
  struct statvfs fs {};
  if (::statvfs(path.c_str(), &fs) != 0) {
    return Status::from_errno("statvfs " + path, errno);
  }
  // f_blocks is in units of f_frsize (statvfs(3)), not f_bsize.
  return disk_usage_from_blocks(fs.f_blocks, fs.f_bfree, fs.f_frsize);
}

HostSnapshot collect(const HostOps& host, const std::string& disk_path, const std::string& hostname_override) {
  HostSnapshot snapshot;
  auto note = [&](std::string_view file, const std::string& message) {
    snapshot.notes.push_back(host.proc_path(file) + ": " + message);
  };
  // Reads `file` and parses it; a failure of either becomes one note.
  auto read_parsed = [&](std::string_view file, auto parse) -> decltype(parse(std::string_view())) {
    Result<std::string> text = host.read_proc(file);
    if (!text) {
      snapshot.notes.push_back(text.error());
      return text.status();
    }
    auto parsed = parse(std::string_view(*text));
    if (!parsed) {
      note(file, parsed.error());
    }
    return parsed;
  };

  if (!hostname_override.empty()) {
    snapshot.hostname = hostname_override;
  } else if (Result<std::string> name = read_parsed("sys/kernel/hostname", parse_hostname); name) {
    snapshot.hostname = std::move(*name);
  }

  // /proc/stat lists online CPUs; cpuinfo is the fallback for trimmed procfs
  // views (some container runtimes) where stat is missing.
  Result<std::string> stat_text = host.read_proc("stat");
  Result<uint32_t> cores = stat_text ? count_cpus_in_stat(*stat_text) : Result<uint32_t>(stat_text.status());
  if (cores) {
    snapshot.cpu_cores = *cores;
  } else {
    const std::string stat_problem = stat_text ? host.proc_path("stat") + ": " + cores.error() : stat_text.error();
    Result<std::string> cpuinfo_text = host.read_proc("cpuinfo");
    Result<uint32_t> fallback =
        cpuinfo_text ? count_cpus_in_cpuinfo(*cpuinfo_text) : Result<uint32_t>(cpuinfo_text.status());
    if (fallback) {
      snapshot.cpu_cores = *fallback;
    } else {
      snapshot.notes.push_back(stat_problem);
      snapshot.notes.push_back(cpuinfo_text ? host.proc_path("cpuinfo") + ": " + fallback.error()
                                            : cpuinfo_text.error());
    }
  }

  if (Result<MemoryInfo> memory = read_parsed("meminfo", parse_meminfo); memory) {
    snapshot.ram_total_mb = memory->total_mb;
    snapshot.ram_available_mb = memory->available_mb;
    if (!memory->available_mb) {
      note("meminfo", "no usable MemAvailable line");
    }
  }

  if (Result<DiskUsage> disk = host.disk_usage(disk_path); disk) {
    snapshot.disk = *disk;
  } else {
    snapshot.notes.push_back(disk.error());
  }

  if (Result<int64_t> uptime = read_parsed("uptime", parse_uptime); uptime) {
    snapshot.uptime_seconds = *uptime;
  }

  if (Result<LoadAverage> load = read_parsed("loadavg", parse_loadavg); load) {
    snapshot.load_avg = *load;
  }
  return snapshot;
}

}  // namespace sigma::host
