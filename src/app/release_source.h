// The release manifest over HTTP: agent_check_update's ReleaseSource
// (tools/release_source.h) as one GET with http::Client.
//
// Owns: the manifest URL (AGENT_UPDATE_URL, or the default under
// SIGMA_API_URL: config::update_manifest_url), the response-size bound, and
// the X-Api-Key header, sent only when the manifest lives on the control
// plane's host and port, read afresh on each request so a SIGHUP rotation
// applies at once.
// Must not: put the key in a message or a log (http::Client keeps header
// values out of its errors), follow redirects, or retry.
// Threading: fetch() is safe from any worker thread (the client is
// stateless; the key source takes its own lock).
#pragma once

#include <string>

#include "auth/secret_source.h"
#include "config/settings.h"
#include "http/client.h"
#include "tools/release_source.h"

namespace sigma::app {

class HttpReleaseSource final : public tools::ReleaseSource {
 public:
  // `api_key` may be nullptr (no key configured); when set it must outlive
  // this object.
  HttpReleaseSource(config::UpdateManifestUrl manifest, const auth::SecretSource* api_key);

  const std::string& url() const override { return manifest_.text; }
  Result<tools::ReleaseReply> fetch(int64_t deadline_ms) const override;

 private:
  config::UpdateManifestUrl manifest_;
  const auth::SecretSource* api_key_;
  http::Client client_;
};

}  // namespace sigma::app
