#include "control/directory.h"

#include <utility>

namespace sigma::control {

void RegistrationState::set_agent_running() {
  std::lock_guard<std::mutex> lock(mutex_);
  agent_running_ = true;
}

void RegistrationState::set_id(std::string id) {
  std::lock_guard<std::mutex> lock(mutex_);
  id_ = std::move(id);
}

Result<std::string> RegistrationState::id() const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!id_.empty()) {
    return id_;
  }
  return Status::unavailable(std::string(agent_running_ ? kNotRegisteredYet : kNoAgentInThisProcess));
}

}  // namespace sigma::control
