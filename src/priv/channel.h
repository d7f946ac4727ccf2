// Whole-message I/O on the socketpair between the daemon and its privileged
// helper, used by both ends.
//
// Owns: reading exactly N bytes and writing all of a message, retrying on
// EINTR, never raising SIGPIPE.
// Must not: interpret the bytes (priv/protocol does) or decide what an end
// of the channel means to its caller.
// Threading: blocking calls on a descriptor the caller owns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sigma::priv {

enum class ChannelRead {
  kFull,        // all `size` bytes read
  kEofAtStart,  // the peer closed before the first byte
  kEofInside,   // the peer closed after some bytes: a message cut short
  kTimedOut,    // SO_RCVTIMEO passed (EAGAIN)
  kError,       // any other failure; errno says which
};

ChannelRead read_exact(int fd, uint8_t* out, size_t size);

// False on a failure other than EINTR; errno says which.
bool write_all(int fd, std::string_view bytes);

}  // namespace sigma::priv
