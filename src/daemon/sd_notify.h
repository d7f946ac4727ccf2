// systemd readiness and watchdog notifications, written by hand (no libsystemd).
//
// Owns: the NOTIFY_SOCKET datagram protocol (sd_notify(3)). Outside systemd
// (NOTIFY_SOCKET unset) every call is a cheap no-op.
// Threading: any thread; each call opens, sends and closes its own socket.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/status.h"

namespace sigma::daemon {

// Sends `state` ("READY=1", "STOPPING=1", "WATCHDOG=1", "RELOADING=1") to
// $NOTIFY_SOCKET. Ok (and nothing sent) when the variable is unset.
Status notify(std::string_view state);

// Half of $WATCHDOG_USEC in milliseconds when the watchdog is enabled for this
// process ($WATCHDOG_PID unset or equal to our pid), else 0.
int64_t watchdog_ping_interval_ms();

}  // namespace sigma::daemon
