// Guard-page buffers for parser tests: input is copied so that its last byte
// is the last readable byte of a mapping whose next page is PROT_NONE, so a
// parser that reads even one byte past the end of its view faults (and ASan is
// not needed to notice).
//
// Owns the mapping and unmaps it in the destructor; views returned by place()
// and view() die with it and are overwritten by the next place(). Not
// thread-safe: one test uses one buffer at a time.
#pragma once

#include <doctest/doctest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <string_view>

namespace sigma::test {

class GuardPage final {
 public:
  // One readable page followed by the guard page.
  GuardPage() : GuardPage(size_t{1}) {}

  // Enough readable pages for `capacity_bytes` (at least one), followed by
  // the guard page.
  explicit GuardPage(size_t capacity_bytes) {
    page_bytes_ = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    const size_t pages = capacity_bytes == 0 ? 1 : (capacity_bytes + page_bytes_ - 1) / page_bytes_;
    capacity_bytes_ = pages * page_bytes_;
    void* mem =
        mmap(nullptr, capacity_bytes_ + page_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(mem != MAP_FAILED);
    base_ = static_cast<char*>(mem);
    REQUIRE(mprotect(base_ + capacity_bytes_, page_bytes_, PROT_NONE) == 0);
  }

  // Sized for `text` and holding it: view() ends at the guard page.
  explicit GuardPage(std::string_view text) : GuardPage(text.size()) { place(text); }

  ~GuardPage() { munmap(base_, capacity_bytes_ + page_bytes_); }
  GuardPage(const GuardPage&) = delete;
  GuardPage& operator=(const GuardPage&) = delete;

  // Copies `bytes` so that they end exactly at the guard page and returns a
  // view of the copy (also kept as view()).
  // REQUIRES: bytes.size() <= capacity_bytes()
  std::string_view place(std::string_view bytes) {
    REQUIRE(bytes.size() <= capacity_bytes_);
    char* start = base_ + capacity_bytes_ - bytes.size();
    if (!bytes.empty()) {
      std::memcpy(start, bytes.data(), bytes.size());
    }
    view_ = std::string_view(start, bytes.size());
    return view_;
  }

  // The bytes placed last (empty before any place()).
  std::string_view view() const { return view_; }

  size_t capacity_bytes() const { return capacity_bytes_; }

 private:
  size_t page_bytes_ = 0;
  size_t capacity_bytes_ = 0;
  char* base_ = nullptr;
  std::string_view view_;
};

}  // namespace sigma::test
