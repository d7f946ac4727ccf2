// Test helper: a systemd-style NOTIFY_SOCKET the test binds and reads.
#pragma once

#include <doctest/doctest.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <optional>
#include <string>

#include "base/unique_fd.h"

namespace sigma::test {

// A bound AF_UNIX datagram socket; NOTIFY_SOCKET points at it while alive.
class NotifyListener final {
 public:
  // `set_environment`: point this process's NOTIFY_SOCKET at it (unit
  // tests); a daemon test passes address() in the child's environment.
  explicit NotifyListener(bool abstract, bool set_environment = true) : set_environment_(set_environment) {
    fd_ = UniqueFd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    REQUIRE(fd_.is_valid());
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const std::string name = "sigma-notify-" + std::to_string(::getpid()) + (abstract ? "-abstract" : "");
    if (abstract) {
      address_ = "@" + name;
      std::memcpy(addr.sun_path + 1, name.data(), name.size());
    } else {
      address_ = "/tmp/" + name;
      ::unlink(address_.c_str());
      std::memcpy(addr.sun_path, address_.data(), address_.size());
    }
    const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address_.size());
    REQUIRE(::bind(fd_.get(), reinterpret_cast<sockaddr*>(&addr), length) == 0);
    if (set_environment_) {
      REQUIRE(setenv("NOTIFY_SOCKET", address_.c_str(), 1) == 0);
    }
    is_path_ = !abstract;
  }
  ~NotifyListener() {
    if (set_environment_) {
      unsetenv("NOTIFY_SOCKET");
    }
    if (is_path_) {
      ::unlink(address_.c_str());
    }
  }
  NotifyListener(const NotifyListener&) = delete;
  NotifyListener& operator=(const NotifyListener&) = delete;

  const std::string& address() const { return address_; }

  // The next datagram within `timeout_ms`, or nullopt.
  std::optional<std::string> receive(int timeout_ms = 1000) {
    pollfd p{fd_.get(), POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) != 1) {
      return std::nullopt;
    }
    char buf[512];
    ssize_t n = ::recv(fd_.get(), buf, sizeof buf, 0);
    if (n < 0) {
      return std::nullopt;
    }
    return std::string(buf, static_cast<size_t>(n));
  }

 private:
  UniqueFd fd_;
  std::string address_;
  bool is_path_ = false;
  bool set_environment_ = true;
};

}  // namespace sigma::test
