#include "app/early_exit.h"

#include <cstdio>
#include <string>

#include "config/operator_text.h"

namespace sigma::app {

std::optional<int> answer_before_start(const config::LoadResult& loaded) {
  if (!loaded.errors.empty()) {
    for (const std::string& e : loaded.errors) {
      std::fprintf(stderr, "sigma-agent: %s\n", e.c_str());
    }
    if (loaded.exit_code == config::kExitUsage) {
      std::fprintf(stderr, "sigma-agent: see 'sigma-agent --help' or sigma-agent(8)\n");
    }
    return loaded.exit_code;
  }
  if (loaded.command == config::Command::kHelp) {
    std::fputs(config::usage_text().c_str(), stdout);
    return 0;
  }
  if (loaded.command == config::Command::kVersion) {
    std::printf("%s\n", config::version_text().c_str());
    return 0;
  }
  return std::nullopt;
}

}  // namespace sigma::app
