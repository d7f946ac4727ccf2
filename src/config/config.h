// Configuration: the daemon's settings, where each value came from, and the
// operator commands on the command line. This header gathers the module's
// three parts:
//
//   config/settings.h       the settings table, the defaults and Config
//   config/load.h           argv, environment and file loaders, layering, validation
//   config/operator_text.h  --help, --version, --check-config's listing, suggestions
//
// Owns: nothing of its own. Must not: grow declarations; add them to the part
// whose job they are.
// Threading: see the parts.
#pragma once

#include "config/load.h"
#include "config/operator_text.h"
#include "config/settings.h"
