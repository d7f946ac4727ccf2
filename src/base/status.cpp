#include "base/status.h"

#include <cstring>

namespace sigma {

Status Status::from_errno(const std::string& context, int errnum) {
  return Status::error(context + ": " + std::strerror(errnum));
}

}  // namespace sigma
