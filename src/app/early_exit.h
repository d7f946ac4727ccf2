// What the process answers before it starts anything: the loader's errors,
// --help and --version.
//
// Owns: printing them and the exit status that goes with them.
// Must not: log (the log level is not set yet) or start anything.
// Threading: main thread, first thing.
#pragma once

#include <optional>

#include "config/load.h"

namespace sigma::app {

// The loader's errors on stderr (with a pointer to --help after a usage
// error), or the help or version text on stdout; the exit status then. None
// when the command goes on (run, --stdio, --check-config, call).
std::optional<int> answer_before_start(const config::LoadResult& loaded);

}  // namespace sigma::app
