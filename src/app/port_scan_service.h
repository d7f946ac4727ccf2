// PortScanService: the periodic port scan of AGENT_PORT_SCAN (SPEC §1, §8).
//
// Owns: when passes run -- one at start, then one per AGENT_PORT_SCAN_INTERVAL
// on the loop's periodic timer -- and handing each pass to the executor so
// the loop thread never reads /proc itself. A tick that finds the previous
// pass still running is skipped (never two passes at once, never a queue).
// Logs the first pass and every change in what limited a pass (its notes).
// Must not: scan on the loop thread, or keep the daemon from stopping for
// longer than the pass in flight.
// Threading: start/begin_shutdown and the timer run on the loop thread; the
// pass runs on an executor thread and is published by the scanner's lock.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/executor.h"
#include "daemon/lifecycle.h"
#include "host/port_scanner.h"
#include "net/event_loop.h"

namespace sigma::app {

class PortScanService final : public daemon::Service {
 public:
  // REQUIRES: loop, executor and scanner outlive the service; interval_ms >= 1.
  PortScanService(net::EventLoop& loop, Executor& executor, host::PortScanner& scanner, int64_t interval_ms);

  std::string name() const override { return "port scan"; }
  [[nodiscard]] Status start() override;
  void begin_shutdown(std::function<void()> done) override;

 private:
  void run_pass();
  void finished(host::PortScanSnapshot snapshot);

  net::EventLoop& loop_;
  Executor& executor_;
  host::PortScanner& scanner_;
  const int64_t interval_ms_;
  net::TimerId timer_ = 0;
  bool running_ = false;
  bool stopping_ = false;
  uint64_t passes_ = 0;
  std::vector<std::string> last_notes_;
  std::function<void()> on_drained_;
};

}  // namespace sigma::app
