#include "harness.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <elf.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace sigma::test {
namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool has_arg(const std::vector<std::string>& args, const std::string& prefix) {
  for (const auto& a : args) {
    if (a.rfind(prefix, 0) == 0) {
      return true;
    }
  }
  return false;
}

std::vector<std::string> base_environment(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> env;
  // Sanitizer settings must reach the daemon in check-asan; a test's own
  // value for one of them replaces the inherited one (a duplicate entry
  // would leave it to the reader which one wins).
  for (const char* keep : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "PATH"}) {
    if (extra.count(keep) != 0) {
      continue;
    }
    if (const char* v = std::getenv(keep)) {
      env.push_back(std::string(keep) + "=" + v);
    }
  }
  // The suite runs as root in CI; without a test's own AGENT_USER the daemon
  // keeps one process as before (privsep_test sets a real user).
  if (extra.count("AGENT_USER") == 0) {
    env.push_back("AGENT_USER=root");
  }
  for (const auto& [k, v] : extra) {
    env.push_back(k + "=" + v);
  }
  return env;
}

pid_t spawn(const std::vector<std::string>& args, const std::map<std::string, std::string>& env, int stdout_fd,
            int stderr_fd, int stdin_fd = -1, const std::string& chroot_dir = "", unsigned nofile_limit = 0) {
  std::vector<std::string> argv_s;
  argv_s.push_back(chroot_dir.empty() ? agent_binary() : "/sigma-agent");
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  // An empty root has no /etc/passwd: as in base_environment, keep one
  // process unless the test names a user (here as a flag: no environment).
  if (!chroot_dir.empty() && env.count("AGENT_USER") == 0) {
    argv_s.push_back("--user=root");
  }
  std::vector<std::string> env_s;
  if (chroot_dir.empty()) {
    env_s = base_environment(env);
  } else {
    for (const auto& [k, v] : env) {
      env_s.push_back(k + "=" + v);
    }
  }
  pid_t pid = fork();
  if (pid == 0) {
    int devnull = ::open("/dev/null", O_RDWR);
    dup2(stdin_fd >= 0 ? stdin_fd : devnull, 0);
    dup2(stdout_fd >= 0 ? stdout_fd : devnull, 1);
    dup2(stderr_fd, 2);
    if (!chroot_dir.empty() && (chroot(chroot_dir.c_str()) != 0 || chdir("/") != 0)) {
      _exit(126);
    }
    if (nofile_limit != 0) {
      rlimit limit{nofile_limit, nofile_limit};
      if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
        _exit(126);
      }
    }
    std::vector<char*> argv;
    for (auto& s : argv_s) {
      argv.push_back(s.data());
    }
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (auto& s : env_s) {
      envp.push_back(s.data());
    }
    envp.push_back(nullptr);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  return pid;
}

uint16_t port_after(const std::string& log, const std::string& marker) {
  size_t pos = log.find(marker);
  if (pos == std::string::npos) {
    return 0;
  }
  size_t addr = log.find("address=", pos);
  size_t eol = log.find('\n', pos);
  if (addr == std::string::npos || (eol != std::string::npos && addr > eol)) {
    return 0;
  }
  size_t colon = log.find_last_of(':', eol == std::string::npos ? std::string::npos : eol);
  if (colon == std::string::npos || colon < addr) {
    return 0;
  }
  return static_cast<uint16_t>(std::atoi(log.c_str() + colon + 1));
}

}  // namespace

std::string agent_binary() {
  const char* bin = std::getenv("SIGMA_AGENT_BIN");
  return bin != nullptr ? bin : "build/sigma-agent";
}

