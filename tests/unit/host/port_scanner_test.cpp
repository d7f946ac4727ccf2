#include "host/port_scanner.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "../fake_host_ops.h"

namespace sigma::host {
namespace {

constexpr const char* kSockets = "tests/fixtures/proc/sockets";

TEST_CASE("the classifier knows the five sources by comm, in any case, and calls the rest other") {
  struct Case {
    const char* comm;
    PortSource source;
  };
  const Case cases[] = {
      {"envoy", PortSource::kEnvoy},       {"Envoy", PortSource::kEnvoy},
      {"sshd", PortSource::kSshd},         {"sshd-session", PortSource::kSshd},
      {"sshd-auth", PortSource::kSshd},    {"nginx", PortSource::kNginx},
      {"node_exporter", PortSource::kNodeExporter}, {"xray", PortSource::kXray},
      {"Xray", PortSource::kXray},         {"python3", PortSource::kOther},
      {"envoyx", PortSource::kOther},      {"ssh", PortSource::kOther},
      {"", PortSource::kOther},            {"nginx: worker", PortSource::kOther},
  };
  for (const Case& c : cases) {
    CAPTURE(c.comm);
    CHECK(classify_process(c.comm) == c.source);
  }
}

TEST_CASE("a pass over the fixture host counts each port once and attributes it to its process") {
  LocalHostOps host(kSockets);
  PortScanner scanner(host, 10000, 10100);
  PortScanSnapshot s = scanner.scan();
  CHECK(s.total == 101);
  CHECK(s.in_use == 11);
  CHECK(s.available == 90);
  CHECK(s.used_by(PortSource::kEnvoy) == 2);  // 10080 (v4 and v6), 10043
  CHECK(s.used_by(PortSource::kSshd) == 1);
  CHECK(s.used_by(PortSource::kNginx) == 1);  // shared by master and worker: once
  CHECK(s.used_by(PortSource::kNodeExporter) == 1);
  CHECK(s.used_by(PortSource::kXray) == 2);
  CHECK(s.used_by(PortSource::kOther) == 3);    // python3: 10090 tcp, 10091 + 10096 udp
  CHECK(s.used_by(PortSource::kUnknown) == 1);  // 10099: no process holds inode 9999
  uint64_t sum = 0;
  for (uint64_t n : s.in_use_by_source) {
    sum += n;
  }
  CHECK(sum == s.in_use);
  REQUIRE(s.other_detail.size() == 1);
  CHECK(s.other_detail[0].process == "python3");
  CHECK(s.other_detail[0].ports == 3);
  CHECK(s.other_detail_overflow == 0);
  CHECK(s.notes.empty());
  CHECK(s.scan_duration_seconds >= 0);
}

TEST_CASE("a range with no socket in it needs no process walk and has every port available") {
  LocalHostOps host(kSockets);
  PortScanSnapshot s = PortScanner(host, 40000, 40009).scan();
  CHECK(s.total == 10);
  CHECK(s.in_use == 0);
  CHECK(s.available == 10);
}

// A host whose fd directories cannot be read (an agent without privileges):
// the ports are still counted, as unknown, and the pass says why.
class NoFdHost final : public test::ForwardingHostOps {
 public:
  using ForwardingHostOps::ForwardingHostOps;
  Result<std::vector<uint64_t>> socket_inodes(int pid) const override {
    ++fd_reads;
    return Status::error("/proc/" + std::to_string(pid) + "/fd: Permission denied");
  }
  mutable int fd_reads = 0;
};

TEST_CASE("without permission to read descriptors every port is unknown, never an error") {
  LocalHostOps real(kSockets);
  NoFdHost host(real);
  PortScanSnapshot s = PortScanner(host, 10000, 10100).scan();
  CHECK(s.in_use == 11);
  CHECK(s.used_by(PortSource::kUnknown) == 11);
  CHECK(host.fd_reads == 8);
  REQUIRE(s.notes.size() == 1);
  CHECK(s.notes[0].find("8 processes' descriptors could not be read") == 0);
}

TEST_CASE("a missing procfs gives a snapshot of an idle range with the reasons in its notes") {
  LocalHostOps host("tests/fixtures/proc/missing");
  PortScanSnapshot s = PortScanner(host, 10000, 10100).scan();
  CHECK(s.in_use == 0);
  CHECK(s.available == 101);
  // net/* missing is what a kernel without IPv6 looks like: no note for it.
  CHECK(s.notes.empty());
}

TEST_CASE("the other detail keeps the 20 busiest names and folds the rest into _other") {
  std::vector<ProcessPorts> counts;
  for (int i = 0; i < 25; ++i) {
    counts.push_back({"p" + std::to_string(100 + i), static_cast<uint64_t>(i + 1)});
  }
  counts.push_back({"_other", 1000});  // a process named like the overflow series
  PortScanSnapshot s;
  bound_other_detail(counts, s);
  REQUIRE(s.other_detail.size() == kMaxOtherDetailProcesses);
  CHECK(s.other_detail[0].process == "p124");
  CHECK(s.other_detail[0].ports == 25);
  CHECK(s.other_detail[19].process == "p105");
  // p100..p104 hold 1..5 ports; "_other" adds its 1000.
  CHECK(s.other_detail_overflow == 1 + 2 + 3 + 4 + 5 + 1000);
  for (const ProcessPorts& p : s.other_detail) {
    CHECK(p.process != "_other");
  }
}

TEST_CASE("ties in the detail are ordered by name so the series set is stable") {
  PortScanSnapshot s;
  bound_other_detail({{"b", 2}, {"a", 2}, {"c", 3}}, s);
  REQUIRE(s.other_detail.size() == 3);
  CHECK(s.other_detail[0].process == "c");
  CHECK(s.other_detail[1].process == "a");
  CHECK(s.other_detail[2].process == "b");
}

TEST_CASE("without a periodic service current() scans on demand and reuses a fresh snapshot") {
  LocalHostOps host(kSockets);
  PortScanner scanner(host, 10000, 10100);
  CHECK_FALSE(scanner.latest().has_value());
  std::optional<PortScanSnapshot> first = scanner.current(60000);
  REQUIRE(first.has_value());
  CHECK(first->in_use == 11);
  REQUIRE(scanner.latest().has_value());
}

TEST_CASE("with a periodic service current() reports nothing until a pass is published") {
  LocalHostOps host(kSockets);
  PortScanner scanner(host, 10000, 10100);
  scanner.set_periodic(true);
  CHECK_FALSE(scanner.current(60000).has_value());
  scanner.publish(scanner.scan());
  REQUIRE(scanner.current(60000).has_value());
  CHECK(scanner.current(60000)->in_use == 11);
}

}  // namespace
}  // namespace sigma::host
