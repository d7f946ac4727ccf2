// The defaults of the HTTP limits of SPEC §9, stated once: the parser and the
// server default to them, and config offers them as the defaults of the
// AGENT_HTTP_* settings.
//
// Owns: constants only. Must not: include anything but <cstddef> and
// <cstdint>, so that any module may state its defaults from this header
// without depending on the rest of http/.
// Threading: constants.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sigma::http {

// Request line plus header fields; past it: 431.
inline constexpr size_t kDefaultMaxHeaderBytes = 16 * 1024;
// Request target; past it: 414.
inline constexpr size_t kDefaultMaxTargetBytes = 8 * 1024;
// Decoded request body; past it: 413.
inline constexpr size_t kDefaultMaxBodyBytes = 1024 * 1024;
// Time to receive a complete request head; past it: 408 and close.
inline constexpr int64_t kDefaultHeaderTimeoutSeconds = 10;
// A keep-alive connection with no request in progress is closed after it.
inline constexpr int64_t kDefaultIdleTimeoutSeconds = 60;
// Open connections per listener; past it: 503 and close.
inline constexpr size_t kDefaultMaxConnections = 1024;

}  // namespace sigma::http
