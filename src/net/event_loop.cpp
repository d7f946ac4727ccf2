#include "net/event_loop.h"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <ctime>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/log.h"
#include "base/unique_fd.h"

namespace sigma::net {
namespace {

// epoll_event.data.u64 carries (generation << 32) | fd. Generation 0 marks the
// loop's own fds (timerfd, eventfd, signalfd); registrations start at 1.
constexpr uint32_t kInternalGeneration = 0;
constexpr int kMaxEventsPerWait = 64;

uint64_t pack(int fd, uint32_t generation) {
  return (static_cast<uint64_t>(generation) << 32) | static_cast<uint32_t>(fd);
}
int unpack_fd(uint64_t data) { return static_cast<int>(static_cast<uint32_t>(data)); }
uint32_t unpack_generation(uint64_t data) { return static_cast<uint32_t>(data >> 32); }

int64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

uint32_t to_epoll(uint32_t interest) {
  uint32_t events = 0;
  if ((interest & kReadable) != 0) {
    // EPOLLRDHUP only with read interest: level-triggered, a half-closed peer
    // would otherwise wake a connection that paused reading on every wait.
    events |= EPOLLIN | EPOLLRDHUP;
  }
  if ((interest & kWritable) != 0) {
    events |= EPOLLOUT;
  }
  return events;  // EPOLLHUP and EPOLLERR are always reported by the kernel.
}

uint32_t from_epoll(uint32_t events) {
  uint32_t bits = 0;
  if ((events & (EPOLLIN | EPOLLPRI)) != 0) {
    bits |= kReadable;
  }
  if ((events & EPOLLOUT) != 0) {
    bits |= kWritable;
  }
  if ((events & (EPOLLRDHUP | EPOLLHUP)) != 0) {
    bits |= kHangup;
  }
  if ((events & EPOLLERR) != 0) {
    bits |= kError;
  }
  return bits;
}

}  // namespace

struct EventLoop::Impl {
  struct Registration {
    uint32_t generation = 0;
    uint32_t interest = 0;
    // Shared so a handler that removes itself is not destroyed while running.
    std::shared_ptr<IoHandler> handler;
  };

  UniqueFd epoll_fd;
  UniqueFd timer_fd;
  UniqueFd wake_fd;
  UniqueFd signal_fd;

  std::unordered_map<int, Registration> registrations;
  uint32_t next_generation = 1;

  // Timers ordered by (deadline, id): equal deadlines fire in creation order.
  std::map<std::pair<int64_t, TimerId>, std::function<void()>> timers;
  std::unordered_map<TimerId, int64_t> timer_deadlines_ns;
  // Periodic timers only: id -> period. A periodic timer keeps its id for life.
  std::unordered_map<TimerId, int64_t> timer_periods_ns;
  TimerId next_timer_id = 1;
  int64_t armed_deadline_ns = -1;  // what the timerfd is set to; -1 = disarmed

  sigset_t signal_mask{};
  std::unordered_map<int, std::shared_ptr<std::function<void(int)>>> signal_handlers;

  std::mutex post_mutex;
  std::vector<std::function<void()>> posted;  // guarded by post_mutex
  std::atomic<bool> stop_requested{false};

  uint32_t take_generation() {
    uint32_t generation = next_generation++;
    if (next_generation == kInternalGeneration) {
      next_generation = 1;  // wrapped: 0 stays reserved for internal fds
    }
    return generation;
  }

  Status add_internal(int fd) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = pack(fd, kInternalGeneration);
    if (epoll_ctl(epoll_fd.get(), EPOLL_CTL_ADD, fd, &ev) != 0) {
      return Status::from_errno("epoll_ctl add", errno);
    }
    return Status::ok();
  }

  void wake() {
    uint64_t one = 1;
    // EAGAIN means the counter is already non-zero: the loop will wake anyway.
    ssize_t n = ::write(wake_fd.get(), &one, sizeof(one));
    (void)n;
  }

