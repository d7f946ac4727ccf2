// Integration-test harness: starts the real sigma-agent binary and talks raw
// HTTP to it over loopback sockets.
//
// The binary comes from $SIGMA_AGENT_BIN (set by tests/run_checks.sh), else
// build/sigma-agent. Every daemon is started on 127.0.0.1 port 0 unless a test
// says otherwise; the harness learns the real ports from the daemon's
// "listening" log lines.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sigma::test {

std::string agent_binary();
// The binary has no program interpreter: it runs on a host with no libc.
bool agent_binary_is_static();

struct DaemonOptions {
  std::vector<std::string> args;              // flags after the binary
  std::map<std::string, std::string> env;     // added to a minimal environment
  bool wait_for_mcp = true;                   // wait for "mcp listening"
  bool wait_for_metrics = false;              // wait for "metrics listening"
  bool default_ports = true;                  // add --mcp-bind 127.0.0.1:0 --metrics-port 0 unless given
  // When set (root only): the binary runs chrooted there as /sigma-agent,
  // which the test has copied in, with only `env` as its environment (no
  // PATH, no sanitizer settings) and no --config: a host with nothing but
  // the static binary.
  std::string chroot_dir;
  // When non-zero: the child's RLIMIT_NOFILE (soft and hard) before exec.
  unsigned nofile_limit = 0;
};

class Daemon {
 public:
  explicit Daemon(DaemonOptions options);
  ~Daemon();  // SIGKILL if still running
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  bool started() const { return started_; }
  pid_t pid() const { return pid_; }
  uint16_t mcp_port() const { return mcp_port_; }
  uint16_t metrics_port() const { return metrics_port_; }
  // Everything the daemon wrote to stderr so far (reads what is pending).
  const std::string& log();
  // Waits up to timeout_ms for `needle` to appear in the log.
  bool wait_for_log(const std::string& needle, int timeout_ms = 5000);
  // Sends `signo`; returns the exit status after waiting up to timeout_ms, or nullopt.
  std::optional<int> stop(int signo, int timeout_ms = 5000);
  void signal(int signo);
  bool running();

 private:
  void pump(int timeout_ms);
  pid_t pid_ = -1;
  int stderr_fd_ = -1;
  bool started_ = false;
  bool reaped_ = false;
  uint16_t mcp_port_ = 0;
  uint16_t metrics_port_ = 0;
  std::string log_;
};

// Runs the binary to completion (for --help, --check-config, bad config).
struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
// `input` is fed to the daemon's stdin (then EOF).
RunResult run_agent(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {},
                    int timeout_ms = 10000, const std::string& input = "");

struct HttpResponse {
  int status = 0;  // 0: no response (connection closed or timed out)
  std::string reason;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::optional<std::string> header(const std::string& name) const;  // case-insensitive
};

// A client connection to 127.0.0.1:port.
class Connection {
 public:
  explicit Connection(uint16_t port);
  // A connection to `ipv4` (dotted quad, an address of this machine), port.
  Connection(const std::string& ipv4, uint16_t port);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  bool is_open() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  bool send_all(const std::string& bytes);
  // Reads one response (Content-Length or close-delimited). status 0 on timeout/EOF.
  HttpResponse read_response(int timeout_ms = 5000);
  // True when the peer has closed (EOF or reset) within timeout_ms.
  bool wait_closed(int timeout_ms);
  void close();
  // Closes with a reset (SO_LINGER {1, 0}) instead of a FIN.
  void abort();

 private:
  bool fill(int timeout_ms);
  int fd_ = -1;
  std::string buffer_;
};

// One request on a fresh connection.
HttpResponse http_request(uint16_t port, const std::string& raw, int timeout_ms = 5000);
// The same to `ipv4`:port (a local non-loopback address).
HttpResponse http_request(const std::string& ipv4, uint16_t port, const std::string& raw, int timeout_ms = 5000);
// POST /mcp with a JSON body and the usual headers; `extra` lines end in \r\n.
HttpResponse mcp_post(uint16_t port, const std::string& json, const std::string& extra = "");
std::string mcp_request_bytes(const std::string& json, const std::string& extra = "", bool close = true);
// True when POST /mcp ping answers 200 with a result.
bool daemon_answers(uint16_t port, const std::string& extra = "");

// Scrapes GET /metrics and returns the value of the sample named exactly
// `series` (name and labels, e.g. `x_total{method="ping"}`); 0 when absent,
// nullopt when the scrape fails.
std::optional<uint64_t> metric_value(uint16_t metrics_port, const std::string& series);

// Count of entries in /proc/PID/fd.
int open_fd_count(pid_t pid);
// VmRSS of PID in kB.
long rss_kb(pid_t pid);

}  // namespace sigma::test

namespace sigma::test {
// A TCP port on 127.0.0.1 that was free a moment ago (bind :0, read, close).
uint16_t free_port();
// True when a TCP connect to 127.0.0.1:port is refused.
bool port_refuses(uint16_t port);
// Writes `content` to a fresh file under a private temp dir with `mode`; returns its path.
std::string write_temp_file(const std::string& name, const std::string& content, unsigned mode);
}  // namespace sigma::test
