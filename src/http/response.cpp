#include "http/response.h"

#include <charconv>

#include "base/strings.h"

namespace sigma::http {

namespace {

bool is_safe_header_text(std::string_view s) {
  for (char c : s) {
    if (c == '\r' || c == '\n' || c == '\0') {
      return false;
    }
  }
  return true;
}

// Framing is the serialiser's job; a handler may not set these.
bool is_reserved_header(std::string_view name) {
  return iequals(name, "content-length") || iequals(name, "transfer-encoding") || iequals(name, "connection") ||
         iequals(name, "content-type") || iequals(name, "keep-alive");
}

void append_decimal(uint64_t value, std::string& out) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), value);
  (void)ec;  // 24 bytes always hold a uint64_t
  out.append(digits, static_cast<size_t>(end - digits));
}

}  // namespace

std::string_view reason_phrase(int status) {
  // RFC 9110 §15 (plus RFC 6585 for 428/429/431).
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 203: return "Non-Authoritative Information";
    case 204: return "No Content";
    case 205: return "Reset Content";
    case 206: return "Partial Content";
    case 300: return "Multiple Choices";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 421: return "Misdirected Request";
    case 422: return "Unprocessable Content";
    case 426: return "Upgrade Required";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "";
  }
}

void append_response(const Response& response, ConnectionHeader connection, bool omit_body, std::string& out) {
  int status = response.status;
  if (status < 100 || status > 999) {
    status = 500;
  }
  // RFC 9110 §6.2: a server sends its own highest minor version (1.1) even to
  // an HTTP/1.0 client.
  out.append("HTTP/1.1 ");
  append_decimal(static_cast<uint64_t>(status), out);
  out.push_back(' ');
  out.append(reason_phrase(status));
  out.append("\r\n");

  // RFC 9110 §8.6 / §15.3.5 / §15.4.5: no Content-Length or body on 1xx and
  // 204; 304 may repeat the selected representation's length, which we do
  // not know here, so it gets none either.
  const bool body_allowed = !(status < 200 || status == 204 || status == 304);
  if (body_allowed && !response.content_type.empty() && is_safe_header_text(response.content_type)) {
    out.append("Content-Type: ");
    out.append(response.content_type);
    out.append("\r\n");
  }
  for (const auto& [name, value] : response.headers) {
    bool name_ok = !name.empty();
    for (char c : name) {
      name_ok = name_ok && (c != ':' && c != ' ' && c != '\t');
    }
    if (!name_ok || !is_safe_header_text(name) || !is_safe_header_text(value) || is_reserved_header(name)) {
      continue;
    }
    out.append(name);
    out.append(": ");
    out.append(value);
    out.append("\r\n");
  }
  if (body_allowed && !response.stream) {
    out.append("Content-Length: ");
    append_decimal(response.body.size(), out);
    out.append("\r\n");
  }
  if (connection == ConnectionHeader::kClose) {
    out.append("Connection: close\r\n");
  } else if (connection == ConnectionHeader::kKeepAlive) {
    out.append("Connection: keep-alive\r\n");
  }
  out.append("\r\n");
  if (body_allowed && !omit_body && !response.stream) {
    out.append(response.body);
  }
}

Response error_response(int status, std::string_view detail) {
  Response r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.close = true;
  std::string body;
  append_decimal(static_cast<uint64_t>(status), body);
  body.push_back(' ');
  body.append(reason_phrase(status));
  if (!detail.empty()) {
    body.append(": ");
    body.append(detail);
  }
  body.push_back('\n');
  r.body = std::move(body);
  return r;
}

}  // namespace sigma::http
