#include "host/system_info.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "../guard_page.h"
#include "host/ops.h"
#include "host/procfs.h"

namespace sigma::host {
namespace {

// The error text of a failed result, for test messages; empty on success.
template <typename T>
std::string error_of(const Result<T>& result) {
  return result.is_ok() ? std::string() : result.error();
}

std::string fixture(const std::string& tree, const std::string& file) {
  Result<std::string> text = ProcFs("tests/fixtures/proc/" + tree).read(file);
  REQUIRE_MESSAGE(text.is_ok(), error_of(text));
  return *text;
}

bool has_note(const HostSnapshot& snapshot, const std::string& note) {
  return std::find(snapshot.notes.begin(), snapshot.notes.end(), note) != snapshot.notes.end();
}

// ---- normal values, exact ----

TEST_CASE("normal fixture files parse to their exact values") {
  Result<MemoryInfo> memory = parse_meminfo(fixture("normal", "meminfo"));
  REQUIRE(memory.is_ok());
  CHECK(memory->total_mb == 1983);  // 2030592 kB / 1024
  REQUIRE(memory->available_mb.has_value());
  CHECK(*memory->available_mb == 1487);  // 1523456 kB / 1024, rounded down

  Result<LoadAverage> load = parse_loadavg(fixture("normal", "loadavg"));
  REQUIRE(load.is_ok());
  CHECK(load->one_min == 0.52);
  CHECK(load->five_min == 0.58);
  CHECK(load->fifteen_min == 0.59);

  Result<int64_t> uptime = parse_uptime(fixture("normal", "uptime"));
  REQUIRE(uptime.is_ok());
  CHECK(*uptime == 356712);

  Result<uint32_t> stat_cpus = count_cpus_in_stat(fixture("normal", "stat"));
  REQUIRE(stat_cpus.is_ok());
  CHECK(*stat_cpus == 4);

  Result<uint32_t> cpuinfo_cpus = count_cpus_in_cpuinfo(fixture("normal", "cpuinfo"));
  REQUIRE(cpuinfo_cpus.is_ok());
  CHECK(*cpuinfo_cpus == 4);

  Result<std::string> hostname = parse_hostname(fixture("normal", "sys/kernel/hostname"));
  REQUIRE(hostname.is_ok());
  CHECK(*hostname == "vpn-node-17");
}

TEST_CASE("the real /proc parses on this machine") {
  const LocalHostOps host("/proc");
  const HostSnapshot snapshot = collect(host, "/");
  CHECK(snapshot.cpu_cores.has_value());
  CHECK(snapshot.ram_total_mb.has_value());
  CHECK(snapshot.uptime_seconds.has_value());
  CHECK(snapshot.load_avg.has_value());
  CHECK(snapshot.disk.has_value());
  CHECK(snapshot.hostname.has_value());
}

// ---- truncation: whole, byte by byte, at a guard page ----

TEST_CASE("every prefix of normal/meminfo is rejected or yields the full file's values") {
  const std::string text = fixture("normal", "meminfo");
  for (size_t n = 0; n <= text.size(); ++n) {
    CAPTURE(n);
    Result<MemoryInfo> memory = parse_meminfo(std::string_view(text).substr(0, n));
    if (memory.is_ok()) {
      CHECK(memory->total_mb == 1983);
      if (memory->available_mb) {
        CHECK(*memory->available_mb == 1487);
      }
    }
  }
  // The MemTotal line is complete only once its newline arrives.
  const size_t first_newline = text.find('\n');
  CHECK_FALSE(parse_meminfo(std::string_view(text).substr(0, first_newline)).is_ok());
  CHECK(parse_meminfo(std::string_view(text).substr(0, first_newline + 1)).is_ok());
}

TEST_CASE("every strict prefix of a one-line file is rejected") {
  struct Case {
    const char* file;
  };
  for (const Case& c : {Case{"loadavg"}, Case{"uptime"}, Case{"sys/kernel/hostname"}}) {
    SUBCASE(c.file) {
      const std::string text = fixture("normal", c.file);
      for (size_t n = 0; n < text.size(); ++n) {
        CAPTURE(n);
        const std::string_view prefix = std::string_view(text).substr(0, n);
        CHECK_FALSE(parse_loadavg(prefix).is_ok());
        CHECK_FALSE(parse_uptime(prefix).is_ok());
        CHECK_FALSE(parse_hostname(prefix).is_ok());
      }
    }
  }
}

TEST_CASE("a prefix of stat or cpuinfo counts only when it ends a line, never more than the whole") {
  const std::string stat = fixture("normal", "stat");
  const std::string cpuinfo = fixture("normal", "cpuinfo");
  for (size_t n = 0; n <= stat.size(); ++n) {
    CAPTURE(n);
    Result<uint32_t> count = count_cpus_in_stat(std::string_view(stat).substr(0, n));
    if (count.is_ok()) {
      CHECK(stat[n - 1] == '\n');
      CHECK(*count <= 4);
    }
  }
  for (size_t n = 0; n <= cpuinfo.size(); ++n) {
    CAPTURE(n);
    Result<uint32_t> count = count_cpus_in_cpuinfo(std::string_view(cpuinfo).substr(0, n));
    if (count.is_ok()) {
      CHECK(cpuinfo[n - 1] == '\n');
      CHECK(*count <= 4);
    }
  }
}

TEST_CASE("parsers read nothing past a view that ends at a guard page") {
  SUBCASE("complete files give the same values as in ordinary memory") {
    test::GuardPage meminfo(fixture("normal", "meminfo"));
    Result<MemoryInfo> memory = parse_meminfo(meminfo.view());
    REQUIRE(memory.is_ok());
    CHECK(memory->total_mb == 1983);
    test::GuardPage loadavg(fixture("normal", "loadavg"));
    CHECK(parse_loadavg(loadavg.view()).is_ok());
    test::GuardPage uptime(fixture("normal", "uptime"));
    CHECK(parse_uptime(uptime.view()).is_ok());
    test::GuardPage stat(fixture("normal", "stat"));
    CHECK(*count_cpus_in_stat(stat.view()) == 4);
    test::GuardPage cpuinfo(fixture("normal", "cpuinfo"));
    CHECK(*count_cpus_in_cpuinfo(cpuinfo.view()) == 4);
    test::GuardPage hostname(fixture("normal", "sys/kernel/hostname"));
    CHECK(*parse_hostname(hostname.view()) == "vpn-node-17");
  }
  SUBCASE("inputs cut in the middle of a token at the boundary are rejected") {
    const char* cut[] = {"MemTotal:       2030592", "MemTotal:       2030592 k", "0.52 0.58 0.5",
                         "356712.4",               "cpu0 1 2 3",                "processor\t: 0",
                         "vpn-node-17",            "processor",                 "MemTotal"};
    for (const char* text : cut) {
      CAPTURE(text);
      test::GuardPage buffer(text);
      CHECK_FALSE(parse_meminfo(buffer.view()).is_ok());
      CHECK_FALSE(parse_loadavg(buffer.view()).is_ok());
      CHECK_FALSE(parse_uptime(buffer.view()).is_ok());
      CHECK_FALSE(count_cpus_in_stat(buffer.view()).is_ok());
      CHECK_FALSE(count_cpus_in_cpuinfo(buffer.view()).is_ok());
      CHECK_FALSE(parse_hostname(buffer.view()).is_ok());
    }
  }
  SUBCASE("an empty view at the boundary is rejected") {
    test::GuardPage buffer("");
    CHECK_FALSE(parse_meminfo(buffer.view()).is_ok());
    CHECK_FALSE(parse_loadavg(buffer.view()).is_ok());
    CHECK_FALSE(count_cpus_in_stat(buffer.view()).is_ok());
    CHECK_FALSE(parse_hostname(buffer.view()).is_ok());
  }
}

// ---- hostile values ----

TEST_CASE("meminfo values out of range or malformed are rejected, MemAvailable is clamped") {
  struct Case {
    const char* name;
    std::string text;
    bool ok;
    uint64_t total_mb;
    std::optional<uint64_t> available_mb;
  };
  const Case cases[] = {
      {"plain", "MemTotal: 2048 kB\nMemAvailable: 1024 kB\n", true, 2, 1},
      {"tabs", "MemTotal:\t2048\tkB\n", true, 2, std::nullopt},
      {"negative total", "MemTotal: -2048 kB\n", false, 0, std::nullopt},
      {"plus sign", "MemTotal: +2048 kB\n", false, 0, std::nullopt},
      {"u64 overflow", "MemTotal: 18446744073709551616 kB\n", false, 0, std::nullopt},
      {"above a pebibyte", "MemTotal: 1099511627777 kB\n", false, 0, std::nullopt},
      {"exactly a pebibyte", "MemTotal: 1099511627776 kB\n", true, 1073741824, std::nullopt},
      {"zero", "MemTotal: 0 kB\n", false, 0, std::nullopt},
      {"no unit", "MemTotal: 2048\n", false, 0, std::nullopt},
      {"other unit", "MemTotal: 2048 MB\n", false, 0, std::nullopt},
      {"fraction", "MemTotal: 20.48 kB\n", false, 0, std::nullopt},
      {"NUL in number", std::string("MemTotal: 20\0" "48 kB\n", 19), false, 0, std::nullopt},
      {"no MemTotal", "MemFree: 2048 kB\n", false, 0, std::nullopt},
      {"first MemTotal wins", "MemTotal: 2048 kB\nMemTotal: 999999 kB\n", true, 2, std::nullopt},
      {"available above total clamped", "MemTotal: 2048 kB\nMemAvailable: 999999 kB\n", true, 2, 2},
      {"garbage available ignored", "MemTotal: 2048 kB\nMemAvailable: lots kB\n", true, 2, std::nullopt},
      {"negative available ignored", "MemTotal: 2048 kB\nMemAvailable: -5 kB\n", true, 2, std::nullopt},
      {"key with a space is not MemTotal", "MemTotal : 2048 kB\n", false, 0, std::nullopt},
  };
  for (const Case& c : cases) {
    SUBCASE(c.name) {
      Result<MemoryInfo> memory = parse_meminfo(c.text);
      REQUIRE(memory.is_ok() == c.ok);
      if (c.ok) {
        CHECK(memory->total_mb == c.total_mb);
        CHECK(memory->available_mb == c.available_mb);
      }
    }
  }
}

TEST_CASE("load averages that are not finite non-negative numbers up to 1e6 are rejected") {
  struct Case {
    const char* text;
    bool ok;
  };
  const Case cases[] = {
      {"0.00 0.01 0.05 1/1 1\n", true},   {"12.5 3 1e2 1/1 1\n", true},   {"1000000 0 0\n", true},
      {"1000000.1 0 0\n", false},         {"-0.50 0.1 0.1 1/1 1\n", false}, {"nan 0.1 0.1\n", false},
      {"inf 0.1 0.1\n", false},           {"0.1 0.1\n", false},           {".5 0.1 0.1\n", false},
      {"0x10 0.1 0.1\n", false},          {"1e400 0 0\n", false},         {"0.1 0.1 0.1abc\n", false},
      {"\n", false},                      {"   \n", false},
  };
  for (const Case& c : cases) {
    SUBCASE(c.text) { CHECK(parse_loadavg(c.text).is_ok() == c.ok); }
  }
  Result<LoadAverage> spaced = parse_loadavg("  1.5\t2.5   3.5 \n");
  REQUIRE(spaced.is_ok());
  CHECK(spaced->one_min == 1.5);
  CHECK(spaced->fifteen_min == 3.5);
}

TEST_CASE("uptime is whole seconds, and absurd values are rejected") {
  struct Case {
    const char* text;
    bool ok;
    int64_t seconds;
  };
  const Case cases[] = {
      {"12.99 4.00\n", true, 12},   {"0.00 0.00\n", true, 0},      {"  7 1\n", true, 7},
      {"1e300 5.00\n", false, 0},   {"-1.00 1.00\n", false, 0},    {"abc 1\n", false, 0},
      {"3155760000 1\n", true, 3155760000}, {"3162240000.5 1\n", false, 0}, {"nan 1\n", false, 0},
  };
  for (const Case& c : cases) {
    SUBCASE(c.text) {
      Result<int64_t> uptime = parse_uptime(c.text);
      REQUIRE(uptime.is_ok() == c.ok);
      if (c.ok) {
        CHECK(*uptime == c.seconds);
      }
    }
  }
}

TEST_CASE("only well-formed cpuN and processor lines are counted, up to a bound") {
  CHECK(*count_cpus_in_stat("cpu  1 2\ncpu0 1 2\ncpu1 1 2\ncpux 1\ncpu\n") == 2);
  CHECK_FALSE(count_cpus_in_stat("cpu  1 2\nintr 5\n").is_ok());
  CHECK_FALSE(count_cpus_in_stat(std::string("cpu\0" "0 1\n", 8)).is_ok());
  CHECK(*count_cpus_in_cpuinfo("processor\t: 0\nprocessor : 1\nprocessor: 2\n\n") == 3);
  CHECK_FALSE(count_cpus_in_cpuinfo("Processor\t: ARMv7 rev 5\nprocessors : 1\n").is_ok());
  CHECK_FALSE(count_cpus_in_cpuinfo("processor x: 0\n").is_ok());

  std::string many;
  for (uint32_t i = 0; i <= kMaxCpuCores; ++i) {
    many += "cpu" + std::to_string(i) + " 0\n";
  }
  Result<uint32_t> too_many = count_cpus_in_stat(many);
  REQUIRE_FALSE(too_many.is_ok());
  CHECK(too_many.error() == "more than 16384 cpuN lines");
}

TEST_CASE("hostnames must be 1 to 64 bytes of printable ASCII without spaces") {
  struct Case {
    const char* name;
    std::string text;
    bool ok;
  };
  const Case cases[] = {
      {"plain", "node-1.example\n", true},
      {"64 bytes", std::string(64, 'a') + "\n", true},
      {"65 bytes", std::string(65, 'a') + "\n", false},
      {"very long line", std::string(100000, 'a') + "\n", false},
      {"empty line", "\n", false},
      {"space", "my host\n", false},
      {"NUL", std::string("evil\0host\n", 10), false},
      {"control", "evil\x1bhost\n", false},
      {"UTF-8", "h\xc3\xb6st\n", false},
      {"carriage return", "host\r\n", false},
  };
  for (const Case& c : cases) {
    SUBCASE(c.name) { CHECK(parse_hostname(c.text).is_ok() == c.ok); }
  }
}

// ---- disk ----

TEST_CASE("disk usage is GiB rounded to one decimal, used counts reserved blocks as df does") {
  const DiskUsage even = disk_usage_from_blocks(10485760, 5242880, 4096);  // 40 GiB, half free
  CHECK(even.total_gb == 40.0);
  CHECK(even.used_gb == 20.0);
  // 25 GiB + 471859200 bytes (0.44 GiB) → 25.4; used 0.06 GiB → 0.1.
  const uint64_t blocks = (25ull * 1024 * 1024 * 1024 + 471859200) / 4096;
  const DiskUsage odd = disk_usage_from_blocks(blocks, blocks - 15729, 4096);
  CHECK(odd.total_gb == 25.4);
  CHECK(odd.used_gb == 0.1);
  const DiskUsage hostile = disk_usage_from_blocks(5, 10, UINT64_MAX);  // more free than total
  CHECK(hostile.used_gb == 0.0);
  const DiskUsage huge = disk_usage_from_blocks(UINT64_MAX, 0, UINT64_MAX);  // must not wrap
  CHECK(huge.total_gb > 1e20);
}

TEST_CASE("disk usage of a missing path names statvfs and the path") {
  Result<DiskUsage> missing = disk_usage("/nonexistent-sigma-path");
  REQUIRE_FALSE(missing.is_ok());
  CHECK(missing.error() == "statvfs /nonexistent-sigma-path: No such file or directory");
  Result<DiskUsage> root = disk_usage("/");
  REQUIRE(root.is_ok());
  CHECK(root->total_gb > 0);
  CHECK(root->used_gb <= root->total_gb);
}

// ---- collect() on the fixture trees ----

TEST_CASE("collect on the normal tree knows every field and has no notes") {
  const HostSnapshot s = collect(LocalHostOps("tests/fixtures/proc/normal"), "/");
  CHECK(s.hostname == std::optional<std::string>("vpn-node-17"));
  CHECK(s.cpu_cores == std::optional<uint32_t>(4));
  CHECK(s.ram_total_mb == std::optional<uint64_t>(1983));
  CHECK(s.ram_available_mb == std::optional<uint64_t>(1487));
  CHECK(s.uptime_seconds == std::optional<int64_t>(356712));
  REQUIRE(s.load_avg.has_value());
  CHECK(s.load_avg->five_min == 0.58);
  CHECK(s.disk.has_value());
  CHECK(s.notes.empty());
}

TEST_CASE("collect uses a hostname override without reading the hostname file") {
  const HostSnapshot s = collect(LocalHostOps("tests/fixtures/proc/missing"), "/", "edge-7");
  CHECK(s.hostname == std::optional<std::string>("edge-7"));
  for (const std::string& note : s.notes) {
    CHECK(note.find("hostname") == std::string::npos);
  }
}

TEST_CASE("collect on the truncated tree leaves cut fields unknown with one note each") {
  const std::string root = "tests/fixtures/proc/truncated";
  const HostSnapshot s = collect(LocalHostOps(root), "/");
  CHECK_FALSE(s.hostname.has_value());
  CHECK_FALSE(s.cpu_cores.has_value());
  CHECK(s.ram_total_mb == std::optional<uint64_t>(1983));  // its line is whole; MemAvailable is cut
  CHECK_FALSE(s.ram_available_mb.has_value());
  CHECK_FALSE(s.uptime_seconds.has_value());
  CHECK_FALSE(s.load_avg.has_value());
  CHECK(s.disk.has_value());
  CHECK(has_note(s, root + "/sys/kernel/hostname: empty file"));
  CHECK(has_note(s, root + "/stat: truncated (no newline at end of file)"));
  CHECK(has_note(s, root + "/cpuinfo: truncated (no newline at end of file)"));
  CHECK(has_note(s, root + "/meminfo: no usable MemAvailable line"));
  CHECK(has_note(s, root + "/uptime: truncated (no newline at end of line)"));
  CHECK(has_note(s, root + "/loadavg: empty file"));
  CHECK(s.notes.size() == 6);
}

TEST_CASE("collect on the missing tree falls back to cpuinfo and notes each absent file") {
  const std::string root = "tests/fixtures/proc/missing";
  const HostSnapshot s = collect(LocalHostOps(root), "/nonexistent-sigma-path");
  CHECK(s.cpu_cores == std::optional<uint32_t>(2));  // from cpuinfo: stat is absent
  CHECK(s.ram_total_mb == std::optional<uint64_t>(1983));
  CHECK_FALSE(s.ram_available_mb.has_value());
  CHECK_FALSE(s.hostname.has_value());
  CHECK_FALSE(s.uptime_seconds.has_value());
  CHECK_FALSE(s.load_avg.has_value());
  CHECK_FALSE(s.disk.has_value());
  CHECK(has_note(s, root + "/sys/kernel/hostname: No such file or directory"));
  CHECK(has_note(s, root + "/uptime: No such file or directory"));
  CHECK(has_note(s, root + "/loadavg: No such file or directory"));
  CHECK(has_note(s, root + "/meminfo: no usable MemAvailable line"));
  CHECK(has_note(s, "statvfs /nonexistent-sigma-path: No such file or directory"));
  CHECK(s.notes.size() == 5);  // a successful cpuinfo fallback adds no note
}

TEST_CASE("collect on a root that does not exist notes everything and still returns") {
  const std::string root = "tests/fixtures/proc/does-not-exist";
  const HostSnapshot s = collect(LocalHostOps(root), "/");
  CHECK_FALSE(s.cpu_cores.has_value());
  CHECK(has_note(s, root + "/stat: No such file or directory"));
  CHECK(has_note(s, root + "/cpuinfo: No such file or directory"));
  CHECK(has_note(s, root + "/meminfo: No such file or directory"));
  CHECK(s.notes.size() == 6);
}

TEST_CASE("collect on the hostile tree rejects garbage and does not crash") {
  const std::string root = "tests/fixtures/proc/hostile";
  const HostSnapshot s = collect(LocalHostOps(root), "/");
  CHECK_FALSE(s.hostname.has_value());        // NUL byte
  CHECK_FALSE(s.ram_total_mb.has_value());    // first MemTotal overflows; the later one is ignored
  CHECK_FALSE(s.uptime_seconds.has_value());  // 1e300
  CHECK_FALSE(s.load_avg.has_value());        // negative, nan, inf
  CHECK(s.cpu_cores == std::optional<uint32_t>(2));  // only cpu0 and cpu1 are well formed
  CHECK(has_note(s, root + "/meminfo: MemTotal value out of range"));
  CHECK(has_note(s, root + "/sys/kernel/hostname: hostname contains a byte that is not printable ASCII"));
}

}  // namespace
}  // namespace sigma::host
