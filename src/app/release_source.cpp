#include "app/release_source.h"

#include <memory>
#include <utility>

#include "tools/release_manifest.h"

namespace sigma::app {
namespace {

http::ClientOptions manifest_client_options() {
  http::ClientOptions options;
  // A manifest is a few hundred bytes: a head and 64 KiB is plenty, and a
  // server that sends more is cut off rather than read into memory.
  options.max_response_bytes = options.max_header_bytes + tools::kMaxManifestBytes;
  return options;
}

}  // namespace

HttpReleaseSource::HttpReleaseSource(config::UpdateManifestUrl manifest, const auth::SecretSource* api_key)
    : manifest_(std::move(manifest)), api_key_(api_key), client_(manifest_client_options()) {}

Result<tools::ReleaseReply> HttpReleaseSource::fetch(int64_t deadline_ms) const {
  http::ClientRequest request;
  request.method = "GET";
  request.target = manifest_.url.path.empty() ? "/" : manifest_.url.path;
  request.headers.emplace_back("Accept", "application/json");
  // The key is the control plane's: a manifest elsewhere does not get it.
  if (api_key_ != nullptr && manifest_.on_api_origin) {
    if (std::shared_ptr<const std::string> key = api_key_->current()) {
      request.headers.emplace_back("X-Api-Key", *key);
    }
  }
  const net::HostPort server{manifest_.url.host, manifest_.url.port, manifest_.url.is_ipv6_literal};
  Result<http::ClientResponse> response = client_.send(server, request, deadline_ms);
  if (!response) {
    return response.status();
  }
  tools::ReleaseReply reply;
  reply.status = response->status;
  reply.body = std::move(response->body);
  return reply;
}

}  // namespace sigma::app
