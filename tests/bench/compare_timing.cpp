// Timing evidence for the bearer-token comparator (SPEC §4): how long
// sigma::auth::tokens_equal takes on a 32-byte secret when the presented token
// differs at the first byte, at the last byte, or not at all.
//
// Owns: the measurement only; it links the product's src/auth/token.cpp as is.
// Must not: decide anything for the product; it prints numbers and a verdict.
// Threading: single-threaded; pin it to one CPU (taskset) for steadier numbers.
//
// Method: `rounds` rounds; in each, every series is timed once over `calls`
// back-to-back calls with CLOCK_MONOTONIC, in an order shuffled per round (a
// seeded PRNG, the seed is printed) so that drift and position bias hit all
// series alike. Two series use identical inputs (equal_a, equal_b): their
// per-round difference is the noise floor. A control, std::string_view's
// early-exit comparator, is timed the same way to show the
// harness can see a first-vs-last difference of this size at all: a byte loop
// that returns at the first mismatch, the comparator SPEC §4 forbids. (glibc's
// memcmp is no such control: it compares 32 bytes in a few vector loads.)
//
// Output: one JSON object on stdout (see main).
//
// Usage: compare_timing [--rounds N] [--calls N] [--seed S]

#include <time.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "auth/token.h"

namespace {

constexpr size_t kSecretBytes = 32;
constexpr int kDefaultRounds = 200;
constexpr int kDefaultCalls = 100000;
constexpr uint64_t kDefaultSeed = 20251125;
// Three standard errors of the noise median: the bar a difference must clear
// to be called real rather than noise.
constexpr double kNoiseStandardErrors = 3.0;

enum class Comparator { kProduct, kEarlyExit };

struct Series {
  const char* name;
  Comparator comparator;
  std::string presented;
  std::vector<double> ns_per_call;
};

// Keeps the compiler from assuming anything about `p` across calls, so the
// call cannot be hoisted out of the timing loop.
inline void escape(const void* p) { asm volatile("" : : "g"(p) : "memory"); }

__attribute__((noinline)) bool early_exit_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i]) {
      return false;
    }
  }
  return true;
}

double now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

double time_series(const Series& s, const std::string& expected, int calls) {
  const std::string_view presented(s.presented);
  const std::string_view secret(expected);
  unsigned matches = 0;
  const double start = now_ns();
  for (int i = 0; i < calls; ++i) {
    escape(presented.data());
    escape(secret.data());
    const bool equal = s.comparator == Comparator::kProduct ? sigma::auth::tokens_equal(presented, secret)
                                                            : early_exit_equal(presented, secret);
    matches += equal ? 1U : 0U;
  }
  const double elapsed = now_ns() - start;
  escape(&matches);
  return elapsed / calls;
}

double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
}

double median(const std::vector<double>& v) { return quantile(v, 0.5); }

// Per-round relative difference (b - a) / a of two series.
std::vector<double> relative_diffs(const Series& a, const Series& b) {
  std::vector<double> d;
  d.reserve(a.ns_per_call.size());
  for (size_t i = 0; i < a.ns_per_call.size(); ++i) {
    d.push_back((b.ns_per_call[i] - a.ns_per_call[i]) / a.ns_per_call[i]);
  }
  return d;
}

bool parse_int_flag(int argc, char** argv, int& i, const char* flag, uint64_t& out) {
  if (std::strcmp(argv[i], flag) != 0 || i + 1 >= argc) {
    return false;
  }
  const char* text = argv[++i];
  const char* end = text + std::strlen(text);
  auto [ptr, ec] = std::from_chars(text, end, out);
  return ec == std::errc() && ptr == end && out > 0;
}

