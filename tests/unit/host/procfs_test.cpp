#include "host/procfs.h"

#include <doctest/doctest.h>

#include <string>

namespace sigma::host {
namespace {

TEST_CASE("ProcFs reads a whole file under its root") {
  const ProcFs proc("tests/fixtures/proc/normal");
  Result<std::string> text = proc.read("loadavg");
  REQUIRE(text.is_ok());
  CHECK(*text == "0.52 0.58 0.59 1/467 12345\n");
}

TEST_CASE("ProcFs reads a nested path and an empty file") {
  Result<std::string> hostname = ProcFs("tests/fixtures/proc/normal").read("sys/kernel/hostname");
  REQUIRE(hostname.is_ok());
  CHECK(*hostname == "vpn-node-17\n");
  Result<std::string> empty = ProcFs("tests/fixtures/proc/truncated").read("loadavg");
  REQUIRE(empty.is_ok());
  CHECK(empty->empty());
}

TEST_CASE("a missing file is an error that begins with its full path") {
  const ProcFs proc("tests/fixtures/proc/missing");
  Result<std::string> text = proc.read("loadavg");
  REQUIRE_FALSE(text.is_ok());
  CHECK(text.error() == "tests/fixtures/proc/missing/loadavg: No such file or directory");
}

TEST_CASE("a file larger than the bound is refused, one at the bound is read") {
  // normal/loadavg is 27 bytes.
  Result<std::string> too_big = ProcFs("tests/fixtures/proc/normal", 26).read("loadavg");
  REQUIRE_FALSE(too_big.is_ok());
  CHECK(too_big.error() == "tests/fixtures/proc/normal/loadavg: larger than 26 bytes");
  Result<std::string> exact = ProcFs("tests/fixtures/proc/normal", 27).read("loadavg");
  REQUIRE(exact.is_ok());
  CHECK(exact->size() == 27);
}

TEST_CASE("the default bound still reads a file of several hundred KiB") {
  Result<std::string> big = ProcFs("tests/fixtures/proc/hostile").read("cpuinfo");
  REQUIRE(big.is_ok());
  CHECK(big->size() > 256 * 1024);
}

TEST_CASE("reading a directory is an error, not an empty file") {
  Result<std::string> dir = ProcFs("tests/fixtures/proc/normal").read("sys");
  REQUIRE_FALSE(dir.is_ok());
  CHECK(dir.error() == "tests/fixtures/proc/normal/sys: Is a directory");
}

TEST_CASE("path joins root and relative path with exactly one slash") {
  CHECK(ProcFs("/proc").path("meminfo") == "/proc/meminfo");
  CHECK(ProcFs("/host/proc/").path("sys/kernel/hostname") == "/host/proc/sys/kernel/hostname");
}

TEST_CASE("the real /proc is readable through the same interface") {
  Result<std::string> text = ProcFs("/proc").read("loadavg");
  REQUIRE(text.is_ok());
  CHECK_FALSE(text->empty());
}

}  // namespace
}  // namespace sigma::host
