// sigma-agent: the start-up, step by step. Each step is one call into the
// module that owns it; main.cpp holds no policy of its own.
//
//   load the configuration -> answer --help/--version/errors -> read secrets
//   (--check-config: report and exit) -> daemon started as root: fork the
//   privileged helper and drop to AGENT_USER -> build the control-plane
//   client (no thread yet) and the tools once -> call: run one and exit;
//   --stdio: serve stdin/stdout; otherwise run the daemon
//   (app/daemon.h lists its own steps).
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <memory>
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
#include "daemon/privsep.h"
#include "host/ops.h"
#include "priv/helper.h"
#include "priv/helper_host_ops.h"

namespace {

using namespace sigma;

struct Split {
  std::unique_ptr<host::HostOps> host;  // nullptr: no split, the tools read /proc themselves
  std::optional<int> exit_status;       // set: start failed
};

// The daemon started as root splits before any thread or socket exists: the
// helper keeps the two capabilities of socket attribution, this process
// becomes AGENT_USER with none (daemon/privsep.h). AGENT_USER=root, or a
// start without root, keeps one process as before.
Split split_privileges(const config::Config& config) {
  if (!daemon::started_privileged() || config.user == "root") {
    return {};
  }
  Result<std::optional<daemon::Account>> found = daemon::lookup_account(config.user);
  if (!found) {
    log_error("cannot read the user database", {{"error", found.status().message()}});
    return {nullptr, config::kExitConfig};
  }
  if (!*found || (*found)->uid == 0) {
    log_error("AGENT_USER must name an existing user other than uid 0 (or be root to keep root)",
              {{"AGENT_USER", config.user}});
    return {nullptr, config::kExitConfig};
  }
  const daemon::Account account = **found;
  const pid_t parent = getpid();
  Result<daemon::Helper> helper = daemon::spawn_helper([&](int channel) {
    (void)prctl(PR_SET_NAME, "sigma-agent-prv", 0, 0, 0);
    // A reload (SIGHUP) or ^C meant for the daemon must not end the helper:
    // it ends when the daemon does (parent-death signal, EOF).
    (void)signal(SIGHUP, SIG_IGN);
    (void)signal(SIGINT, SIG_IGN);
    if (Status s = daemon::become_helper(account, parent); !s) {
      log_error("privileged helper cannot start", {{"error", s.message()}});
      return 1;
    }
    const host::LocalHostOps local(config.host_proc);
    return priv::helper_main(channel, local);
  });
  if (!helper) {
    log_error("cannot start the privileged helper", {{"error", helper.status().message()}});
    return {nullptr, app::kExitRuntime};
  }
  if (Status s = daemon::drop_privileges(account); !s) {
    log_error("cannot drop privileges", {{"error", s.message()}});
    return {nullptr, app::kExitRuntime};  // the helper reads EOF and exits with us
  }
  log_info("privileges dropped",
           {{"user", config.user}, {"uid", std::to_string(account.uid)}, {"helper_pid", std::to_string(helper->pid)}});
  return {std::make_unique<priv::HelperHostOps>(config.host_proc, std::move(helper->channel)), std::nullopt};
}

}  // namespace

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
  Split split;
  if (loaded.command == config::Command::kRun && !config.stdio) {
    split = split_privileges(config);
    if (split.exit_status) {
      return *split.exit_status;
    }
  }
  app::ControlPlane control_plane(config, secrets.api_key);
  const app::ToolSet tools(config, secrets.api_key, control_plane.directory(), std::move(split.host));
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
