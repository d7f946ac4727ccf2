// SecretSource for both secret settings: inline and file sources, the
// warnings every secret gets whatever its source, reload that keeps the old
// secret on failure, and snapshots that survive a reload on another thread.
#include "auth/secret_source.h"

#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

#include "../base/captured_log.h"

namespace sigma::auth {
namespace {

class TempFile final {
 public:
  TempFile() {
    const char* base = getenv("TMPDIR");
    std::string pattern = std::string(base != nullptr ? base : "/tmp") + "/sigma-secret-XXXXXX";
    int fd = mkstemp(pattern.data());
    REQUIRE(fd >= 0);
    close(fd);
    path_ = pattern;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  void write(const std::string& content, mode_t mode = 0600) const {
    std::ofstream(path_, std::ios::trunc) << content;
    REQUIRE(chmod(path_.c_str(), mode) == 0);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

const std::string kLong = "0123456789abcdef0123456789abcdef";

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST_CASE("an inline secret is in force at once and gets the short-secret warning on load") {
  CapturedLog log;
  SecretSource token(kMcpTokenSetting, std::string("abcde"), std::nullopt);
  CHECK(token.is_configured());
  CHECK_FALSE(token.has_file());
  REQUIRE(token.current());
  CHECK(*token.current() == "abcde");
  REQUIRE(token.load());
  const std::string out = log.drain();
  CHECK(contains(out, "level=warn"));
  CHECK(contains(out, "AGENT_MCP_TOKEN is only 5 bytes"));
  CHECK_FALSE(contains(out, "abcde"));

  SecretSource long_token(kMcpTokenSetting, kLong, std::nullopt);
  REQUIRE(long_token.load());
  CHECK(log.drain().empty());
}

TEST_CASE("a short secret from a file is warned about, for the token and for the API key") {
  for (const SecretSetting& setting : {kMcpTokenSetting, kApiKeySetting}) {
    SUBCASE(std::string(setting.name).c_str()) {
      CapturedLog log;
      TempFile file;
      file.write("short\n");
      SecretSource source(setting, std::nullopt, file.path());
      CHECK(source.is_configured());
      CHECK(source.has_file());
      CHECK_FALSE(source.current());  // nothing in force before load()
      REQUIRE(source.load());
      REQUIRE(source.current());
      CHECK(*source.current() == "short");
      const std::string out = log.drain();
      CHECK(contains(out, std::string(setting.file_name) + " holds a " + std::string(setting.label) + " of only 5"));
      CHECK(contains(out, file.path()));
      CHECK_FALSE(contains(out, "short\\n"));
      CHECK_FALSE(contains(out, "=short"));
    }
  }
}

TEST_CASE("group- and world-readable files are warned about; 0600 and 0400 are not") {
  struct Case {
    mode_t mode;
    const char* warning;
  };
  const Case cases[] = {{0644, "world-readable"}, {0640, "group-readable"}, {0600, nullptr}, {0400, nullptr}};
  for (const Case& c : cases) {
    SUBCASE(std::to_string(c.mode).c_str()) {
      CapturedLog log;
      TempFile file;
      file.write(kLong + "\n", c.mode);
      SecretSource key(kApiKeySetting, std::nullopt, file.path());
      REQUIRE(key.load());
      const std::string out = log.drain();
      if (c.warning != nullptr) {
        CHECK(contains(out, std::string("API key file is ") + c.warning));
        CHECK(contains(out, "setting=SIGMA_API_KEY_FILE"));
      } else {
        CHECK(out.empty());
      }
      CHECK_FALSE(contains(out, kLong));
    }
  }
}

TEST_CASE("load fails naming the file, never the content, and leaves nothing in force") {
  TempFile file;
  file.write("\n");
  SecretSource key(kApiKeySetting, std::nullopt, file.path());
  Status s = key.load();
  REQUIRE_FALSE(s);
  CHECK(contains(s.message(), "API key file " + file.path()));
  CHECK(contains(s.message(), "empty"));
  CHECK_FALSE(key.current());
}

TEST_CASE("reload rotates the secret and keeps the previous one when the file goes bad") {
  CapturedLog log;
  TempFile file;
  file.write(kLong + "-first\n");
  SecretSource token(kMcpTokenSetting, std::nullopt, file.path());
  REQUIRE(token.load());
  std::shared_ptr<const std::string> held = token.current();

  file.write(kLong + "-second\n");
  token.reload();
  CHECK(*token.current() == kLong + "-second");
  CHECK(*held == kLong + "-first");  // a snapshot outlives the swap
  CHECK(contains(log.drain(), "token reloaded"));

  file.write("");
  token.reload();
  CHECK(*token.current() == kLong + "-second");
  const std::string out = log.drain();
  CHECK(contains(out, "level=error"));
  CHECK(contains(out, "keeping the previous token"));
  CHECK_FALSE(contains(out, "-second"));
}

TEST_CASE("a file token no client could send is refused like an inline one, and a reload keeps the old") {
  const char* unsendable[] = {"pass word-0123456789abcdef", "tok@en-0123456789abcdef", "t\xc3\xa9st-0123456789abcdef",
                              "=leading-equals-0123456789"};
  for (const char* bad : unsendable) {
    SUBCASE(bad) {
      CapturedLog log;
      TempFile file;
      file.write(std::string(bad) + "\n");
      SecretSource token(kMcpTokenSetting, std::nullopt, file.path());
      Status s = token.load();
      REQUIRE_FALSE(s);
      CHECK(contains(s.message(), "token file " + file.path() + " does not hold a non-empty bearer token"));
      CHECK_FALSE(contains(s.message(), bad));
      CHECK_FALSE(token.current());

      file.write(kLong + "\n");
      REQUIRE(token.load());
      file.write(std::string(bad) + "\n");
      token.reload();
      CHECK(*token.current() == kLong);
      const std::string out = log.drain();
      CHECK(contains(out, "keeping the previous token"));
      CHECK_FALSE(contains(out, bad));
    }
  }
  // The API key's rule is the header field's: inner spaces are fine there.
  TempFile key_file;
  key_file.write("key with inner spaces 0123456789\n");
  SecretSource key(kApiKeySetting, std::nullopt, key_file.path());
  CHECK(key.load());
  CHECK(is_header_value_secret("a b"));
  CHECK_FALSE(is_header_value_secret(" a"));
  CHECK_FALSE(is_header_value_secret("a\tb"));
  CHECK_FALSE(is_header_value_secret(""));
}

TEST_CASE("readers on other threads always see a whole secret during reloads") {
  CapturedLog log;
  TempFile file;
  const std::string a = kLong + "-aaaa", b = kLong + "-bbbb";
  file.write(a);
  SecretSource token(kMcpTokenSetting, std::nullopt, file.path());
  REQUIRE(token.load());
  std::atomic<bool> stop{false};
  std::atomic<int> torn{0};
  std::thread reader([&] {
    while (!stop.load()) {
      std::shared_ptr<const std::string> s = token.current();
      if (!s || (*s != a && *s != b)) {
        torn.fetch_add(1);
      }
    }
  });
  for (int i = 0; i < 200; ++i) {
    file.write(i % 2 == 0 ? b : a);
    token.reload();
  }
  stop.store(true);
  reader.join();
  CHECK(torn.load() == 0);
  log.drain();
}

}  // namespace
}  // namespace sigma::auth
