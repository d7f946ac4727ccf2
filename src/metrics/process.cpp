#include "metrics/process.h"

#include <dirent.h>
#include <unistd.h>

#include <cerrno>

#include "base/strings.h"
#include "host/procfs.h"
#include "metrics/exposition.h"

namespace sigma::metrics {

namespace {

// procfs files are small; a hostile or broken tree must not make a scrape
// allocate without bound. ProcFs reads files of up to this many bytes, so a
// file of 64 KiB or more is an error and the metric it feeds is left out.
constexpr size_t kMaxProcFileBytes = 64 * 1024 - 1;

// Entries of a directory other than "." and "..". The descriptor opendir
// holds is itself listed under /proc/self/fd; like the Go client we count it.
Result<uint64_t> count_dir_entries(const std::string& path) {
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) {
    return Status::from_errno(path, errno);
  }
  uint64_t count = 0;
  while (const dirent* entry = ::readdir(dir)) {
    std::string_view name(entry->d_name);
    if (name != "." && name != "..") {
      ++count;
    }
  }
  ::closedir(dir);
  return count;
}

}  // namespace

Result<ProcStat> parse_proc_stat(std::string_view text) {
  // proc(5): "pid (comm) state ppid ...". comm is at most 16 bytes but may
  // hold ')' itself, so the last ')' ends it.
  size_t close = text.rfind(')');
  if (close == std::string_view::npos) {
    return Status::error("stat: no ')' after the command name");
  }
  std::string_view rest = text.substr(close + 1);
  // Fields after comm start at field 3 (state).
  constexpr int kFirstField = 3;
  constexpr int kLastNeeded = 24;
  ProcStat stat;
  int field = kFirstField - 1;
  size_t pos = 0;
  while (field < kLastNeeded) {
    while (pos < rest.size() && (rest[pos] == ' ' || rest[pos] == '\n')) {
      ++pos;
    }
    if (pos >= rest.size()) {
      return Status::error("stat: truncated before field " + std::to_string(field + 1));
    }
    size_t end = pos;
    while (end < rest.size() && rest[end] != ' ' && rest[end] != '\n') {
      ++end;
    }
    ++field;
    std::string_view token = rest.substr(pos, end - pos);
    pos = end;
    uint64_t* target = nullptr;
    switch (field) {
      case 14: target = &stat.utime_ticks; break;
      case 15: target = &stat.stime_ticks; break;
      case 22: target = &stat.starttime_ticks; break;
      case 23: target = &stat.vsize_bytes; break;
      case 24: target = &stat.rss_pages; break;
      default: break;
    }
    if (target == nullptr) {
      continue;
    }
    // A field ending exactly at the end of the text may have been cut short
    // by a short read; the kernel always ends the line with more fields.
    if (end == rest.size()) {
      return Status::error("stat: truncated in field " + std::to_string(field));
    }
    std::optional<uint64_t> value = parse_u64(token);
    if (!value) {
      return Status::error("stat: field " + std::to_string(field) + " is not a number");
    }
    *target = *value;
  }
  return stat;
}

Result<std::optional<uint64_t>> parse_max_open_files(std::string_view limits_text) {
  // "Max open files            1024                 524288               files"
  constexpr std::string_view kName = "Max open files";
  for (std::string_view line : split(limits_text, '\n')) {
    if (line.substr(0, kName.size()) != kName) {
      continue;
    }
    std::string_view soft = trim_space(line.substr(kName.size()));
    soft = soft.substr(0, soft.find_first_of(" \t"));
    if (soft == "unlimited") {
      return std::optional<uint64_t>();
    }
    std::optional<uint64_t> value = parse_u64(soft);
    if (!value) {
      return Status::error("limits: Max open files soft limit is not a number");
    }
    return std::optional<uint64_t>(*value);
  }
  return Status::error("limits: no Max open files line");
}

Result<uint64_t> parse_boot_time(std::string_view proc_stat_text) {
  for (std::string_view line : split(proc_stat_text, '\n')) {
    if (line.substr(0, 6) != "btime ") {
      continue;
    }
    std::optional<uint64_t> value = parse_u64(trim_space(line.substr(6)));
    if (!value) {
      return Status::error("stat: btime is not a number");
    }
    return *value;
  }
  return Status::error("stat: no btime line");
}

ProcessStats read_process_stats(const std::string& proc_root, long ticks_per_second,
                                long page_size_bytes) {
  ProcessStats stats;
  const double ticks = static_cast<double>(ticks_per_second);
  const host::ProcFs procfs(proc_root, kMaxProcFileBytes);

  Result<std::string> stat_text = procfs.read("self/stat");
  std::optional<ProcStat> stat;
  if (stat_text) {
    Result<ProcStat> parsed = parse_proc_stat(*stat_text);
    if (parsed) {
      stat = *parsed;
    }
  }
  if (stat) {
    stats.cpu_seconds = static_cast<double>(stat->utime_ticks + stat->stime_ticks) / ticks;
    stats.virtual_memory_bytes = stat->vsize_bytes;
    stats.resident_memory_bytes = stat->rss_pages * static_cast<uint64_t>(page_size_bytes);
    Result<std::string> boot_text = procfs.read("stat");
    if (boot_text) {
      Result<uint64_t> boot = parse_boot_time(*boot_text);
      if (boot) {
        stats.start_time_seconds =
            static_cast<double>(*boot) + static_cast<double>(stat->starttime_ticks) / ticks;
      }
    }
  }

  Result<uint64_t> fds = count_dir_entries(procfs.path("self/fd"));
  if (fds) {
    stats.open_fds = *fds;
  }

  Result<std::string> limits_text = procfs.read("self/limits");
  if (limits_text) {
    Result<std::optional<uint64_t>> max = parse_max_open_files(*limits_text);
    if (max) {
      stats.max_fds = *max;
    }
  }
  return stats;
}

std::string format_process_metrics(const ProcessStats& stats) {
  std::string out;
  auto family = [&out](std::string_view name, std::string_view help, std::string_view type,
                       const std::string& value) {
    append_family_header(out, name, help, type);
    out += name;
    out += ' ';
    out += value;
    out += '\n';
  };
  if (stats.cpu_seconds) {
    family("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
           "counter", format_value(*stats.cpu_seconds));
  }
  if (stats.max_fds) {
    family("process_max_fds", "Maximum number of open file descriptors.", "gauge",
           format_value(*stats.max_fds));
  }
  if (stats.open_fds) {
    family("process_open_fds", "Number of open file descriptors.", "gauge",
           format_value(*stats.open_fds));
  }
  if (stats.resident_memory_bytes) {
    family("process_resident_memory_bytes", "Resident memory size in bytes.", "gauge",
           format_value(*stats.resident_memory_bytes));
  }
  if (stats.start_time_seconds) {
    family("process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
           "gauge", format_value(*stats.start_time_seconds));
  }
  if (stats.virtual_memory_bytes) {
    family("process_virtual_memory_bytes", "Virtual memory size in bytes.", "gauge",
           format_value(*stats.virtual_memory_bytes));
  }
  return out;
}

std::string render_process_metrics(const std::string& proc_root) {
  long ticks = ::sysconf(_SC_CLK_TCK);
  long page = ::sysconf(_SC_PAGESIZE);
  // POSIX allows -1 for "indeterminate"; Linux always answers, but a wrong
  // divisor would silently corrupt the numbers.
  if (ticks <= 0) {
    ticks = 100;
  }
  if (page <= 0) {
    page = 4096;
  }
  return format_process_metrics(read_process_stats(proc_root, ticks, page));
}

}  // namespace sigma::metrics
