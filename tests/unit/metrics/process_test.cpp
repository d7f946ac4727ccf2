#include "metrics/process.h"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>

#include "../guard_page.h"

namespace sigma::metrics {
namespace {

const std::string kFixtures = "tests/fixtures/metrics";
constexpr long kTicks = 100;
constexpr long kPage = 4096;

const char kStatLine[] =
    "1234 (sigma-agent) S 1 1234 1234 0 -1 4194560 900 0 0 0 250 50 0 0 20 0 3 0 12345 "
    "10485760 512 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0\n";

TEST_CASE("process metrics are read from a normal procfs fixture") {
  ProcessStats stats = read_process_stats(kFixtures + "/normal", kTicks, kPage);
  REQUIRE(stats.cpu_seconds.has_value());
  CHECK(*stats.cpu_seconds == doctest::Approx(3.0));
  CHECK(stats.resident_memory_bytes == uint64_t{512 * 4096});
  CHECK(stats.virtual_memory_bytes == uint64_t{10485760});
  REQUIRE(stats.start_time_seconds.has_value());
  CHECK(*stats.start_time_seconds == doctest::Approx(1700000123.45));
  CHECK(stats.open_fds == uint64_t{4});
  CHECK(stats.max_fds == uint64_t{1024});

  const std::string expected =
      "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
      "# TYPE process_cpu_seconds_total counter\n"
      "process_cpu_seconds_total 3\n"
      "# HELP process_max_fds Maximum number of open file descriptors.\n"
      "# TYPE process_max_fds gauge\n"
      "process_max_fds 1024\n"
      "# HELP process_open_fds Number of open file descriptors.\n"
      "# TYPE process_open_fds gauge\n"
      "process_open_fds 4\n"
      "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
      "# TYPE process_resident_memory_bytes gauge\n"
      "process_resident_memory_bytes 2097152\n"
      "# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n"
      "# TYPE process_start_time_seconds gauge\n"
      "process_start_time_seconds 1700000123.45\n"
      "# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
      "# TYPE process_virtual_memory_bytes gauge\n"
      "process_virtual_memory_bytes 10485760\n";
  CHECK(format_process_metrics(stats) == expected);
}

TEST_CASE("a command name holding spaces and parentheses does not shift the fields") {
  ProcessStats stats = read_process_stats(kFixtures + "/hostile", kTicks, kPage);
  REQUIRE(stats.cpu_seconds.has_value());
  CHECK(*stats.cpu_seconds == doctest::Approx(3.0));
  CHECK(stats.virtual_memory_bytes == uint64_t{10485760});
  CHECK(stats.open_fds == uint64_t{3});
  // "unlimited" has no number to report: the metric is left out.
  CHECK_FALSE(stats.max_fds.has_value());
  CHECK(format_process_metrics(stats).find("process_max_fds") == std::string::npos);
}

TEST_CASE("a truncated stat file drops its metrics and keeps the others") {
  ProcessStats stats = read_process_stats(kFixtures + "/truncated", kTicks, kPage);
  CHECK_FALSE(stats.cpu_seconds.has_value());
  CHECK_FALSE(stats.start_time_seconds.has_value());
  CHECK_FALSE(stats.resident_memory_bytes.has_value());
  CHECK_FALSE(stats.open_fds.has_value());  // the fixture has no fd directory
  CHECK(stats.max_fds == uint64_t{1024});
  CHECK(format_process_metrics(stats) ==
        "# HELP process_max_fds Maximum number of open file descriptors.\n"
        "# TYPE process_max_fds gauge\n"
        "process_max_fds 1024\n");
}

TEST_CASE("a procfs file of 64 KiB or more is left out; one byte less is read") {
  const char* tmp = std::getenv("TMPDIR");
  std::string root = std::string(tmp != nullptr ? tmp : "/tmp") + "/sigma-metrics-XXXXXX";
  REQUIRE(::mkdtemp(root.data()) != nullptr);
  REQUIRE(::mkdir((root + "/self").c_str(), 0700) == 0);
  auto write = [](const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    REQUIRE(out.good());
  };
  write(root + "/self/stat", kStatLine);
  for (size_t size : {size_t{64 * 1024 - 1}, size_t{64 * 1024}}) {
    CAPTURE(size);
    // A btime line and a filler line, exactly `size` bytes in all.
    std::string boot = "btime 1700000000\n";
    boot += std::string(size - boot.size() - 1, 'x') + "\n";
    REQUIRE(boot.size() == size);
    write(root + "/stat", boot);
    ProcessStats stats = read_process_stats(root, kTicks, kPage);
    CHECK(stats.cpu_seconds.has_value());
    CHECK(stats.start_time_seconds.has_value() == (size < 64 * 1024));
  }
  ::unlink((root + "/stat").c_str());
  ::unlink((root + "/self/stat").c_str());
  ::rmdir((root + "/self").c_str());
  ::rmdir(root.c_str());
}

TEST_CASE("a missing procfs root renders nothing and does not fail") {
  CHECK(render_process_metrics(kFixtures + "/does-not-exist").empty());
}

TEST_CASE("the live /proc of this test process renders every process metric") {
  const std::string text = render_process_metrics("/proc");
  for (const char* name : {"process_cpu_seconds_total ", "process_max_fds ", "process_open_fds ",
                           "process_resident_memory_bytes ", "process_start_time_seconds ",
                           "process_virtual_memory_bytes "}) {
    CAPTURE(name);
    CHECK(text.find(std::string("\n") + name) != std::string::npos);
  }
  ProcessStats stats = read_process_stats("/proc", ::sysconf(_SC_CLK_TCK), ::sysconf(_SC_PAGESIZE));
  REQUIRE(stats.open_fds.has_value());
  CHECK(*stats.open_fds >= 3);
  REQUIRE(stats.resident_memory_bytes.has_value());
  CHECK(*stats.resident_memory_bytes > 0);
}

TEST_CASE("every prefix of a stat line is rejected without reading past it") {
  const std::string line = kStatLine;
  Result<ProcStat> whole = parse_proc_stat(line);
  REQUIRE(whole.is_ok());
  CHECK(whole->utime_ticks == 250);
  CHECK(whole->stime_ticks == 50);
  CHECK(whole->starttime_ticks == 12345);
  CHECK(whole->vsize_bytes == 10485760);
  CHECK(whole->rss_pages == 512);
  // The field after rss (rsslim) is where a prefix first holds every needed field.
  const size_t first_complete = line.find(" 18446744073709551615");
  for (size_t n = 0; n < line.size(); ++n) {
    // Heap copy of exactly n bytes, so ASan catches a read past the end.
    std::unique_ptr<char[]> copy(new char[n == 0 ? 1 : n]);
    std::memcpy(copy.get(), line.data(), n);
    Result<ProcStat> prefix = parse_proc_stat(std::string_view(copy.get(), n));
    CAPTURE(n);
    CHECK(prefix.is_ok() == (n > first_complete));
  }
}

TEST_CASE("a stat line ending exactly at a guard page parses without touching it") {
  test::GuardPage page;
  Result<ProcStat> parsed = parse_proc_stat(page.place(kStatLine));
  CHECK(parsed.is_ok());
  // Also a line cut in its last needed field, ending at the boundary.
  const size_t cut = std::string_view(kStatLine).find(" 512 ") + 3;
  CHECK_FALSE(parse_proc_stat(page.place(std::string_view(kStatLine).substr(0, cut))).is_ok());
}

TEST_CASE("malformed stat, limits and btime text is an error naming the problem") {
  SUBCASE("no closing parenthesis") {
    Result<ProcStat> r = parse_proc_stat("1234 (sigma-agent S 1 2 3");
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.error().find("')'") != std::string::npos);
  }
  SUBCASE("a needed field is not a number") {
    std::string line = kStatLine;
    line.replace(line.find(" 250 "), 5, " 2x0 ");
    Result<ProcStat> r = parse_proc_stat(line);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.error().find("field 14") != std::string::npos);
  }
  SUBCASE("a negative needed field") {
    std::string line = kStatLine;
    line.replace(line.find(" 512 "), 5, " -12 ");
    CHECK_FALSE(parse_proc_stat(line).is_ok());
  }
  SUBCASE("limits without the open files line") {
    CHECK_FALSE(parse_max_open_files("Limit  Soft Limit  Hard Limit  Units\n").is_ok());
  }
  SUBCASE("limits with a garbage soft limit") {
    CHECK_FALSE(parse_max_open_files("Max open files            lots    4096   files\n").is_ok());
  }
  SUBCASE("limits with a number") {
    Result<std::optional<uint64_t>> r =
        parse_max_open_files("Max open files            4096   8192   files\n");
    REQUIRE(r.is_ok());
    CHECK(r.value() == uint64_t{4096});
  }
  SUBCASE("stat without btime") {
    CHECK_FALSE(parse_boot_time("cpu 1 2 3\nctxt 5\n").is_ok());
  }
  SUBCASE("btime that is not a number") {
    CHECK_FALSE(parse_boot_time("btime soon\n").is_ok());
  }
  SUBCASE("btime as the last line without a newline") {
    Result<uint64_t> r = parse_boot_time("cpu 1\nbtime 42");
    REQUIRE(r.is_ok());
    CHECK(*r == 42);
  }
}

}  // namespace
}  // namespace sigma::metrics