bool agent_binary_is_static() {
  std::ifstream in(agent_binary(), std::ios::binary);
  Elf64_Ehdr header{};
  if (!in.read(reinterpret_cast<char*>(&header), sizeof header) || header.e_ident[EI_CLASS] != ELFCLASS64 ||
      header.e_phentsize != sizeof(Elf64_Phdr)) {
    return false;
  }
  for (int i = 0; i < header.e_phnum; ++i) {
    Elf64_Phdr ph{};
    in.seekg(static_cast<std::streamoff>(header.e_phoff + static_cast<uint64_t>(i) * sizeof ph));
    if (!in.read(reinterpret_cast<char*>(&ph), sizeof ph)) {
      return false;
    }
    if (ph.p_type == PT_INTERP) {
      return false;
    }
  }
  return true;
}

Daemon::Daemon(DaemonOptions options) {
  std::vector<std::string> args = options.args;
  if (options.default_ports) {
    if (!has_arg(args, "--mcp-bind")) {
      args.push_back("--mcp-bind=127.0.0.1:0");
    }
    if (!has_arg(args, "--metrics-port")) {
      // Port 0 disables the metrics listener (SPEC §3), so a test that wants
      // it gets a port that was free a moment ago.
      args.push_back("--metrics-port=" + std::to_string(options.wait_for_metrics ? free_port() : 0));
    }
    if (!has_arg(args, "--metrics-bind")) {
      args.push_back("--metrics-bind=127.0.0.1");
    }
  }
  if (!has_arg(args, "--config") && options.chroot_dir.empty()) {
    args.push_back("--config=/dev/null");
  }
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return;
  }
  pid_ = spawn(args, options.env, -1, pipe_fds[1], -1, options.chroot_dir, options.nofile_limit);
  ::close(pipe_fds[1]);
  stderr_fd_ = pipe_fds[0];
  fcntl(stderr_fd_, F_SETFL, O_NONBLOCK);
  bool ok = true;
  if (options.wait_for_mcp) {
    ok = wait_for_log("msg=\"mcp listening\"", 10000);
    mcp_port_ = port_after(log_, "msg=\"mcp listening\"");
  }
  if (ok && options.wait_for_metrics) {
    ok = wait_for_log("msg=\"metrics listening\"", 10000);
    metrics_port_ = port_after(log_, "msg=\"metrics listening\"");
  }
  started_ = ok;
}

Daemon::~Daemon() {
  if (pid_ > 0 && !reaped_) {
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  if (stderr_fd_ >= 0) {
    ::close(stderr_fd_);
  }
}

void Daemon::pump(int timeout_ms) {
  if (stderr_fd_ < 0) {
    return;
  }
  pollfd p{stderr_fd_, POLLIN, 0};
  if (poll(&p, 1, timeout_ms) <= 0) {
    return;
  }
  char buf[4096];
  while (true) {
    ssize_t n = ::read(stderr_fd_, buf, sizeof buf);
    if (n <= 0) {
      return;
    }
    log_.append(buf, static_cast<size_t>(n));
  }
}

const std::string& Daemon::log() {
  pump(0);
  return log_;
}

bool Daemon::wait_for_log(const std::string& needle, int timeout_ms) {
  int64_t deadline = now_ms() + timeout_ms;
  while (log_.find(needle) == std::string::npos) {
    int64_t left = deadline - now_ms();
    if (left <= 0) {
      return false;
    }
    pump(static_cast<int>(left < 50 ? left : 50));
  }
  return true;
}

void Daemon::signal(int signo) {
  if (pid_ > 0 && !reaped_) {
    kill(pid_, signo);
  }
}

bool Daemon::running() {
  if (pid_ <= 0 || reaped_) {
    return false;
  }
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    reaped_ = true;
    return false;
  }
  return true;
}

std::optional<int> Daemon::stop(int signo, int timeout_ms) {
  if (pid_ <= 0 || reaped_) {
    return std::nullopt;
  }
  kill(pid_, signo);
  int64_t deadline = now_ms() + timeout_ms;
  while (now_ms() < deadline) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      pump(0);
      if (WIFEXITED(status)) {
        return WEXITSTATUS(status);
      }
      return 128 + WTERMSIG(status);
    }
    pump(20);
  }
  return std::nullopt;
}

