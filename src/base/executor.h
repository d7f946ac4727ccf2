// Executor: how protocol code runs blocking work without knowing the event loop.
//
// The daemon's implementation (net::WorkerPool) runs `work` on a pool thread and
// then `done` on the event-loop thread. Inline executors (stdio, `call`, tests)
// run both at once on the caller's thread.
// Threading: run() is called from the loop thread only.
#pragma once

#include <functional>

namespace sigma {

class Executor {
 public:
  virtual ~Executor() = default;
  // `work` may block; `done` must not. `done` always runs, exactly once.
  virtual void run(std::function<void()> work, std::function<void()> done) = 0;
};

// Runs work and done immediately on the calling thread.
class InlineExecutor final : public Executor {
 public:
  void run(std::function<void()> work, std::function<void()> done) override {
    work();
    done();
  }
};

}  // namespace sigma
