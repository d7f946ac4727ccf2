// The messages between the network process and the privileged helper.
// Every message is a fixed 8-byte header (type, body length; host byte
// order: both ends are the same binary on the same machine) and a body
// whose length is checked against the exact size its type allows before
// any byte of it is used, OpenBSD ntpd's `hdr.len != IMSG_HEADER_SIZE +
// sizeof(d)` habit. Only what needs the helper's capabilities crosses:
// the socket inodes of one process (/proc/PID/fd). Everything else the
// host seam does (world-readable /proc files, statvfs, bind tests) stays
// in the network process.
//
// Owns: the message types, their sizes and bounds, and the pure encoders
// and decoders (no I/O here, so the fuzz harness drives them directly).
// Must not: read /proc or a socket.
// Threading: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "host/procfs.h"

namespace sigma::priv {

enum class MessageType : uint32_t {
  kSocketInodesRequest = 1,  // body: int32 pid (> 0)
  kSocketInodesReply = 2,    // body: uint32 count, then count uint64 inodes
  kCannotTell = 3,           // body: empty; the helper could not read the process
};

inline constexpr size_t kHeaderSize = 8;
// ProcFs::socket_inodes looks at no more fds than this, so a reply never
// needs more inodes (8 MiB at most).
inline constexpr uint32_t kMaxInodesPerReply = host::ProcFs::kDefaultMaxFdsPerProcess;

struct Header {
  MessageType type;
  uint32_t body_length;
};

// A request header the helper accepts: a known request type with exactly
// its body length. Anything else is malformed: the helper closes the channel.
std::optional<Header> decode_request_header(const uint8_t* bytes, size_t size);
// The pid of a kSocketInodesRequest body (exactly 4 bytes, pid > 0).
std::optional<int> decode_socket_inodes_request(const uint8_t* body, size_t size);

// A reply header the network process accepts: a reply type with a length
// within that type's bound (exactly 0 for kCannotTell).
std::optional<Header> decode_reply_header(const uint8_t* bytes, size_t size);
// The inodes of a kSocketInodesReply body: the count must match the length.
std::optional<std::vector<uint64_t>> decode_socket_inodes_reply(const uint8_t* body, size_t size);

std::string encode_socket_inodes_request(int pid);
// At most kMaxInodesPerReply inodes are sent; more is cut (never seen: the
// fd walk is bounded below that).
std::string encode_socket_inodes_reply(const std::vector<uint64_t>& inodes);
std::string encode_cannot_tell();

}  // namespace sigma::priv
