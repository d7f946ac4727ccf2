// The static binary on a host that has nothing else: chrooted into a
// directory holding only the binary, with an empty environment, so there is
// no /etc, no NSS module and no resolver configuration. Numeric binds and
// localhost must still work; a name must fail closed, with the reason.
#include <doctest/doctest.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "harness.h"

namespace {

// A directory holding a copy of the binary as /sigma-agent.
class BareRoot final {
 public:
  BareRoot() {
    std::string pattern = "/tmp/sigma-root-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      return;
    }
    path_ = pattern;
    std::ifstream in(sigma::test::agent_binary(), std::ios::binary);
    std::ofstream out(path_ + "/sigma-agent", std::ios::binary);
    out << in.rdbuf();
    out.close();
    ok_ = in.good() && out.good() && chmod((path_ + "/sigma-agent").c_str(), 0755) == 0;
  }
  ~BareRoot() {
    if (!path_.empty()) {
      nftw(path_.c_str(), [](const char* p, const struct stat*, int, FTW*) { return ::remove(p); }, 8,
           FTW_DEPTH | FTW_PHYS);
    }
  }
  BareRoot(const BareRoot&) = delete;
  BareRoot& operator=(const BareRoot&) = delete;

  bool ok() const { return ok_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  bool ok_ = false;
};

// Why this test cannot run here, or empty.
std::string skip_reason() {
  if (geteuid() != 0) {
    return "chroot needs root";
  }
  if (!sigma::test::agent_binary_is_static()) {
    return "the binary under test is dynamically linked (sanitizer build); it cannot run in an empty root";
  }
  return "";
}

}  // namespace

TEST_CASE("in an empty root with no environment, localhost and literals bind and serve") {
  const std::string why = skip_reason();
  if (!why.empty()) {
    MESSAGE("skipped: " << why);
    return;
  }
  BareRoot root;
  REQUIRE(root.ok());
  // daemon_answers dials 127.0.0.1, so [::1] is only checked for its start.
  for (const char* bind : {"localhost:0", "127.0.0.1:0", "[::1]:0"}) {
    SUBCASE(bind) {
      sigma::test::DaemonOptions o;
      o.chroot_dir = root.path();
      o.args = {std::string("--mcp-bind=") + bind, "--metrics-port=0"};
      sigma::test::Daemon d(o);
      REQUIRE_MESSAGE(d.started(), d.log());
      CHECK(d.log().find("is loopback") != std::string::npos);
      if (std::string(bind) != "[::1]:0") {
        CHECK(sigma::test::daemon_answers(d.mcp_port()));
      }
    }
  }
}

TEST_CASE("in an empty root a bind name that needs the resolver fails closed with the reason") {
  const std::string why = skip_reason();
  if (!why.empty()) {
    MESSAGE("skipped: " << why);
    return;
  }
  BareRoot root;
  REQUIRE(root.ok());
  sigma::test::DaemonOptions o;
  o.chroot_dir = root.path();
  o.args = {"--mcp-bind=agent.example:0", "--metrics-port=0"};
  o.wait_for_mcp = false;
  sigma::test::Daemon d(o);
  CHECK(d.wait_for_log("MCP not started: AGENT_MCP_BIND=agent.example:0 does not resolve", 5000));
  CHECK(d.log().find("agent.example cannot be resolved") != std::string::npos);
}
