// Privilege separation with the real binary, started as root: the network
// process runs as another uid with no capability, the helper keeps exactly
// CAP_DAC_READ_SEARCH (bit 2) + CAP_SYS_PTRACE (bit 19), and attribution
// still names a listener of root (this test process), which the network
// process alone could not read. Skipped, with the reason printed, when the
// suite does not run as root.
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <thread>

#include <doctest/doctest.h>

#include "harness.h"

using namespace sigma::test;

namespace {

constexpr const char* kUser = "nobody";

bool can_test(const char* what) {
  if (geteuid() != 0) {
    MESSAGE("skipped (" << what << "): privilege separation needs the suite to run as root");
    return false;
  }
  std::ifstream passwd("/etc/passwd");
  std::string line;
  while (std::getline(passwd, line)) {
    if (line.rfind(std::string(kUser) + ":", 0) == 0) {
      return true;
    }
  }
  MESSAGE("skipped (" << what << "): no user " << kUser << " on this system");
  return false;
}

// The named fields of /proc/PID/status ("Uid", "CapEff", ...), values as written.
std::map<std::string, std::string> status_of(pid_t pid) {
  std::map<std::string, std::string> fields;
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    size_t colon = line.find(':');
    if (colon == std::string::npos) {
      continue;
    }
    size_t v = line.find_first_not_of(" \t", colon + 1);
    fields[line.substr(0, colon)] = v == std::string::npos ? "" : line.substr(v);
  }
  return fields;
}

// The child of `parent` named sigma-agent-prv, or -1.
pid_t helper_of(pid_t parent) {
  DIR* d = opendir("/proc");
  pid_t found = -1;
  while (dirent* e = d ? readdir(d) : nullptr) {
    pid_t pid = std::atoi(e->d_name);
    if (pid <= 0) {
      continue;
    }
    std::map<std::string, std::string> s = status_of(pid);
    if (s["PPid"] == std::to_string(parent) && s["Name"] == "sigma-agent-prv") {
      found = pid;
    }
  }
  if (d) {
    closedir(d);
  }
  return found;
}

// A TCP listener of this (root) process on a kernel-chosen port.
int listen_any(uint16_t& port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 4) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    return -1;
  }
  port = ntohs(a.sin_port);
  return fd;
}

std::string own_comm() {
  std::ifstream in("/proc/self/comm");
  std::string name;
  std::getline(in, name);
  return name;
}

DaemonOptions split_daemon(uint16_t port) {
  DaemonOptions o;
  o.args = {"--port-scan", "--port-scan-range=" + std::to_string(port) + "-" + std::to_string(port),
            "--port-scan-interval=1", "--hostname=privsep"};
  o.env["AGENT_USER"] = kUser;
  // LeakSanitizer stops the world with ptrace, which a process that changed
  // its uid (not dumpable) refuses; the leak check runs in the rest of the suite.
  const char* asan = std::getenv("ASAN_OPTIONS");
  o.env["ASAN_OPTIONS"] = std::string(asan ? asan : "") + (asan ? ":" : "") + "detect_leaks=0";
  o.wait_for_metrics = true;
  return o;
}

const std::string kSeries = "{hostname=\"privsep\",source=\"unknown\"}";

}  // namespace

TEST_CASE("started as root the daemon drops to AGENT_USER and only the helper keeps two capabilities") {
  if (!can_test("split")) {
    return;
  }
  uint16_t port = 0;
  int fd = listen_any(port);
  REQUIRE(fd >= 0);
  Daemon d(split_daemon(port));
  REQUIRE(d.started());
  REQUIRE(d.wait_for_log("port scan finished its first pass"));
  CHECK(d.log().find("privileges dropped") != std::string::npos);

  std::map<std::string, std::string> net = status_of(d.pid());
  CHECK(net["Uid"].rfind("0\t", 0) != 0);
  CHECK(net["Uid"].find("\t0\t") == std::string::npos);
  CHECK(net["CapEff"] == "0000000000000000");
  CHECK(net["CapPrm"] == "0000000000000000");
  CHECK(net["CapAmb"] == "0000000000000000");
  CHECK(net["NoNewPrivs"] == "1");

  const pid_t helper = helper_of(d.pid());
  REQUIRE(helper > 0);
  std::map<std::string, std::string> h = status_of(helper);
  CHECK(h["Uid"] == net["Uid"]);
  CHECK(h["CapEff"] == "0000000000080004");  // bits 2 and 19
  CHECK(h["CapPrm"] == "0000000000080004");
  CHECK(h["CapInh"] == "0000000000000000");
  CHECK(h["CapBnd"] == "0000000000080004");
  CHECK(h["NoNewPrivs"] == "1");

  // This process is root: only the helper can map its listener to it.
  CHECK(metric_value(d.metrics_port(), "sigma_ports_used" + std::string("{hostname=\"privsep\",source=\"other\"}")) ==
        std::optional<uint64_t>(1));
  CHECK(metric_value(d.metrics_port(), "sigma_ports_used" + kSeries) == std::optional<uint64_t>(0));
  CHECK(metric_value(d.metrics_port(), "sigma_ports_other_detail{hostname=\"privsep\",process=\"" + own_comm() +
                                           "\"}") == std::optional<uint64_t>(1));
  ::close(fd);
}

TEST_CASE("killing the helper leaves the daemon serving with attribution unknown") {
  if (!can_test("helper death")) {
    return;
  }
  uint16_t port = 0;
  int fd = listen_any(port);
  REQUIRE(fd >= 0);
  Daemon d(split_daemon(port));
  REQUIRE(d.started());
  REQUIRE(d.wait_for_log("port scan finished its first pass"));
  const pid_t helper = helper_of(d.pid());
  REQUIRE(helper > 0);
  REQUIRE(::kill(helper, SIGKILL) == 0);
  CHECK(d.wait_for_log("privileged helper lost", 10000));
  bool unknown = false;
  for (int i = 0; i < 100 && !unknown; ++i) {
    unknown = metric_value(d.metrics_port(), "sigma_ports_used" + kSeries) == std::optional<uint64_t>(1);
    if (!unknown) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  CHECK(unknown);
  CHECK(d.running());
  CHECK(daemon_answers(d.mcp_port()));
  ::close(fd);
}

TEST_CASE("the helper exits when the daemon dies") {
  if (!can_test("daemon death")) {
    return;
  }
  uint16_t port = 0;
  int fd = listen_any(port);
  REQUIRE(fd >= 0);
  Daemon d(split_daemon(port));
  REQUIRE(d.started());
  // The helper has named itself once it answered the first pass.
  REQUIRE(d.wait_for_log("port scan finished its first pass"));
  const pid_t helper = helper_of(d.pid());
  REQUIRE(helper > 0);
  REQUIRE(d.stop(SIGKILL).has_value());
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    std::map<std::string, std::string> s = status_of(helper);
    gone = s.empty() || s["State"].rfind("Z", 0) == 0 || s["Name"] != "sigma-agent-prv";
    if (!gone) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  CHECK(gone);
  ::close(fd);
}

TEST_CASE("started as root with an AGENT_USER that does not exist the daemon exits 78 naming it") {
  if (geteuid() != 0) {
    MESSAGE("skipped (unknown user): the check applies only when started as root");
    return;
  }
  RunResult r = run_agent({"--mcp-bind=127.0.0.1:0", "--metrics-port=0"}, {{"AGENT_USER", "no-such-sigma-user"}});
  CHECK(r.exit_code == 78);
  CHECK(r.err.find("AGENT_USER") != std::string::npos);
  CHECK(r.err.find("no-such-sigma-user") != std::string::npos);
}