  // Points the timerfd at the earliest deadline, or disarms it.
  void arm_timer() {
    int64_t deadline = timers.empty() ? -1 : timers.begin()->first.first;
    if (deadline == armed_deadline_ns) {
      return;
    }
    itimerspec spec{};
    if (deadline >= 0) {
      spec.it_value.tv_sec = static_cast<time_t>(deadline / 1000000000);
      spec.it_value.tv_nsec = static_cast<long>(deadline % 1000000000);
      if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0) {
        spec.it_value.tv_nsec = 1;  // all-zero it_value would disarm
      }
    }
    // TFD_TIMER_ABSTIME: a deadline already in the past expires at once.
    if (timerfd_settime(timer_fd.get(), TFD_TIMER_ABSTIME, &spec, nullptr) != 0) {
      log_error("timerfd_settime failed", {{"errno", std::to_string(errno)}});
      armed_deadline_ns = -1;
      return;
    }
    armed_deadline_ns = deadline;
  }

  void run_timers() {
    uint64_t expirations = 0;
    ssize_t n = ::read(timer_fd.get(), &expirations, sizeof(expirations));
    (void)n;  // EAGAIN after a re-arm race is harmless: we check deadlines below
    armed_deadline_ns = -1;  // the timerfd fired or was never armed for this

    // Snapshot first: timers added by callbacks wait for the next iteration,
    // and timers cancelled by an earlier callback in this pass are skipped.
    const int64_t now = monotonic_ns();
    std::vector<TimerId> due;
    for (const auto& entry : timers) {
      if (entry.first.first > now) {
        break;
      }
      due.push_back(entry.first.second);
    }
    for (TimerId id : due) {
      auto it = timer_deadlines_ns.find(id);
      if (it == timer_deadlines_ns.end()) {
        continue;
      }
      auto node = timers.extract({it->second, id});
      if (node.empty() || !node.mapped()) {
        timer_deadlines_ns.erase(it);
        continue;
      }
      auto period = timer_periods_ns.find(id);
      if (period == timer_periods_ns.end()) {
        timer_deadlines_ns.erase(it);
        node.mapped()();
        continue;
      }
      // Re-arm before the callback runs, so the callback may cancel its own
      // timer; a loop that fell behind skips the missed ticks instead of
      // firing them back to back.
      int64_t next = it->second + period->second;
      if (next <= now) {
        next = now + period->second;
      }
      it->second = next;
      std::function<void()> callback = node.mapped();
      node.key() = {next, id};
      timers.insert(std::move(node));
      callback();
    }
  }

  void run_posted() {
    uint64_t count = 0;
    ssize_t n = ::read(wake_fd.get(), &count, sizeof(count));
    (void)n;
    std::vector<std::function<void()>> batch;
    {
      std::lock_guard<std::mutex> lock(post_mutex);
      batch.swap(posted);
    }
    for (auto& fn : batch) {
      if (fn) {
        fn();
      }
    }
  }

  void run_signals() {
    while (true) {
      signalfd_siginfo info{};
      ssize_t n = ::read(signal_fd.get(), &info, sizeof(info));
      if (n != static_cast<ssize_t>(sizeof(info))) {
        return;  // EAGAIN: drained
      }
      int signo = static_cast<int>(info.ssi_signo);
      auto it = signal_handlers.find(signo);
      if (it == signal_handlers.end()) {
        continue;
      }
      auto handler = it->second;  // keep alive if the handler re-registers
      (*handler)(signo);
    }
  }

  void dispatch(const epoll_event& ev) {
    const int fd = unpack_fd(ev.data.u64);
    const uint32_t generation = unpack_generation(ev.data.u64);
    if (generation == kInternalGeneration) {
      if (fd == timer_fd.get()) {
        run_timers();
      } else if (fd == wake_fd.get()) {
        run_posted();
      } else if (signal_fd.is_valid() && fd == signal_fd.get()) {
        run_signals();
      }
      return;
    }
    // Deferred deletion: an fd removed by an earlier handler in this batch is
    // gone from the map; one removed and re-added (same number) carries a new
    // generation. Either way the stale event is dropped.
    auto it = registrations.find(fd);
    if (it == registrations.end() || it->second.generation != generation) {
      return;
    }
    // Drop bits the handler no longer asked for (modify() earlier in the batch).
    uint32_t bits = from_epoll(ev.events) & (it->second.interest | kHangup | kError);
    if (bits == 0) {
      return;
    }
    auto handler = it->second.handler;
    (*handler)(bits);
  }
};

