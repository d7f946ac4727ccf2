// A host seam for unit tests: every operation fails with "not in the fake"
// until a test's subclass answers the ones it cares about, so a tool that
// reaches for something the test did not set up fails loudly, not quietly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/ops.h"

namespace sigma::test {

class FakeHostOps : public host::HostOps {
 public:
  Result<std::string> read_proc(std::string_view relative_path) const override { return missing(relative_path); }
  std::string proc_path(std::string_view relative_path) const override {
    return "fake:/" + std::string(relative_path);
  }
  Result<host::DiskUsage> disk_usage(const std::string& path) const override { return missing(path); }
  Result<bool> is_port_free(uint16_t port, host::Protocol) const override {
    return missing("bind test of port " + std::to_string(port));
  }
  Result<std::string> executable_path() const override { return missing("executable path"); }
  Result<std::optional<std::string>> dpkg_package_of(const std::string& path) const override {
    return missing(path);
  }
  Status read_proc_chunks(std::string_view relative_path, size_t, const host::ProcFs::ChunkSink&) const override {
    return missing(relative_path);
  }
  Result<std::vector<int>> list_pids() const override { return missing("process list"); }
  Result<std::vector<uint64_t>> socket_inodes(int pid) const override {
    return missing("/proc/" + std::to_string(pid) + "/fd");
  }
  Result<std::vector<host::InterfaceAddress>> interface_addresses() const override {
    return missing("interface addresses");
  }
  Result<host::SockDiagDump> sock_diag_dump(const host::SockDiagQuery&) const override {
    return missing("sock_diag dump");
  }

 protected:
  Status missing(std::string_view what) const { return Status::error(proc_path(what) + ": not in the fake"); }
};

// Passes every operation to another seam (usually the real one), so a test
// can change or count just one of them.
class ForwardingHostOps : public host::HostOps {
 public:
  explicit ForwardingHostOps(const host::HostOps& next) : next_(next) {}
  Result<std::string> read_proc(std::string_view p) const override { return next_.read_proc(p); }
  std::string proc_path(std::string_view p) const override { return next_.proc_path(p); }
  Result<host::DiskUsage> disk_usage(const std::string& p) const override { return next_.disk_usage(p); }
  Result<bool> is_port_free(uint16_t port, host::Protocol protocol) const override {
    return next_.is_port_free(port, protocol);
  }
  Result<std::string> executable_path() const override { return next_.executable_path(); }
  Result<std::optional<std::string>> dpkg_package_of(const std::string& path) const override {
    return next_.dpkg_package_of(path);
  }
  Status read_proc_chunks(std::string_view p, size_t n, const host::ProcFs::ChunkSink& sink) const override {
    return next_.read_proc_chunks(p, n, sink);
  }
  Result<std::vector<int>> list_pids() const override { return next_.list_pids(); }
  Result<std::vector<uint64_t>> socket_inodes(int pid) const override { return next_.socket_inodes(pid); }
  Result<std::vector<host::InterfaceAddress>> interface_addresses() const override {
    return next_.interface_addresses();
  }
  Result<host::SockDiagDump> sock_diag_dump(const host::SockDiagQuery& q) const override {
    return next_.sock_diag_dump(q);
  }

 private:
  const host::HostOps& next_;
};

}  // namespace sigma::test
