// Status and Result<T>: the value types every fallible call returns.
//
// Owns: error representation only. No I/O, no allocation beyond the message.
// Threading: plain values, safe to move between threads.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace sigma {

// A success, or a failure with a message that begins with its context
// ("/proc/meminfo: No such file or directory").
class [[nodiscard]] Status final {
 public:
  Status() = default;  // ok
  static Status ok() { return Status(); }
  static Status error(std::string message) { return Status(std::move(message), true); }
  // Builds "context: strerror(errnum)".
  static Status from_errno(const std::string& context, int errnum);

  bool is_ok() const { return !failed_; }
  explicit operator bool() const { return !failed_; }
  const std::string& message() const { return message_; }

 private:
  Status(std::string message, bool failed) : message_(std::move(message)), failed_(failed) {}
  std::string message_;
  bool failed_ = false;
};

// Either a T or a failed Status.
template <typename T>
class [[nodiscard]] Result final {
 public:
  Result(T value) : state_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : state_(std::move(status)) {}  // REQUIRES: !status.is_ok()

  bool is_ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return is_ok(); }

  // REQUIRES: is_ok()
  const T& value() const& { return std::get<T>(state_); }
  T& value() & { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  // REQUIRES: !is_ok()
  const Status& status() const { return std::get<Status>(state_); }
  const std::string& error() const { return status().message(); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace sigma
