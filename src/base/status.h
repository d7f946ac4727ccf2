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
// ("/proc/meminfo: No such file or directory") and a code that tells a caller
// whether trying the same thing again later may succeed.
class [[nodiscard]] Status final {
 public:
  enum class Code {
    kOk,
    kError,        // a failure that repeats if retried as is (bad input, refused, malformed)
    kUnavailable,  // the peer or resource is not there now: refused, reset, cut short
    kDeadlineExceeded,  // the time allowed ran out first
  };

  Status() = default;  // ok
  static Status ok() { return Status(); }
  static Status error(std::string message) { return Status(Code::kError, std::move(message)); }
  // Retryable failures (is_retryable()).
  static Status unavailable(std::string message) { return Status(Code::kUnavailable, std::move(message)); }
  static Status deadline_exceeded(std::string message) {
    return Status(Code::kDeadlineExceeded, std::move(message));
  }
  // Builds "context: strerror(errnum)" (code kError).
  static Status from_errno(const std::string& context, int errnum);

  bool is_ok() const { return code_ == Code::kOk; }
  explicit operator bool() const { return is_ok(); }
  Code code() const { return code_; }
  // True for kUnavailable and kDeadlineExceeded: the same call may succeed
  // later, so a caller with a retry policy may try again (with backoff).
  bool is_retryable() const { return code_ == Code::kUnavailable || code_ == Code::kDeadlineExceeded; }
  bool is_deadline_exceeded() const { return code_ == Code::kDeadlineExceeded; }
  const std::string& message() const { return message_; }

 private:
  Status(Code code, std::string message) : message_(std::move(message)), code_(code) {}
  std::string message_;
  Code code_ = Code::kOk;
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
