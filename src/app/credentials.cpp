#include "app/credentials.h"

#include <optional>
#include <string_view>

#include "base/strings.h"

namespace sigma::app {

RequestFacts::RequestFacts(const http::Request& request) {
  credentials_.origin = request.header("Origin");
  credentials_.host = request.header("Host");
  if (std::optional<std::string_view> absolute = request.absolute_authority()) {
    absolute_authority_ = std::string(*absolute);
    credentials_.host = &absolute_authority_;
  }
  for (const auto& [name, value] : request.headers) {
    if (iequals(name, "Authorization")) {
      ++credentials_.authorization_count;
      credentials_.authorization = &value;
    } else if (iequals(name, "Origin")) {
      ++credentials_.origin_count;
    }
  }
}

}  // namespace sigma::app
