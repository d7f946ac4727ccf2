#include "metrics/port_scan_metrics.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "host/port_scanner.h"

namespace sigma::metrics {
namespace {

size_t count_of(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

TEST_CASE("a snapshot renders the six families of SPEC 8, each series with the hostname label") {
  host::PortScanSnapshot s;
  s.total = 101;
  s.in_use = 11;
  s.available = 90;
  s.in_use_by_source = {2, 1, 1, 1, 2, 3, 1};
  s.other_detail = {{"python3", 3}};
  s.scan_duration_seconds = 0.25;
  const std::string expected =
      "# HELP sigma_port_scan_duration_seconds Wall time of the last port-scan pass, seconds.\n"
      "# TYPE sigma_port_scan_duration_seconds gauge\n"
      "sigma_port_scan_duration_seconds{hostname=\"node-1\"} 0.25\n"
      "# HELP sigma_ports_available Ports of AGENT_PORT_SCAN_RANGE that no listening TCP or bound UDP socket "
      "holds.\n"
      "# TYPE sigma_ports_available gauge\n"
      "sigma_ports_available{hostname=\"node-1\"} 90\n"
      "# HELP sigma_ports_in_use Ports of AGENT_PORT_SCAN_RANGE held by a listening TCP or bound UDP socket.\n"
      "# TYPE sigma_ports_in_use gauge\n"
      "sigma_ports_in_use{hostname=\"node-1\"} 11\n"
      "# HELP sigma_ports_other_detail In-use ports of source \"other\" by process name: the 20 busiest names, "
      "the rest summed under process=\"_other\".\n"
      "# TYPE sigma_ports_other_detail gauge\n"
      "sigma_ports_other_detail{hostname=\"node-1\",process=\"python3\"} 3\n"
      "sigma_ports_other_detail{hostname=\"node-1\",process=\"_other\"} 0\n"
      "# HELP sigma_ports_total Ports in AGENT_PORT_SCAN_RANGE.\n"
      "# TYPE sigma_ports_total gauge\n"
      "sigma_ports_total{hostname=\"node-1\"} 101\n"
      "# HELP sigma_ports_used In-use ports of AGENT_PORT_SCAN_RANGE by owning process.\n"
      "# TYPE sigma_ports_used gauge\n"
      "sigma_ports_used{hostname=\"node-1\",source=\"envoy\"} 2\n"
      "sigma_ports_used{hostname=\"node-1\",source=\"sshd\"} 1\n"
      "sigma_ports_used{hostname=\"node-1\",source=\"nginx\"} 1\n"
      "sigma_ports_used{hostname=\"node-1\",source=\"node_exporter\"} 1\n"
      "sigma_ports_used{hostname=\"node-1\",source=\"xray\"} 2\n"
      "sigma_ports_used{hostname=\"node-1\",source=\"other\"} 3\n"
      "sigma_ports_used{hostname=\"node-1\",source=\"unknown\"} 1\n";
  CHECK(render_port_scan(s, "node-1") == expected);
}

TEST_CASE("an empty snapshot still has all seven sources and the overflow series") {
  const std::string text = render_port_scan(host::PortScanSnapshot{}, "h");
  CHECK(count_of(text, "sigma_ports_used{") == 7);
  CHECK(count_of(text, "sigma_ports_other_detail{") == 1);
  CHECK(text.find("sigma_ports_other_detail{hostname=\"h\",process=\"_other\"} 0\n") != std::string::npos);
}

TEST_CASE("label values are escaped: quotes, backslashes and newlines in a hostname or a comm") {
  host::PortScanSnapshot s;
  s.other_detail = {{"a\"b\\c\nd", 1}};
  const std::string text = render_port_scan(s, "x\"y");
  CHECK(text.find("sigma_ports_total{hostname=\"x\\\"y\"} 0\n") != std::string::npos);
  CHECK(text.find("process=\"a\\\"b\\\\c\\nd\"} 1\n") != std::string::npos);
  // No raw newline inside a sample line: every line is a comment or name{...} value.
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    std::string line = text.substr(start, end - start);
    CHECK((line.rfind("# ", 0) == 0 || line.rfind("sigma_", 0) == 0));
    start = end + 1;
  }
}

TEST_CASE("the detail exports at most 21 series however many process names the host has") {
  std::vector<host::ProcessPorts> counts;
  for (int i = 0; i < 5000; ++i) {
    counts.push_back({"proc" + std::to_string(i), 1});
  }
  host::PortScanSnapshot s;
  host::bound_other_detail(std::move(counts), s);
  const std::string text = render_port_scan(s, "h");
  CHECK(count_of(text, "sigma_ports_other_detail{") == host::kMaxOtherDetailProcesses + 1);
  CHECK(text.find("process=\"_other\"} 4980\n") != std::string::npos);
}

}  // namespace
}  // namespace sigma::metrics
