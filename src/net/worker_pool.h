// WorkerPool: a few pthreads that run blocking work (bind tests, /proc reads)
// off the event loop, then hand the completion back to the loop thread through
// EventLoop::post(), so the loop itself never blocks.
//
// Threading: run() from the loop thread; work runs on pool threads; done runs
// on the loop thread. The destructor drains queued work and joins the threads.
#pragma once

#include <cstddef>
#include <memory>

#include "base/executor.h"
#include "net/event_loop.h"

namespace sigma::net {

class WorkerPool final : public Executor {
 public:
  // REQUIRES: loop outlives the pool; threads >= 1.
  WorkerPool(EventLoop& loop, size_t threads);
  ~WorkerPool() override;
  void run(std::function<void()> work, std::function<void()> done) override;
  // Work items queued or running (for tests and shutdown).
  size_t pending() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sigma::net
