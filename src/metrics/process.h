// The standard process_* metrics of the Prometheus client conventions, read
// from procfs for the calling process.
//
// Owns: reading /proc/self/{stat,fd,limits} and /proc/stat (btime), and
// rendering process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_start_time_seconds, process_open_fds
// and process_max_fds.
// Must not: keep state between calls, or fail a scrape because one file is
// missing: a metric whose source cannot be read is left out, the rest render.
// The procfs root is injectable so tests read fixture trees; the daemon passes
// "/proc" (not AGENT_HOST_PROC: a host /proc mounted into a container has no
// "self" for this process).
// Threading: pure functions over the file system, safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace sigma::metrics {

// Fields of /proc/[pid]/stat this module uses (proc(5)), in kernel units.
struct ProcStat {
  uint64_t utime_ticks = 0;       // field 14
  uint64_t stime_ticks = 0;       // field 15
  uint64_t starttime_ticks = 0;   // field 22, since boot
  uint64_t vsize_bytes = 0;       // field 23
  uint64_t rss_pages = 0;         // field 24
};

struct ProcessStats {
  std::optional<double> cpu_seconds;
  std::optional<uint64_t> resident_memory_bytes;
  std::optional<uint64_t> virtual_memory_bytes;
  std::optional<double> start_time_seconds;  // Unix time
  std::optional<uint64_t> open_fds;
  std::optional<uint64_t> max_fds;  // absent when the soft limit is "unlimited"
};

// Parses the single line of /proc/[pid]/stat. The command name (field 2) may
// contain spaces and parentheses, so fields are counted after the last ')'.
// Fails on a truncated line or a non-numeric field it needs.
Result<ProcStat> parse_proc_stat(std::string_view text);

// The soft "Max open files" limit from /proc/[pid]/limits; nullopt for
// "unlimited". Fails when the line is missing or malformed.
Result<std::optional<uint64_t>> parse_max_open_files(std::string_view limits_text);

// The "btime" (boot time, Unix seconds) line of /proc/stat.
Result<uint64_t> parse_boot_time(std::string_view proc_stat_text);

// Reads the stats of the calling process under `proc_root` ("/proc" in
// production). `ticks_per_second` is sysconf(_SC_CLK_TCK), `page_size_bytes`
// sysconf(_SC_PAGESIZE); tests pass fixed values.
// REQUIRES: ticks_per_second > 0, page_size_bytes > 0.
ProcessStats read_process_stats(const std::string& proc_root, long ticks_per_second,
                                long page_size_bytes);

// Renders the families present in `stats`, sorted by name, with HELP/TYPE.
std::string format_process_metrics(const ProcessStats& stats);

// read_process_stats with this machine's clock tick and page size, rendered.
std::string render_process_metrics(const std::string& proc_root);

}  // namespace sigma::metrics
