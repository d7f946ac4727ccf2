#include "auth/secret_file.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>

namespace sigma::auth {
namespace {

// A private temporary directory removed with everything in it.
class TempDir final {
 public:
  TempDir() {
    const char* base = getenv("TMPDIR");
    std::string pattern = std::string(base != nullptr ? base : "/tmp") + "/sigma-auth-XXXXXX";
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    // Depth-first: entries before their directory; symlinks are not followed.
    nftw(path_.c_str(), [](const char* p, const struct stat*, int, FTW*) { return ::remove(p); }, 8,
         FTW_DEPTH | FTW_PHYS);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string write(const std::string& name, const std::string& content, mode_t mode = 0600) const {
    std::string path = path_ + "/" + name;
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    REQUIRE(fd >= 0);
    REQUIRE(::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()));
    ::close(fd);
    REQUIRE(chmod(path.c_str(), mode) == 0);  // umask would otherwise clear 0004
    return path;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST_CASE("a token file is read and trimmed of its newline and surrounding blanks") {
  TempDir dir;
  struct Case {
    const char* name;
    std::string content;
  };
  const Case cases[] = {
      {"plain", "tok3n"},         {"newline", "tok3n\n"},     {"crlf", "tok3n\r\n"},
      {"blanks", "  tok3n \t\n"}, {"blank lines", "\ntok3n\n\n"},
  };
  for (const Case& c : cases) {
    SUBCASE(c.name) {
      Result<SecretFile> r = read_secret_file(dir.write("t", c.content));
      REQUIRE_MESSAGE(r.is_ok(), (r.is_ok() ? "" : r.error()));
      CHECK(r->secret == "tok3n");
      CHECK_FALSE(r->world_readable);
    }
  }
}

TEST_CASE("a world-readable token file is read and flagged") {
  TempDir dir;
  Result<SecretFile> r = read_secret_file(dir.write("t", "tok3n\n", 0644));
  REQUIRE(r.is_ok());
  CHECK(r->secret == "tok3n");
  CHECK(r->world_readable);
  Result<SecretFile> group = read_secret_file(dir.write("g", "tok3n\n", 0640));
  REQUIRE(group.is_ok());
  CHECK_FALSE(group->world_readable);
}

TEST_CASE("a symlinked token file is followed") {
  TempDir dir;
  std::string target = dir.write("real", "tok3n\n");
  std::string link = dir.path() + "/link";
  REQUIRE(symlink(target.c_str(), link.c_str()) == 0);
  Result<SecretFile> r = read_secret_file(link);
  REQUIRE(r.is_ok());
  CHECK(r->secret == "tok3n");
}

TEST_CASE("unreadable token files are errors that name the path and never the content") {
  TempDir dir;
  SUBCASE("missing") {
    std::string path = dir.path() + "/missing";
    Result<SecretFile> r = read_secret_file(path);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.error() == "token file " + path + ": No such file or directory");
  }
  SUBCASE("empty") {
    std::string path = dir.write("t", "");
    Result<SecretFile> r = read_secret_file(path);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.error() == "token file " + path + " is empty");
  }
  SUBCASE("only whitespace") {
    std::string path = dir.write("t", " \r\n\n");
    Result<SecretFile> r = read_secret_file(path);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.error() == "token file " + path + " is empty");
  }
  SUBCASE("a directory") {
    Result<SecretFile> r = read_secret_file(dir.path());
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.error() == "token file " + dir.path() + " is not a regular file");
  }
  SUBCASE("a FIFO does not hang") {
    std::string path = dir.path() + "/fifo";
    REQUIRE(mkfifo(path.c_str(), 0600) == 0);
    Result<SecretFile> r = read_secret_file(path);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.error().find("not a regular file") != std::string::npos);
  }
  SUBCASE("too large") {
    std::string path = dir.write("t", std::string(kMaxSecretFileBytes + 1, 'k'));
    Result<SecretFile> r = read_secret_file(path);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.error().find("larger than 4096 bytes") != std::string::npos);
    CHECK(r.error().find("kkkk") == std::string::npos);
  }
  SUBCASE("exactly at the limit is fine") {
    Result<SecretFile> r = read_secret_file(dir.write("t", std::string(kMaxSecretFileBytes, 'k')));
    REQUIRE(r.is_ok());
    CHECK(r->secret.size() == kMaxSecretFileBytes);
  }
  SUBCASE("two lines") {
    std::string path = dir.write("t", "first-secret\nsecond-secret\n");
    Result<SecretFile> r = read_secret_file(path);
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.error().find("control character") != std::string::npos);
    CHECK(r.error().find("secret\n") == std::string::npos);
    CHECK(r.error().find("first-secret") == std::string::npos);
  }
  SUBCASE("the label names the setting's kind") {
    std::string path = dir.write("t", "");
    Result<SecretFile> r = read_secret_file(path, "API key file");
    REQUIRE_FALSE(r.is_ok());
    CHECK(r.error() == "API key file " + path + " is empty");
  }
}

}  // namespace
}  // namespace sigma::auth
