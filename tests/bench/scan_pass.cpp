// CPU of one port-scan pass, measured in process: the product's
// host::PortScanner over this machine's /proc, as the daemon runs it.
//
// Owns: the measurement only; it links the product's library as is.
// Must not: decide anything for the product; it prints numbers.
// Threading: single-threaded.
//
// Method: one untimed warm-up pass, then `passes` passes, each timed with
// CLOCK_PROCESS_CPUTIME_ID (user + system CPU of this process) and
// CLOCK_MONOTONIC. The snapshot of the last pass is printed too, so the
// caller can check the scan saw the sockets it opened.
//
// Output: one JSON object on stdout.
// Usage: scan_pass --first N --last N [--passes N] [--proc DIR]

#include <time.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "host/ops.h"
#include "host/port_scanner.h"

namespace {

int64_t now_ns(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

bool parse_int(const char* text, long& out) {
  const char* end = text + std::strlen(text);
  auto [p, ec] = std::from_chars(text, end, out);
  return ec == std::errc() && p == end;
}

}  // namespace

int main(int argc, char** argv) {
  long first = 10000;
  long last = 30000;
  long passes = 20;
  std::string proc = "/proc";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    bool ok = true;
    if (flag == "--first") {
      ok = parse_int(argv[i + 1], first);
    } else if (flag == "--last") {
      ok = parse_int(argv[i + 1], last);
    } else if (flag == "--passes") {
      ok = parse_int(argv[i + 1], passes);
    } else if (flag == "--proc") {
      proc = argv[i + 1];
    } else {
      ok = false;
    }
    if (!ok) {
      std::fprintf(stderr, "usage: scan_pass --first N --last N [--passes N] [--proc DIR]\n");
      return 2;
    }
  }
  if (first < 1 || last > 65535 || first > last || passes < 1) {
    std::fprintf(stderr, "scan_pass: bad range or pass count\n");
    return 2;
  }
  sigma::host::LocalHostOps host(proc);
  sigma::host::PortScanner scanner(host, static_cast<uint16_t>(first), static_cast<uint16_t>(last));
  sigma::host::PortScanSnapshot snapshot = scanner.scan();  // warm-up: dentries, page cache
  std::vector<double> cpu_us;
  std::vector<double> wall_us;
  for (long i = 0; i < passes; ++i) {
    const int64_t c0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
    const int64_t w0 = now_ns(CLOCK_MONOTONIC);
    snapshot = scanner.scan();
    cpu_us.push_back(static_cast<double>(now_ns(CLOCK_PROCESS_CPUTIME_ID) - c0) / 1000.0);
    wall_us.push_back(static_cast<double>(now_ns(CLOCK_MONOTONIC) - w0) / 1000.0);
  }
  std::printf("{\"passes\":%ld,\"cpu_us\":[", passes);
  for (size_t i = 0; i < cpu_us.size(); ++i) {
    std::printf("%s%.1f", i ? "," : "", cpu_us[i]);
  }
  std::printf("],\"wall_us\":[");
  for (size_t i = 0; i < wall_us.size(); ++i) {
    std::printf("%s%.1f", i ? "," : "", wall_us[i]);
  }
  std::printf("],\"total\":%llu,\"in_use\":%llu,\"available\":%llu,\"by_source\":{",
              static_cast<unsigned long long>(snapshot.total), static_cast<unsigned long long>(snapshot.in_use),
              static_cast<unsigned long long>(snapshot.available));
  for (size_t i = 0; i < sigma::host::kPortSourceCount; ++i) {
    const auto source = static_cast<sigma::host::PortSource>(i);
    std::printf("%s\"%s\":%llu", i ? "," : "", std::string(sigma::host::port_source_name(source)).c_str(),
                static_cast<unsigned long long>(snapshot.used_by(source)));
  }
  std::printf("},\"notes\":%zu}\n", snapshot.notes.size());
  return 0;
}
