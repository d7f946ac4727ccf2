// ReleaseSource: where agent_check_update reads the release manifest. The
// tools module reaches no network itself; the application gives it one of
// these (app/release_source, over http::Client), and tests give it a fake.
//
// Owns: the shape of one manifest request and its answer.
// Must not: interpret the answer (tools/agent_check_update does), retry, or
// put a credential in a message.
// Threading: fetch() may be called from any worker thread.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"

namespace sigma::tools {

struct ReleaseReply {
  int status = 0;    // the HTTP status
  std::string body;  // at most kMaxManifestBytes (tools/release_manifest.h)
};

class ReleaseSource {
 public:
  virtual ~ReleaseSource() = default;
  // The manifest's URL, for results and messages; it holds no secret.
  virtual const std::string& url() const = 0;
  // One GET of the manifest, finished before `deadline_ms` (absolute,
  // base/clock monotonic_ms()). Success: the answer, whatever its status.
  // Failure: the exchange did not complete (refused, reset, cut short, too
  // large, past the deadline), with a message that starts "GET http://...";
  // a deadline is Status::deadline_exceeded.
  virtual Result<ReleaseReply> fetch(int64_t deadline_ms) const = 0;
};

}  // namespace sigma::tools
