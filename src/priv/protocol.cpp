#include "priv/protocol.h"

#include <algorithm>
#include <cstring>

namespace sigma::priv {
namespace {

uint32_t load_u32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

void append_u32(std::string& out, uint32_t v) { out.append(reinterpret_cast<const char*>(&v), sizeof v); }

std::string header(MessageType type, uint32_t body_length) {
  std::string out;
  append_u32(out, static_cast<uint32_t>(type));
  append_u32(out, body_length);
  return out;
}

std::optional<Header> decode_header(const uint8_t* bytes, size_t size) {
  if (bytes == nullptr || size != kHeaderSize) {
    return std::nullopt;
  }
  return Header{static_cast<MessageType>(load_u32(bytes)), load_u32(bytes + 4)};
}

}  // namespace

std::optional<Header> decode_request_header(const uint8_t* bytes, size_t size) {
  std::optional<Header> h = decode_header(bytes, size);
  if (!h || h->type != MessageType::kSocketInodesRequest || h->body_length != sizeof(int32_t)) {
    return std::nullopt;
  }
  return h;
}

std::optional<int> decode_socket_inodes_request(const uint8_t* body, size_t size) {
  if (body == nullptr || size != sizeof(int32_t)) {
    return std::nullopt;
  }
  int32_t pid;
  std::memcpy(&pid, body, sizeof pid);
  if (pid <= 0) {
    return std::nullopt;
  }
  return pid;
}

std::optional<Header> decode_reply_header(const uint8_t* bytes, size_t size) {
  std::optional<Header> h = decode_header(bytes, size);
  if (!h) {
    return std::nullopt;
  }
  switch (h->type) {
    case MessageType::kSocketInodesReply:
      if (h->body_length < 4 || h->body_length > 4 + 8ULL * kMaxInodesPerReply || (h->body_length - 4) % 8 != 0) {
        return std::nullopt;
      }
      return h;
    case MessageType::kCannotTell:
      return h->body_length == 0 ? h : std::nullopt;
    default:
      return std::nullopt;
  }
}

std::optional<std::vector<uint64_t>> decode_socket_inodes_reply(const uint8_t* body, size_t size) {
  if (body == nullptr || size < 4) {
    return std::nullopt;
  }
  uint32_t count = load_u32(body);
  if (count > kMaxInodesPerReply || size != 4 + 8ULL * count) {
    return std::nullopt;
  }
  std::vector<uint64_t> inodes(count);
  if (count != 0) {
    std::memcpy(inodes.data(), body + 4, 8ULL * count);
  }
  return inodes;
}

std::string encode_socket_inodes_request(int pid) {
  std::string out = header(MessageType::kSocketInodesRequest, sizeof(int32_t));
  int32_t p = pid;
  out.append(reinterpret_cast<const char*>(&p), sizeof p);
  return out;
}

std::string encode_socket_inodes_reply(const std::vector<uint64_t>& inodes) {
  uint32_t count = static_cast<uint32_t>(std::min<size_t>(inodes.size(), kMaxInodesPerReply));
  std::string out = header(MessageType::kSocketInodesReply, 4 + 8 * count);
  append_u32(out, count);
  out.append(reinterpret_cast<const char*>(inodes.data()), 8ULL * count);
  return out;
}

std::string encode_cannot_tell() { return header(MessageType::kCannotTell, 0); }

}  // namespace sigma::priv
