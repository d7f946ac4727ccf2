// Tests for base/status.h: Status and Result<T>.
#include <doctest/doctest.h>

#include <cerrno>
#include <memory>
#include <string>
#include <utility>

#include "base/status.h"

using sigma::Result;
using sigma::Status;

namespace {

Result<int> parse_positive(int v) {
  if (v <= 0) {
    return Status::error("value: must be positive");
  }
  return v;
}

}  // namespace

TEST_CASE("a default Status is ok and carries no message") {
  const Status s;
  CHECK(s.is_ok());
  CHECK(static_cast<bool>(s));
  CHECK(s.message().empty());
  CHECK(Status::ok().is_ok());
}

TEST_CASE("an error Status keeps its message") {
  const Status s = Status::error("config: missing listen address");
  CHECK_FALSE(s.is_ok());
  CHECK_FALSE(static_cast<bool>(s));
  CHECK(s.message() == "config: missing listen address");
  // An error with an empty message is still an error.
  CHECK_FALSE(Status::error("").is_ok());
}

TEST_CASE("from_errno prefixes the context to strerror") {
  const Status s = Status::from_errno("/proc/1234/status", ENOENT);
  CHECK_FALSE(s.is_ok());
  CHECK(s.message() == "/proc/1234/status: No such file or directory");
  CHECK(Status::from_errno("open", EACCES).message() == "open: Permission denied");
}

TEST_CASE("Result holds either a value or a failed status") {
  Result<int> good = parse_positive(5);
  REQUIRE(good.is_ok());
  CHECK(static_cast<bool>(good));
  CHECK(good.value() == 5);
  CHECK(*good == 5);

  Result<int> bad = parse_positive(-1);
  REQUIRE_FALSE(bad.is_ok());
  CHECK_FALSE(static_cast<bool>(bad));
  CHECK(bad.error() == "value: must be positive");
  CHECK_FALSE(bad.status().is_ok());
}

TEST_CASE("Result gives access to members and supports move-only values") {
  Result<std::string> s = std::string("hello");
  REQUIRE(s.is_ok());
  CHECK(s->size() == 5);
  s.value() += "!";
  CHECK(*s == "hello!");

  Result<std::unique_ptr<int>> owned = std::make_unique<int>(7);
  REQUIRE(owned.is_ok());
  std::unique_ptr<int> taken = std::move(owned).value();
  REQUIRE(taken != nullptr);
  CHECK(*taken == 7);
}

TEST_CASE("a Result of Status-like text is not confused with an error") {
  Result<std::string> r = std::string("error: looks like one but is a value");
  CHECK(r.is_ok());
  CHECK(*r == "error: looks like one but is a value");
}

TEST_CASE("error and from_errno are not retryable; unavailable and deadline_exceeded are") {
  CHECK_FALSE(Status::ok().is_retryable());
  CHECK(Status::ok().code() == Status::Code::kOk);

  const Status plain = Status::error("x: bad");
  CHECK(plain.code() == Status::Code::kError);
  CHECK_FALSE(plain.is_retryable());
  CHECK_FALSE(Status::from_errno("x", ECONNREFUSED).is_retryable());

  const Status refused = Status::unavailable("connect 127.0.0.1:1: Connection refused");
  CHECK_FALSE(refused.is_ok());
  CHECK(refused.code() == Status::Code::kUnavailable);
  CHECK(refused.is_retryable());
  CHECK_FALSE(refused.is_deadline_exceeded());
  CHECK(refused.message() == "connect 127.0.0.1:1: Connection refused");

  const Status late = Status::deadline_exceeded("GET /: deadline exceeded");
  CHECK_FALSE(late.is_ok());
  CHECK(late.is_retryable());
  CHECK(late.is_deadline_exceeded());
}

TEST_CASE("a failed Result keeps the code of its Status") {
  Result<int> r = Status::unavailable("peer: reset");
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().is_retryable());
  CHECK(r.error() == "peer: reset");
}
