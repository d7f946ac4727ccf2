// The install probe: the running binary's path and dpkg's file lists.
#include "host/install.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "host/ops.h"

namespace sigma::host {
namespace {

// A private directory standing in for /var/lib/dpkg/info, removed at the end.
class InfoDir final {
 public:
  InfoDir() {
    const char* base = getenv("TMPDIR");
    std::string pattern = std::string(base != nullptr ? base : "/tmp") + "/sigma-dpkg-XXXXXX";
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~InfoDir() {
    nftw(path_.c_str(), [](const char* p, const struct stat*, int, FTW*) { return ::remove(p); }, 8,
         FTW_DEPTH | FTW_PHYS);
  }
  InfoDir(const InfoDir&) = delete;
  InfoDir& operator=(const InfoDir&) = delete;

  void write(const std::string& name, const std::string& content, mode_t mode = 0644) const {
    const std::string path = path_ + "/" + name;
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    REQUIRE(fd >= 0);
    REQUIRE(::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()));
    ::close(fd);
    REQUIRE(chmod(path.c_str(), mode) == 0);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::optional<std::string> owner(const InfoDir& dir, const std::string& path) {
  Result<std::optional<std::string>> r = find_dpkg_package(dir.path(), path);
  REQUIRE_MESSAGE(r.is_ok(), r.error());
  return *r;
}

TEST_CASE("the package whose list names the binary owns it; the architecture suffix is dropped") {
  InfoDir dir;
  dir.write("coreutils.list", "/.\n/usr\n/usr/bin\n/usr/bin/ls\n");
  dir.write("sigma-agent:amd64.list", "/.\n/usr\n/usr/sbin\n/usr/sbin/sigma-agent\n/usr/share/man/man8/sigma-agent.8.gz");
  dir.write("sigma-agent.md5sums", "d41d8cd98f00b204e9800998ecf8427e  usr/sbin/other\n");
  CHECK(owner(dir, "/usr/sbin/sigma-agent") == std::optional<std::string>("sigma-agent"));
  CHECK(owner(dir, "/usr/bin/ls") == std::optional<std::string>("coreutils"));
  // The last line has no newline and still counts.
  CHECK(owner(dir, "/usr/share/man/man8/sigma-agent.8.gz") == std::optional<std::string>("sigma-agent"));
}

TEST_CASE("only a whole line matches: prefixes, suffixes and other files do not") {
  InfoDir dir;
  dir.write("sigma-agent.list", "/usr/sbin/sigma-agent-helper\n/opt/usr/sbin/sigma-agent\n/usr/sbin\n");
  dir.write("sigma-agent.md5sums", "/usr/sbin/sigma-agent\n");  // not a .list
  CHECK(owner(dir, "/usr/sbin/sigma-agent") == std::nullopt);
  CHECK(owner(dir, "/usr/sbin/sigma") == std::nullopt);
}

TEST_CASE("a merged /usr matches the other spelling of the path") {
  InfoDir dir;
  dir.write("legacy.list", "/sbin/sigma-agent\n");
  dir.write("modern.list", "/usr/bin/tool\n");
  CHECK(owner(dir, "/usr/sbin/sigma-agent") == std::optional<std::string>("legacy"));
  CHECK(owner(dir, "/bin/tool") == std::optional<std::string>("modern"));
  CHECK(owner(dir, "/usr/local/sbin/sigma-agent") == std::nullopt);
}

TEST_CASE("no dpkg database means no package, not an error") {
  Result<std::optional<std::string>> r = find_dpkg_package("/nonexistent-sigma-dpkg-info", "/usr/sbin/sigma-agent");
  REQUIRE(r.is_ok());
  CHECK(*r == std::nullopt);
  InfoDir empty;
  CHECK(owner(empty, "/usr/sbin/sigma-agent") == std::nullopt);
}

TEST_CASE("an unreadable or oversized list is an error naming it, not a guess") {
  InfoDir dir;
  dir.write("a.list", std::string(kMaxDpkgListBytes + 1, 'x'));
  Result<std::optional<std::string>> r = find_dpkg_package(dir.path(), "/usr/sbin/sigma-agent");
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.error().find("a.list") != std::string::npos);
  CHECK(r.error().find("larger than") != std::string::npos);
  if (geteuid() != 0) {  // root reads a mode-000 file anyway
    InfoDir locked;
    locked.write("b.list", "/usr/sbin/sigma-agent\n", 0);
    r = find_dpkg_package(locked.path(), "/usr/sbin/sigma-agent");
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.error().find("b.list") != std::string::npos);
  }
}

TEST_CASE("the executable link of this process is an absolute path to the test binary") {
  Result<std::string> path = read_executable_path();
  REQUIRE_MESSAGE(path.is_ok(), path.error());
  CHECK(path->front() == '/');
  CHECK(path->find("unit_tests") != std::string::npos);
  CHECK(LocalHostOps("/proc").executable_path().is_ok());
  Result<std::string> missing = read_executable_path("/nonexistent-sigma-link");
  REQUIRE_FALSE(missing.is_ok());
  CHECK(missing.error().find("/nonexistent-sigma-link") == 0);
}

}  // namespace
}  // namespace sigma::host
