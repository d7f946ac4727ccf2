// app::ListenerService on a real loop and real loopback sockets: a bind that
// fails is a state that is retried, never an exit.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vector>

#include "../net/loop_fixture.h"
#include "app/listener.h"
#include "net/socket.h"

using sigma::app::ListenerService;
using sigma::app::ListenerSpec;
using sigma::net::SocketAddress;
using sigma::net::test::add_watchdog;
using sigma::net::test::make_loop;

namespace {

SocketAddress loopback(uint16_t port) {
  SocketAddress a;
  auto* in = reinterpret_cast<sockaddr_in*>(&a.storage);
  in->sin_family = AF_INET;
  in->sin_port = htons(port);
  in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.length = sizeof(sockaddr_in);
  return a;
}

uint16_t port_of(const SocketAddress& a) { return ntohs(reinterpret_cast<const sockaddr_in*>(&a.storage)->sin_port); }

ListenerSpec spec_for(uint16_t port, std::vector<bool>& states) {
  ListenerSpec spec;
  spec.name = "test";
  spec.setting = "TEST_BIND";
  spec.addresses = {loopback(port)};
  spec.head_handler = [](const sigma::http::Request&) { return std::nullopt; };
  spec.request_handler = [](sigma::http::Request&&, sigma::http::Respond respond) {
    respond(sigma::http::Response{});
  };
  spec.on_state = [&states](bool up) { states.push_back(up); };
  spec.retry_initial_ms = 10;
  spec.retry_max_ms = 40;
  return spec;
}

}  // namespace

TEST_CASE("a free address is served at start and reported up") {
  auto loop = make_loop();
  std::vector<bool> states;
  ListenerService listener(*loop, spec_for(0, states));
  REQUIRE(listener.start().is_ok());
  CHECK(listener.is_up());
  CHECK(states == std::vector<bool>{false, true});
}

TEST_CASE("a port that is taken is retried and served once it is freed") {
  // Hold a port the listener wants.
  auto holder = sigma::net::listen_tcp(loopback(0));
  REQUIRE(holder.is_ok());
  auto held = sigma::net::local_address(holder->get());
  REQUIRE(held.is_ok());
  const uint16_t port = port_of(*held);

  auto loop = make_loop();
  std::vector<bool> states;
  ListenerService listener(*loop, spec_for(port, states));
  REQUIRE(listener.start().is_ok());  // a failed bind is not a start failure
  CHECK_FALSE(listener.is_up());
  add_watchdog(*loop);
  // Let a few retries fail (10, 20, 40, 40 ms), then free the port.
  loop->add_timer(120, [&] {
    CHECK_FALSE(listener.is_up());
    holder->reset();
  });
  auto poll = loop->add_periodic_timer(5, [&] {
    if (listener.is_up()) {
      loop->stop();
    }
  });
  loop->run();
  loop->cancel_timer(poll);
  CHECK(listener.is_up());
  REQUIRE(states.size() >= 3);
  CHECK(states.front() == false);
  CHECK(states.back() == true);
  // Every report before the last one said "down".
  for (size_t i = 0; i + 1 < states.size(); ++i) {
    CHECK(states[i] == false);
  }
}

TEST_CASE("shutdown of a listener that never opened finishes at once and stops the retries") {
  auto holder = sigma::net::listen_tcp(loopback(0));
  REQUIRE(holder.is_ok());
  auto held = sigma::net::local_address(holder->get());
  REQUIRE(held.is_ok());
  auto loop = make_loop();
  std::vector<bool> states;
  ListenerService listener(*loop, spec_for(port_of(*held), states));
  REQUIRE(listener.start().is_ok());
  bool done = false;
  listener.begin_shutdown([&] { done = true; });
  CHECK(done);
  const size_t reports = states.size();
  add_watchdog(*loop);
  loop->add_timer(100, [&] { loop->stop(); });
  loop->run();
  CHECK(states.size() == reports);  // no retry ran after the shutdown
}

TEST_CASE("shutdown of a serving listener calls done once its server has drained") {
  auto loop = make_loop();
  std::vector<bool> states;
  ListenerService listener(*loop, spec_for(0, states));
  REQUIRE(listener.start().is_ok());
  REQUIRE(listener.is_up());
  int done = 0;
  add_watchdog(*loop);
  loop->add_timer(1, [&] {
    listener.begin_shutdown([&] {
      ++done;
      loop->stop();
    });
  });
  loop->run();
  CHECK(done == 1);
}
