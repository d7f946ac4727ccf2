// sigma-agent: the start-up, step by step. Each step is one call into the
// module that owns it; main.cpp holds no policy of its own.
//
//   load the configuration -> answer --help/--version/errors -> read secrets
//   (--check-config: report and exit) -> build the control-plane client (no
//   thread yet) and the tools once -> call: run
//   one and exit; --stdio: serve stdin/stdout; otherwise run the daemon
//   (app/daemon.h lists its own steps).
#include <optional>
#include <string>

#include "app/call.h"
#include "app/daemon.h"
#include "app/early_exit.h"
#include "app/plan.h"
#include "app/secrets.h"
#include "app/tool_set.h"
#include "base/log.h"
#include "config/config.h"

int main(int argc, char** argv) {
  using namespace sigma;
  log_init_from_environment();
  config::LoadResult loaded = config::load({argv + 1, argv + argc}, config::system_environment());
  if (std::optional<int> status = app::answer_before_start(loaded)) {
    return *status;
  }
  const config::Config& config = loaded.config;
  log_set_level(config.log_level);
  for (const std::string& w : loaded.warnings) {
    log_warn(w);
  }
  app::Secrets secrets(config);
  if (loaded.command == config::Command::kCheckConfig) {
    return app::check_config(config, secrets.mcp_token, secrets.api_key);
  }
  app::ControlPlane control_plane(config, secrets.api_key);
  const app::ToolSet tools(config, secrets.api_key, control_plane.directory());
  if (loaded.command == config::Command::kCall || config.stdio) {
    // No listener, so no token to read; agent_check_update may send the key.
    if (Status s = secrets.load_api_key(); !s) {
      log_error("cannot read a secret file", {{"error", s.message()}});
      return config::kExitConfig;
    }
  }
  if (loaded.command == config::Command::kCall) {
    return app::run_call(tools.registry(), loaded.call_tool, loaded.call_arguments, config.tool_timeout_s * 1000,
                         stdout, stderr);
  }
  return config.stdio ? app::run_stdio(config, tools) : app::run_daemon(config, tools, secrets, control_plane);
}
