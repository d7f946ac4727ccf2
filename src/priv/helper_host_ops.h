// The host seam of the network process when a privileged helper runs: the
// socket inodes of a process (the one read that needs CAP_DAC_READ_SEARCH +
// CAP_SYS_PTRACE for another user's process) are asked of the helper over
// the channel; every other operation is done here, unprivileged, exactly
// as LocalHostOps does it.
//
// Owns: the network process's end of the channel.
// Must not: retry or restart the helper. When the helper is gone (EOF,
// error, a reply that fails its check, or no reply within the timeout) the
// channel is closed once, an error is logged once, and socket_inodes says
// "cannot tell" from then on: attribution becomes unknown, the daemon
// keeps serving.
// Threading: any thread; requests are serialized on one mutex (one request
// in flight, so replies cannot be confused).
#pragma once

#include <mutex>

#include "base/unique_fd.h"
#include "host/ops.h"

namespace sigma::priv {

class HelperHostOps final : public host::HostOps {
 public:
  // `reply_timeout_ms`: how long one reply may take before the helper is
  // considered gone.
  HelperHostOps(std::string proc_root, UniqueFd channel, int reply_timeout_ms = 5000);

  Result<std::string> read_proc(std::string_view p) const override { return local_.read_proc(p); }
  std::string proc_path(std::string_view p) const override { return local_.proc_path(p); }
  Result<host::DiskUsage> disk_usage(const std::string& path) const override { return local_.disk_usage(path); }
  Result<bool> is_port_free(uint16_t port, host::Protocol protocol) const override {
    return local_.is_port_free(port, protocol);
  }
  Result<std::string> executable_path() const override { return local_.executable_path(); }
  Result<std::optional<std::string>> dpkg_package_of(const std::string& path) const override {
    return local_.dpkg_package_of(path);
  }
  Status read_proc_chunks(std::string_view p, size_t chunk_bytes, const host::ProcFs::ChunkSink& sink) const override {
    return local_.read_proc_chunks(p, chunk_bytes, sink);
  }
  Result<std::vector<int>> list_pids() const override { return local_.list_pids(); }
  Result<std::vector<uint64_t>> socket_inodes(int pid) const override;
  // Neither needs a privilege: the addresses come from getifaddrs, and a
  // sock_diag dump reports every socket's uid and inode to anyone.
  Result<std::vector<host::InterfaceAddress>> interface_addresses() const override {
    return local_.interface_addresses();
  }
  Result<host::SockDiagDump> sock_diag_dump(const host::SockDiagQuery& query) const override {
    return local_.sock_diag_dump(query);
  }

 private:
  Status ask(int pid, std::vector<uint64_t>& out) const;  // mu_ held
  void give_up(const Status& why) const;                   // mu_ held

  host::LocalHostOps local_;
  mutable std::mutex mu_;
  mutable UniqueFd channel_;  // invalid once the helper is gone
};

}  // namespace sigma::priv
