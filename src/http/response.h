// HTTP/1.1 response values and their serialisation (RFC 9112 §4, §6; RFC 9110 §15).
//
// Owns: the Response value handlers return, reason phrases, and turning a
// Response into bytes. The serialiser owns the framing headers: it always
// writes Content-Length itself (except where RFC 9110 forbids a body) and the
// Connection header as the server decides. Entries of Response::headers named
// Content-Length, Transfer-Encoding, Connection, Keep-Alive or Content-Type
// (use Response::content_type) are dropped, and so is any name or value with
// CR, LF or NUL (response splitting) or a name with ':' or whitespace.
// No Date header: RFC 9110 §6.6.1 lets an origin server without a reliable
// clock omit it; we have a clock, but no client of ours reads Date and leaving
// it out saves a clock read and a format per response.
// Must not: do I/O or include anything outside base/.
// Threading: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sigma::http {

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // extra fields, in order
  std::string body;
  std::string content_type;  // sent as Content-Type when non-empty
  bool close = false;        // close the connection after this response
  // A streamed response (an SSE stream): only the head is sent now, with no
  // Content-Length and "Connection: close"; `body` is ignored and the body
  // follows through Request::stream_write, delimited by the close of the
  // connection (RFC 9112 §6.3, item 8).
  bool stream = false;
};

// "OK", "Not Found", ...; "" for codes without a registered phrase (the
// reason-phrase may be empty, RFC 9112 §4).
std::string_view reason_phrase(int status);

// What the Connection header says (RFC 9112 §9.3, §9.6).
enum class ConnectionHeader {
  kNone,       // HTTP/1.1 persistence is the default: say nothing
  kClose,      // "Connection: close": the server closes after this response
  kKeepAlive,  // "Connection: keep-alive": an HTTP/1.0 client asked to persist
};

// Appends the status line, headers and (unless omit_body, for HEAD) body of
// `response` to `out`. Status codes outside 100..999 are sent as 500.
// 1xx, 204 and 304 carry neither Content-Length nor a body (RFC 9110 §8.6);
// nor does the head of a streamed response.
void append_response(const Response& response, ConnectionHeader connection, bool omit_body, std::string& out);

// A complete "Connection: close" response with a short text/plain body
// "<status> <reason phrase>: <detail>\n", for errors the server answers itself.
Response error_response(int status, std::string_view detail);

}  // namespace sigma::http
