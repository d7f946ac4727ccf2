// System facts of this node: memory, load, uptime, CPU count, hostname, disk.
//
// Owns: parsing the procfs files that hold them (/proc/meminfo, loadavg,
// uptime, stat, cpuinfo, sys/kernel/hostname) into plain structs, statvfs of
// a path, and collect(), which gathers everything and records what failed.
// Must not: produce JSON, log, or cache. The parsers never read past the view
// they are given and never assume NUL termination.
// Threading: pure functions; collect() touches only the files it reads.
//
// Truncation rule: procfs ends every line with '\n'. A final line without one
// is treated as cut off and never trusted, so a file truncated in the middle
// of a number cannot yield a smaller number. Counting parsers (stat, cpuinfo)
// and one-line files reject the whole file when it does not end in '\n'.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace sigma::host {

class HostOps;  // host/ops.h

// Bounds past which a value is garbage, not a big machine.
inline constexpr uint64_t kMaxMemoryKb = uint64_t{1} << 40;         // 1 PiB
inline constexpr double kMaxLoadAverage = 1e6;
inline constexpr double kMaxUptimeSeconds = 100.0 * 366 * 86400;    // a century
inline constexpr uint32_t kMaxCpuCores = 16384;
inline constexpr size_t kMaxHostnameBytes = 64;                     // Linux __NEW_UTS_LEN

struct MemoryInfo {
  uint64_t total_mb = 0;                 // MemTotal / 1024 (MiB)
  std::optional<uint64_t> available_mb;  // MemAvailable / 1024; absent before Linux 3.14
};

struct LoadAverage {
  double one_min = 0;
  double five_min = 0;
  double fifteen_min = 0;
};

struct DiskUsage {
  double total_gb = 0;  // GiB (2^30 bytes), rounded to one decimal
  double used_gb = 0;   // (blocks - free blocks) in GiB, as df counts "used"
};

// Everything query_metrics and the heartbeat report about the node. A field
// that could not be read stays nullopt and `notes` says why, one line each,
// beginning with the file ("/proc/meminfo: No such file or directory").
struct HostSnapshot {
  std::optional<std::string> hostname;
  std::optional<uint32_t> cpu_cores;
  std::optional<uint64_t> ram_total_mb;
  std::optional<uint64_t> ram_available_mb;
  std::optional<DiskUsage> disk;
  std::optional<int64_t> uptime_seconds;
  std::optional<LoadAverage> load_avg;
  std::vector<std::string> notes;
};

// Parsers of one file's text. Failure messages carry no path (the caller
// prefixes it): "no complete MemTotal line", "MemTotal value out of range".

// MemTotal and MemAvailable (kB) → MiB. MemAvailable above MemTotal is
// clamped to MemTotal. Fails when MemTotal is missing, zero, malformed or
// above kMaxMemoryKb; a bad MemAvailable only leaves available_mb unset.
Result<MemoryInfo> parse_meminfo(std::string_view text);

// The first three fields of /proc/loadavg. Each must be finite, >= 0 and
// <= kMaxLoadAverage.
Result<LoadAverage> parse_loadavg(std::string_view text);

// Whole seconds (rounded down) from the first field of /proc/uptime.
Result<int64_t> parse_uptime(std::string_view text);

// Number of "cpuN" lines in /proc/stat (the aggregate "cpu" line excluded).
Result<uint32_t> count_cpus_in_stat(std::string_view text);

// Number of "processor : N" lines in /proc/cpuinfo.
Result<uint32_t> count_cpus_in_cpuinfo(std::string_view text);

// The one line of /proc/sys/kernel/hostname: 1..kMaxHostnameBytes bytes of
// printable ASCII without spaces.
Result<std::string> parse_hostname(std::string_view text);

// GiB figures from statvfs fields, rounded to one decimal. Pure, for tests.
DiskUsage disk_usage_from_blocks(uint64_t blocks, uint64_t free_blocks, uint64_t fragment_bytes);

// statvfs(path). Failure: "statvfs /data: No such file or directory".
Result<DiskUsage> disk_usage(const std::string& path);

// Reads every field. Never fails as a whole: each unreadable field is left
// unknown with a note. The CPU count falls back from <root>/stat to
// <root>/cpuinfo (a note only when both fail). A non-empty
// `hostname_override` (AGENT_HOSTNAME) is used as is and the hostname file is
// not read.
// Every read goes through `host` (host/ops.h).
HostSnapshot collect(const HostOps& host, const std::string& disk_path,
                     const std::string& hostname_override = std::string());

}  // namespace sigma::host
