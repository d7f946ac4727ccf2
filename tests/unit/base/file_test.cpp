// base/file: the one bounded whole-file reader, plain and secret.
#include "base/file.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace sigma {
namespace {

class TempFile final {
 public:
  explicit TempFile(const std::string& content) {
    const char* base = getenv("TMPDIR");
    std::string pattern = std::string(base != nullptr ? base : "/tmp") + "/sigma-file-XXXXXX";
    int fd = mkstemp(pattern.data());
    REQUIRE(fd >= 0);
    close(fd);
    path_ = pattern;
    std::ofstream(path_, std::ios::binary | std::ios::trunc) << content;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST_CASE("read_file returns the whole file up to and including the bound, in both modes") {
  const std::string text(10000, 'x');
  TempFile file(text);
  for (FileContent mode : {FileContent::kPlain, FileContent::kSecret}) {
    Result<std::string> at_bound = read_file(file.path(), 10000, mode);
    REQUIRE(at_bound.is_ok());
    CHECK(*at_bound == text);
    Result<std::string> over = read_file(file.path(), 9999, mode);
    REQUIRE_FALSE(over.is_ok());
    CHECK(over.error() == file.path() + ": larger than 9999 bytes");
  }
}

TEST_CASE("read_file keeps NULs and reads empty files as empty") {
  TempFile with_nul(std::string("a\0b", 3));
  Result<std::string> r = read_file(with_nul.path(), 16);
  REQUIRE(r.is_ok());
  CHECK(r->size() == 3);
  TempFile empty("");
  CHECK(read_file(empty.path(), 16).value().empty());
  CHECK(read_file(empty.path(), 0).value().empty());
}

TEST_CASE("read_file names the path and the system's reason") {
  Result<std::string> missing = read_file("/nonexistent/sigma-file", 16);
  REQUIRE_FALSE(missing.is_ok());
  CHECK(missing.error() == "/nonexistent/sigma-file: No such file or directory");
  Result<std::string> dir = read_file("/", 16);
  REQUIRE_FALSE(dir.is_ok());
  CHECK(dir.error() == "/: Is a directory");
}

TEST_CASE("a procfs file (st_size 0) is read to its end") {
  Result<std::string> self = read_file("/proc/self/status", 1 << 20);
  REQUIRE(self.is_ok());
  CHECK(self->find("Name:") == 0);
  CHECK_FALSE(read_file("/proc/self/status", 8).is_ok());
}

TEST_CASE("read_to_end names what the caller opened and wipe empties a string") {
  TempFile file("secret-bytes");
  UniqueFd fd(::open(file.path().c_str(), O_RDONLY | O_CLOEXEC));
  REQUIRE(fd.is_valid());
  Result<std::string> r = read_to_end(fd, "token file T", 4, FileContent::kSecret);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.error() == "token file T: larger than 4 bytes");
  std::string s = "abc";
  wipe(s);
  CHECK(s.empty());
}

}  // namespace
}  // namespace sigma
