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

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "host/interfaces.h"
#include "host/port_allocator.h"
#include "host/procfs.h"
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
  // The addresses of the interfaces that are up (host/interfaces.h).
  virtual Result<std::vector<InterfaceAddress>> interface_addresses() const = 0;
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
  Result<std::vector<InterfaceAddress>> interface_addresses() const override {
    return host::list_interface_addresses();
  }

 private:
  ProcFs proc_;
};

}  // namespace sigma::host