EventLoop::EventLoop() : impl_(std::make_unique<Impl>()) {}
EventLoop::~EventLoop() = default;

Result<std::unique_ptr<EventLoop>> EventLoop::create() {
  std::unique_ptr<EventLoop> loop(new EventLoop());
  Impl& impl = *loop->impl_;
  impl.epoll_fd.reset(epoll_create1(EPOLL_CLOEXEC));
  if (!impl.epoll_fd.is_valid()) {
    return Status::from_errno("epoll_create1", errno);
  }
  impl.timer_fd.reset(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
  if (!impl.timer_fd.is_valid()) {
    return Status::from_errno("timerfd_create", errno);
  }
  impl.wake_fd.reset(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!impl.wake_fd.is_valid()) {
    return Status::from_errno("eventfd", errno);
  }
  sigemptyset(&impl.signal_mask);
  if (Status s = impl.add_internal(impl.timer_fd.get()); !s) {
    return s;
  }
  if (Status s = impl.add_internal(impl.wake_fd.get()); !s) {
    return s;
  }
  return Result<std::unique_ptr<EventLoop>>(std::move(loop));
}

Status EventLoop::add(int fd, uint32_t interest, IoHandler handler) {
  if (fd < 0) {
    return Status::error("event loop add: invalid fd " + std::to_string(fd));
  }
  if (impl_->registrations.count(fd) != 0) {
    return Status::error("event loop add: fd " + std::to_string(fd) + " is already registered");
  }
  Impl::Registration reg;
  reg.generation = impl_->take_generation();
  reg.interest = interest & (kReadable | kWritable);
  reg.handler = std::make_shared<IoHandler>(std::move(handler));
  epoll_event ev{};
  ev.events = to_epoll(reg.interest);
  ev.data.u64 = pack(fd, reg.generation);
  if (epoll_ctl(impl_->epoll_fd.get(), EPOLL_CTL_ADD, fd, &ev) != 0) {
    return Status::from_errno("epoll_ctl add fd " + std::to_string(fd), errno);
  }
  impl_->registrations.emplace(fd, std::move(reg));
  return Status::ok();
}

Status EventLoop::modify(int fd, uint32_t interest) {
  auto it = impl_->registrations.find(fd);
  if (it == impl_->registrations.end()) {
    return Status::error("event loop modify: fd " + std::to_string(fd) + " is not registered");
  }
  interest &= (kReadable | kWritable);
  if (interest == it->second.interest) {
    return Status::ok();
  }
  epoll_event ev{};
  ev.events = to_epoll(interest);
  ev.data.u64 = pack(fd, it->second.generation);
  if (epoll_ctl(impl_->epoll_fd.get(), EPOLL_CTL_MOD, fd, &ev) != 0) {
    return Status::from_errno("epoll_ctl mod fd " + std::to_string(fd), errno);
  }
  it->second.interest = interest;
  return Status::ok();
}

void EventLoop::remove(int fd) {
  auto it = impl_->registrations.find(fd);
  if (it == impl_->registrations.end()) {
    return;
  }
  // Errors are ignored: if the caller closed the fd first, the kernel already
  // dropped it from the epoll set.
  epoll_ctl(impl_->epoll_fd.get(), EPOLL_CTL_DEL, fd, nullptr);
  impl_->registrations.erase(it);
}

TimerId EventLoop::add_timer(int64_t delay_ms, std::function<void()> callback) {
  if (delay_ms < 0) {
    delay_ms = 0;
  }
  const TimerId id = impl_->next_timer_id++;
  const int64_t deadline = monotonic_ns() + delay_ms * 1000000;
  impl_->timers.emplace(std::make_pair(deadline, id), std::move(callback));
  impl_->timer_deadlines_ns.emplace(id, deadline);
  impl_->arm_timer();
  return id;
}

TimerId EventLoop::add_periodic_timer(int64_t period_ms, std::function<void()> callback) {
  if (period_ms < 1) {
    period_ms = 1;
  }
  const TimerId id = add_timer(period_ms, std::move(callback));
  impl_->timer_periods_ns.emplace(id, period_ms * 1000000);
  return id;
}

void EventLoop::cancel_timer(TimerId id) {
  auto it = impl_->timer_deadlines_ns.find(id);
  if (it == impl_->timer_deadlines_ns.end()) {
    return;
  }
  impl_->timers.erase({it->second, id});
  impl_->timer_deadlines_ns.erase(it);
  impl_->timer_periods_ns.erase(id);
  // The timerfd may stay armed for the cancelled deadline: that costs one
  // spurious wake-up, after which arm_timer() moves it to the next deadline.
}

Status EventLoop::watch_signals(std::initializer_list<int> signals,
                                std::function<void(int signo)> handler) {
  sigset_t add_set;
  sigemptyset(&add_set);
  for (int signo : signals) {
    if (sigaddset(&add_set, signo) != 0) {
      return Status::error("watch_signals: invalid signal " + std::to_string(signo));
    }
  }
  // Blocked signals stay pending for the signalfd instead of running a
  // disposition. Threads inherit the mask, hence "call before starting threads":
  // a thread started earlier would still take the signal with its default action.
  int rc = pthread_sigmask(SIG_BLOCK, &add_set, nullptr);
  if (rc != 0) {
    return Status::from_errno("pthread_sigmask", rc);
  }
  sigset_t merged = impl_->signal_mask;
  for (int signo : signals) {
    sigaddset(&merged, signo);
  }
  const bool is_new = !impl_->signal_fd.is_valid();
  int fd = signalfd(is_new ? -1 : impl_->signal_fd.get(), &merged, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0) {
    return Status::from_errno("signalfd", errno);
  }
  if (is_new) {
    impl_->signal_fd.reset(fd);
    if (Status s = impl_->add_internal(fd); !s) {
      impl_->signal_fd.reset();
      return s;
    }
  }
  impl_->signal_mask = merged;
  auto shared = std::make_shared<std::function<void(int)>>(std::move(handler));
  for (int signo : signals) {
    impl_->signal_handlers[signo] = shared;
  }
  return Status::ok();
}

void EventLoop::post(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(impl_->post_mutex);
    impl_->posted.push_back(std::move(fn));
  }
  impl_->wake();
}

void EventLoop::run() {
  epoll_event events[kMaxEventsPerWait];
  while (!impl_->stop_requested.load(std::memory_order_acquire)) {
    impl_->arm_timer();
    // Timeout -1: timers arrive through the timerfd, so an idle loop sleeps.
    int n = epoll_wait(impl_->epoll_fd.get(), events, kMaxEventsPerWait, -1);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      log_error("epoll_wait failed", {{"errno", std::to_string(errno)}});
      break;
    }
    for (int i = 0; i < n; ++i) {
      impl_->dispatch(events[i]);
    }
  }
  // Consume the request so a later run() works again; a stop() that raced
  // ahead of run() still makes that run() return at once.
  impl_->stop_requested.store(false, std::memory_order_release);
}

void EventLoop::stop() {
  impl_->stop_requested.store(true, std::memory_order_release);
  impl_->wake();
}

}  // namespace sigma::net
