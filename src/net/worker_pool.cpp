#include "net/worker_pool.h"

#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "base/log.h"

namespace sigma::net {

struct WorkerPool::Impl {
  struct Item {
    std::function<void()> work;
    std::function<void()> done;
  };

  explicit Impl(EventLoop& l) : loop(l) {}

  EventLoop& loop;
  mutable std::mutex mutex;
  std::condition_variable wanted;
  std::deque<Item> queue;  // guarded by mutex
  size_t running = 0;      // guarded by mutex
  bool stopping = false;   // guarded by mutex
  std::vector<std::thread> threads;

  void worker() {
    while (true) {
      Item item;
      {
        std::unique_lock<std::mutex> lock(mutex);
        wanted.wait(lock, [this] { return stopping || !queue.empty(); });
        if (queue.empty()) {
          return;  // stopping and drained
        }
        item = std::move(queue.front());
        queue.pop_front();
        ++running;
      }
      // A throwing work item must neither kill the thread (std::terminate)
      // nor lose its completion: Executor promises `done` runs exactly once.
      try {
        if (item.work) {
          item.work();
        }
      } catch (const std::exception& e) {
        log_error("worker task threw", {{"what", e.what()}});
      } catch (...) {
        log_error("worker task threw a non-standard exception");
      }
      item.work = nullptr;  // release captures on the worker, not the loop
      {
        // Post and decrement in one critical section: a done that calls
        // pending() sees its own item finished, and pending() == 0 means every
        // done is already queued on the loop (safe point to stop it).
        std::lock_guard<std::mutex> lock(mutex);
        if (item.done) {
          loop.post(std::move(item.done));
        }
        --running;
      }
    }
  }
};

WorkerPool::WorkerPool(EventLoop& loop, size_t threads) : impl_(std::make_unique<Impl>(loop)) {
  if (threads == 0) {
    threads = 1;
  }
  impl_->threads.reserve(threads);
  for (size_t i = 0; i < threads; ++i) {
    impl_->threads.emplace_back([impl = impl_.get()] { impl->worker(); });
  }
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->wanted.notify_all();
  for (auto& thread : impl_->threads) {
    thread.join();
  }
}

void WorkerPool::run(std::function<void()> work, std::function<void()> done) {
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->queue.push_back(Impl::Item{std::move(work), std::move(done)});
  }
  impl_->wanted.notify_one();
}

size_t WorkerPool::pending() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->queue.size() + impl_->running;
}

}  // namespace sigma::net
