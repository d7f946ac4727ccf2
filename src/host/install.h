// How this copy of the agent was installed: the path of the running binary
// and the dpkg package, if any, whose file list names it.
//
// Owns: readlink of the process's own executable link and the search of
// dpkg's per-package file lists (<info dir>/*.list, one installed path per
// line) for that path.
// Must not: run dpkg or any other program, write anything, or cache (a
// package may be installed or removed while the agent runs).
// Threading: pure functions apart from the reads; safe from any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace sigma::host {

// dpkg's database of installed files (dpkg(1), FILES).
inline constexpr std::string_view kDpkgInfoDir = "/var/lib/dpkg/info";
// The largest .list read; the biggest packages (kernel modules) list a few
// MiB of paths. A larger file is an error, not silently skipped.
inline constexpr size_t kMaxDpkgListBytes = 16 << 20;
// Past this many .list files the search gives up with an error rather than
// run for ever on a hostile directory.
inline constexpr size_t kMaxDpkgLists = 100000;
// What the kernel appends to /proc/self/exe once the file was unlinked or
// replaced (proc(5)).
inline constexpr std::string_view kDeletedSuffix = " (deleted)";

// The target of `link` ("/proc/self/exe"): an absolute path, possibly ending
// in kDeletedSuffix when the binary was replaced on disk after it started.
// Failure: "/proc/self/exe: <strerror>", or a message when the target is not
// an absolute path.
Result<std::string> read_executable_path(const std::string& link = "/proc/self/exe");

// The package whose "<info_dir>/<package>[:<arch>].list" has a line equal to
// `path`, or to its other spelling under a merged /usr ("/usr/sbin/x" and
// "/sbin/x"). Lists whose name starts with `preferred` are read first (our
// own package usually owns the binary), then the others in name order.
// Success: the package name without ":arch", or nullopt when no list names
// the path or `info_dir` does not exist (no dpkg on this host).
// Failure: a list or the directory that cannot be read, or the limits above.
// REQUIRES: `path` is absolute.
Result<std::optional<std::string>> find_dpkg_package(const std::string& info_dir, const std::string& path,
                                                     std::string_view preferred = "sigma-agent");

}  // namespace sigma::host
