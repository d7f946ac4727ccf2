// daemon/privsep: the passwd(5) lookup. The credential changes themselves
// are tested on the real binary (tests/integration/privsep_test.cpp): they
// would change this test process for good.
#include "daemon/privsep.h"

#include <doctest/doctest.h>

namespace sigma::daemon {
namespace {

constexpr const char* kPasswd =
    "root:x:0:0:root:/root:/bin/bash\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
    "sigma-agent:x:998:997::/nonexistent:/usr/sbin/nologin\n"
    "broken:x:abc:1::/:/bin/sh\n"
    "short:x:5\n";

TEST_CASE("find_account reads uid and gid of the named user only") {
  Result<std::optional<Account>> a = find_account(kPasswd, "sigma-agent");
  REQUIRE(a);
  REQUIRE(a->has_value());
  CHECK((*a)->uid == 998);
  CHECK((*a)->gid == 997);
  Result<std::optional<Account>> none = find_account(kPasswd, "sigma");  // a prefix is not a name
  REQUIRE(none);
  CHECK_FALSE(none->has_value());
  Result<std::optional<Account>> last = find_account("last:x:7:8:::", "last");  // no final newline
  REQUIRE(last);
  REQUIRE(last->has_value());
  CHECK((*last)->uid == 7);
}

TEST_CASE("find_account refuses a line of the user that does not parse") {
  CHECK_FALSE(find_account(kPasswd, "broken"));
  CHECK_FALSE(find_account(kPasswd, "short"));
  CHECK_FALSE(find_account("big:x:4294967295:1::/:/bin/sh\n", "big"));  // (uid_t)-1
  CHECK_FALSE(find_account("big:x:99999999999:1::/:/bin/sh\n", "big"));
}

TEST_CASE("lookup_account reads the system's passwd file") {
  Result<std::optional<Account>> root = lookup_account("root");
  REQUIRE(root);
  REQUIRE(root->has_value());
  CHECK((*root)->uid == 0);
  CHECK_FALSE(lookup_account("root", "/nonexistent/passwd"));
}

}  // namespace
}  // namespace sigma::daemon
