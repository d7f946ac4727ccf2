// LogThrottle: a burst, then one line per interval, and an honest count of
// what was held back.
#include "base/log_throttle.h"

#include <doctest/doctest.h>

namespace sigma {
namespace {

TEST_CASE("a burst passes, then one line per interval, each admitted line carrying the count held back") {
  LogThrottle throttle(3, 1000);
  uint64_t suppressed = 99;
  for (int i = 0; i < 3; ++i) {
    REQUIRE(throttle.admit(10'000, &suppressed));
    CHECK(suppressed == 0);
  }
  int refused = 0;
  for (int i = 0; i < 500; ++i) {
    refused += throttle.admit(10'500, &suppressed) ? 0 : 1;
  }
  CHECK(refused == 500);
  REQUIRE(throttle.admit(11'000, &suppressed));  // one interval later
  CHECK(suppressed == 500);
  CHECK_FALSE(throttle.admit(11'001, &suppressed));
  // A long quiet spell refills the burst, never more than the burst.
  REQUIRE(throttle.admit(100'000, &suppressed));
  CHECK(suppressed == 1);  // the one refused at 11 001
  REQUIRE(throttle.admit(100'000, &suppressed));
  REQUIRE(throttle.admit(100'000, &suppressed));
  CHECK_FALSE(throttle.admit(100'000, &suppressed));
  CHECK_FALSE(throttle.admit(100'000, &suppressed));
  REQUIRE(throttle.admit(101'000, &suppressed));
  CHECK(suppressed == 2);
}

}  // namespace
}  // namespace sigma