RunResult run_agent(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                    int timeout_ms, const std::string& input) {
  RunResult result;
  int out_pipe[2];
  int err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) {
    return result;
  }
  int stdin_fd = -1;
  if (!input.empty()) {
    std::string path = write_temp_file("stdin-" + std::to_string(getpid()), input, 0600);
    stdin_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  }
  pid_t pid = spawn(args, env, out_pipe[1], err_pipe[1], stdin_fd);
  if (stdin_fd >= 0) {
    ::close(stdin_fd);
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  int64_t deadline = now_ms() + timeout_ms;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_count = 2;
  while (open_count > 0 && now_ms() < deadline) {
    if (poll(fds, 2, 100) <= 0) {
      continue;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP)) != 0) {
        char buf[4096];
        ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
        if (n <= 0) {
          ::close(fds[i].fd);
          fds[i].fd = -1;
          --open_count;
        } else {
          (i == 0 ? result.out : result.err).append(buf, static_cast<size_t>(n));
        }
      }
    }
  }
  for (auto& f : fds) {
    if (f.fd >= 0) {
      ::close(f.fd);
    }
  }
  int status = 0;
  if (open_count > 0) {
    kill(pid, SIGKILL);
  }
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

std::optional<std::string> HttpResponse::header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (strcasecmp(k.c_str(), name.c_str()) == 0) {
      return v;
    }
  }
  return std::nullopt;
}

Connection::Connection(uint16_t port) : Connection("127.0.0.1", port) {}

Connection::Connection(const std::string& ipv4, uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (fd_ < 0 || inet_pton(AF_INET, ipv4.c_str(), &addr.sin_addr) != 1) {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    fd_ = -1;
    return;
  }
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd_);
    fd_ = -1;
    return;
  }
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

Connection::~Connection() { close(); }

void Connection::close() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

void Connection::abort() {
  if (fd_ >= 0) {
    // SO_LINGER {on, 0 s}: close(2) discards unsent data and sends RST.
    linger lin{1, 0};
    setsockopt(fd_, SOL_SOCKET, SO_LINGER, &lin, sizeof lin);
    ::close(fd_);
    fd_ = -1;
  }
}

bool Connection::send_all(const std::string& bytes) {
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n <= 0) {
      return false;
    }
    off += static_cast<size_t>(n);
  }
  return true;
}

bool Connection::fill(int timeout_ms) {
  pollfd p{fd_, POLLIN, 0};
  if (poll(&p, 1, timeout_ms) <= 0) {
    return false;
  }
  char buf[16384];
  ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
  if (n <= 0) {
    return false;
  }
  buffer_.append(buf, static_cast<size_t>(n));
  return true;
}

HttpResponse Connection::read_response(int timeout_ms) {
  HttpResponse r;
  if (fd_ < 0) {
    return r;
  }
  int64_t deadline = now_ms() + timeout_ms;
  size_t head_end;
  while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    int64_t left = deadline - now_ms();
    if (left <= 0 || !fill(static_cast<int>(left))) {
      return r;
    }
  }
  std::string head = buffer_.substr(0, head_end);
  std::istringstream lines(head);
  std::string line;
  std::getline(lines, line);
  if (line.size() < 12 || line.compare(0, 5, "HTTP/") != 0) {
    return r;
  }
  int status = std::atoi(line.c_str() + 9);
  r.reason = line.size() > 13 ? line.substr(13) : "";
  if (!r.reason.empty() && r.reason.back() == '\r') {
    r.reason.pop_back();
  }
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    size_t colon = line.find(':');
    if (colon == std::string::npos) {
      continue;
    }
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') {
      value.erase(0, 1);
    }
    r.headers.emplace_back(line.substr(0, colon), value);
  }
  buffer_.erase(0, head_end + 4);
  if (status == 100) {
    // Interim response: the caller reads again for the final one.
    r.status = 100;
    return r;
  }
  auto cl = r.header("Content-Length");
  if (cl) {
    size_t len = static_cast<size_t>(std::strtoull(cl->c_str(), nullptr, 10));
    while (buffer_.size() < len) {
      int64_t left = deadline - now_ms();
      if (left <= 0 || !fill(static_cast<int>(left))) {
        return r;
      }
    }
    r.body = buffer_.substr(0, len);
    buffer_.erase(0, len);
  } else if (status != 204 && status != 304) {
    while (true) {
      int64_t left = deadline - now_ms();
      if (left <= 0 || !fill(static_cast<int>(left))) {
        break;
      }
    }
    r.body = buffer_;
    buffer_.clear();
  }
  r.status = status;
  return r;
}

