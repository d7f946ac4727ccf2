// HostOps: the one seam between the tools and the host, as chrony's
// privops.h is for its privileged calls. Every procfs read, filesystem
// query and bind test a tool makes goes through it, so that a privileged
// helper can answer some of them later without any tool changing.
//
// Owns: the list of host operations the tools may ask for, and the
// in-process implementation (LocalHostOps) that does them directly.
// Must not: know about JSON, MCP or the configuration; hold state between
// calls beyond its procfs root.
// Threading: implementations are immutable after construction and every
// operation is safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "host/install.h"
#include "host/interfaces.h"
#include "host/port_allocator.h"
#include "host/procfs.h"
#include "host/sock_diag.h"
#include "host/sock_diag_io.h"
#include "host/system_info.h"

namespace sigma::host {

class HostOps {
 public:
  virtual ~HostOps() = default;

  // The whole file "<proc root>/<relative_path>", bounded (ProcFs::read).
  virtual Result<std::string> read_proc(std::string_view relative_path) const = 0;
  // "<proc root>/<relative_path>", for messages and notes.
  virtual std::string proc_path(std::string_view relative_path) const = 0;
  // statvfs of `path` (host::disk_usage).
  virtual Result<DiskUsage> disk_usage(const std::string& path) const = 0;
  // The bind test of host::is_port_free.
  virtual Result<bool> is_port_free(uint16_t port, Protocol protocol) const = 0;

  // How this binary was installed (host/install.h). A failure makes
  // agent_check_update report the install method as unknown rather than
  // guess.
  // The running executable's path (the agent's own /proc/self/exe, never
  // AGENT_HOST_PROC's: the question is about this process).
  virtual Result<std::string> executable_path() const = 0;
  // The dpkg package whose file list names `path`, nullopt when none does.
  virtual Result<std::optional<std::string>> dpkg_package_of(const std::string& path) const = 0;
  // "<proc root>/<relative_path>" streamed in pieces (ProcFs::read_chunks):
  // the socket tables, which grow with the host's connections.
  virtual Status read_proc_chunks(std::string_view relative_path, size_t chunk_bytes,
                                  const ProcFs::ChunkSink& sink) const = 0;
  // The process ids under the procfs root (ProcFs::list_pids).
  virtual Result<std::vector<int>> list_pids() const = 0;
  // The socket inodes process `pid` holds (ProcFs::socket_inodes). This is
  // the read that needs privileges for other users' processes; a failure
  // means "cannot tell", never an error of the caller.
  virtual Result<std::vector<uint64_t>> socket_inodes(int pid) const = 0;
  // The addresses of the interfaces that are up (host/interfaces.h).
  virtual Result<std::vector<InterfaceAddress>> interface_addresses() const = 0;
  // One NETLINK_SOCK_DIAG dump of the sockets `query` selects, in the
  // agent's network namespace (host/sock_diag_io.h). Needs no privileges.
  virtual Result<SockDiagDump> sock_diag_dump(const SockDiagQuery& query) const = 0;
};

// Does every operation in this process, with its own privileges.
class LocalHostOps final : public HostOps {
 public:
  // `proc_root`: "/proc", AGENT_HOST_PROC, or a fixture tree in tests.
  explicit LocalHostOps(std::string proc_root) : proc_(std::move(proc_root)) {}

  Result<std::string> read_proc(std::string_view relative_path) const override { return proc_.read(relative_path); }
  std::string proc_path(std::string_view relative_path) const override { return proc_.path(relative_path); }
  Result<DiskUsage> disk_usage(const std::string& path) const override { return host::disk_usage(path); }
  Result<bool> is_port_free(uint16_t port, Protocol protocol) const override {
    return host::is_port_free(port, protocol);
  }
  Result<std::string> executable_path() const override { return read_executable_path(); }
  Result<std::optional<std::string>> dpkg_package_of(const std::string& path) const override {
    return find_dpkg_package(std::string(kDpkgInfoDir), path);
  }
  Status read_proc_chunks(std::string_view relative_path, size_t chunk_bytes,
                          const ProcFs::ChunkSink& sink) const override {
    return proc_.read_chunks(relative_path, chunk_bytes, sink);
  }
  Result<std::vector<int>> list_pids() const override { return proc_.list_pids(); }
  Result<std::vector<uint64_t>> socket_inodes(int pid) const override { return proc_.socket_inodes(pid); }
  Result<std::vector<InterfaceAddress>> interface_addresses() const override {
    return host::list_interface_addresses();
  }
  Result<SockDiagDump> sock_diag_dump(const SockDiagQuery& query) const override {
    return host::sock_diag_dump(query);
  }

 private:
  ProcFs proc_;
};

}  // namespace sigma::host