void print_comparison(const char* name, const Series& a, const Series& b, double threshold, bool last) {
  const std::vector<double> d = relative_diffs(a, b);
  const double med = median(d);
  std::printf("    \"%s\": {\"a\": \"%s\", \"b\": \"%s\", \"median_relative_diff\": %.6f, "
              "\"p25\": %.6f, \"p75\": %.6f, \"exceeds_noise\": %s}%s\n",
              name, a.name, b.name, med, quantile(d, 0.25), quantile(d, 0.75),
              std::fabs(med) > threshold ? "true" : "false", last ? "" : ",");
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t rounds = kDefaultRounds;
  uint64_t calls = kDefaultCalls;
  uint64_t seed = kDefaultSeed;
  for (int i = 1; i < argc; ++i) {
    if (!parse_int_flag(argc, argv, i, "--rounds", rounds) && !parse_int_flag(argc, argv, i, "--calls", calls) &&
        !parse_int_flag(argc, argv, i, "--seed", seed)) {
      std::fprintf(stderr, "usage: %s [--rounds N] [--calls N] [--seed S]\n", argv[0]);
      return 2;
    }
  }

  std::mt19937_64 rng(seed);
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
  std::string secret(kSecretBytes, '\0');
  for (char& c : secret) {
    c = kAlphabet[rng() % (sizeof(kAlphabet) - 1)];
  }
  auto flip = [&](size_t index) {
    std::string s = secret;
    s[index] = s[index] == 'A' ? 'B' : 'A';
    return s;
  };

  // Each presented token is its own copy: no series may share the secret's buffer.
  std::array<Series, 6> series{{
      {"equal_a", Comparator::kProduct, std::string(secret.data(), secret.size()), {}},
      {"equal_b", Comparator::kProduct, std::string(secret.data(), secret.size()), {}},
      {"differ_first", Comparator::kProduct, flip(0), {}},
      {"differ_last", Comparator::kProduct, flip(kSecretBytes - 1), {}},
      {"early_exit_differ_first", Comparator::kEarlyExit, flip(0), {}},
      {"early_exit_differ_last", Comparator::kEarlyExit, flip(kSecretBytes - 1), {}},
  }};
  // Sanity: the product comparator must give the right answers before it is timed.
  if (!sigma::auth::tokens_equal(series[0].presented, secret) ||
      sigma::auth::tokens_equal(series[2].presented, secret) ||
      sigma::auth::tokens_equal(series[3].presented, secret)) {
    std::fprintf(stderr, "compare_timing: tokens_equal gave a wrong answer\n");
    return 1;
  }

  std::array<size_t, series.size()> order{};
  for (size_t i = 0; i < order.size(); ++i) {
    order[i] = i;
  }
  // One untimed pass warms caches and the branch predictor.
  for (Series& s : series) {
    (void)time_series(s, secret, static_cast<int>(calls));
  }
  for (uint64_t r = 0; r < rounds; ++r) {
    std::shuffle(order.begin(), order.end(), rng);
    for (size_t index : order) {
      series[index].ns_per_call.push_back(time_series(series[index], secret, static_cast<int>(calls)));
    }
  }

  // The noise floor: identical inputs, paired per round.
  const std::vector<double> noise = relative_diffs(series[0], series[1]);
  const double noise_sigma = (quantile(noise, 0.75) - quantile(noise, 0.25)) / 1.349;
  const double noise_median_se = 1.2533 * noise_sigma / std::sqrt(static_cast<double>(rounds));
  const double threshold = std::max(std::fabs(median(noise)), kNoiseStandardErrors * noise_median_se);

  std::printf("{\n  \"secret_bytes\": %zu, \"rounds\": %llu, \"calls_per_round\": %llu, \"seed\": %llu,\n",
              kSecretBytes, static_cast<unsigned long long>(rounds), static_cast<unsigned long long>(calls),
              static_cast<unsigned long long>(seed));
  std::printf("  \"median_ns_per_call\": {");
  for (size_t i = 0; i < series.size(); ++i) {
    std::printf("\"%s\": %.4f%s", series[i].name, median(series[i].ns_per_call), i + 1 < series.size() ? ", " : "");
  }
  std::printf("},\n");
  std::printf("  \"noise\": {\"median_relative_diff\": %.6f, \"p25\": %.6f, \"p75\": %.6f, "
              "\"median_standard_error\": %.6f, \"threshold\": %.6f},\n",
              median(noise), quantile(noise, 0.25), quantile(noise, 0.75), noise_median_se, threshold);
  std::printf("  \"comparisons\": {\n");
  print_comparison("first_vs_last", series[2], series[3], threshold, false);
  print_comparison("equal_vs_first", series[0], series[2], threshold, false);
  print_comparison("equal_vs_last", series[0], series[3], threshold, false);
  print_comparison("control_early_exit_first_vs_last", series[4], series[5], threshold, true);
  std::printf("  }\n}\n");
  return 0;
}