bool Connection::wait_closed(int timeout_ms) {
  int64_t deadline = now_ms() + timeout_ms;
  while (now_ms() < deadline) {
    pollfd p{fd_, POLLIN, 0};
    int left = static_cast<int>(deadline - now_ms());
    if (poll(&p, 1, left > 0 ? left : 0) <= 0) {
      continue;
    }
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      return true;
    }
    buffer_.append(buf, static_cast<size_t>(n));
  }
  return false;
}

HttpResponse http_request(uint16_t port, const std::string& raw, int timeout_ms) {
  return http_request("127.0.0.1", port, raw, timeout_ms);
}

HttpResponse http_request(const std::string& ipv4, uint16_t port, const std::string& raw, int timeout_ms) {
  Connection c(ipv4, port);
  if (!c.is_open() || !c.send_all(raw)) {
    return {};
  }
  return c.read_response(timeout_ms);
}

std::string mcp_request_bytes(const std::string& json, const std::string& extra, bool close) {
  std::string req = "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    "Accept: application/json, text/event-stream\r\n";
  req += extra;
  if (close) {
    req += "Connection: close\r\n";
  }
  req += "Content-Length: " + std::to_string(json.size()) + "\r\n\r\n" + json;
  return req;
}

HttpResponse mcp_post(uint16_t port, const std::string& json, const std::string& extra) {
  return http_request(port, mcp_request_bytes(json, extra));
}

bool daemon_answers(uint16_t port, const std::string& extra) {
  HttpResponse r = mcp_post(port, R"({"jsonrpc":"2.0","id":1,"method":"ping"})", extra);
  return r.status == 200 && r.body.find("\"result\"") != std::string::npos;
}

std::optional<uint64_t> metric_value(uint16_t metrics_port, const std::string& series) {
  HttpResponse r =
      http_request(metrics_port, "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  if (r.status != 200) {
    return std::nullopt;
  }
  std::istringstream lines(r.body);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 && line[series.size()] == ' ') {
      return static_cast<uint64_t>(std::strtoull(line.c_str() + series.size() + 1, nullptr, 10));
    }
  }
  return 0;  // counters at zero are not exposed
}

int open_fd_count(pid_t pid) {
  std::string path = "/proc/" + std::to_string(pid) + "/fd";
  DIR* d = opendir(path.c_str());
  if (d == nullptr) {
    return -1;
  }
  int count = 0;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] != '.') {
      ++count;
    }
  }
  closedir(d);
  return count;
}

long rss_kb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      return std::atol(line.c_str() + 6);
    }
  }
  return -1;
}

}  // namespace sigma::test

namespace sigma::test {

uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    return 0;
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool port_refuses(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  int err = errno;
  ::close(fd);
  return rc != 0 && err == ECONNREFUSED;
}

std::string write_temp_file(const std::string& name, const std::string& content, unsigned mode) {
  static std::string dir = [] {
    char tmpl[] = "/tmp/sigma-itest-XXXXXX";
    const char* made = mkdtemp(tmpl);
    return std::string(made != nullptr ? made : "/tmp");
  }();
  std::string path = dir + "/" + name;
  ::unlink(path.c_str());
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ssize_t n = ::write(fd, content.data(), content.size());
    (void)n;
    fchmod(fd, mode);
    ::close(fd);
  }
  return path;
}

}  // namespace sigma::test
