// A process environment and filesystem held in maps, for the config tests,
// plus small helpers for checking messages.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace sigma::config::test {

struct Fake {
  std::map<std::string, std::string> env;
  std::map<std::string, std::string> files;
  // Every path read_file was asked for, in order.
  mutable std::vector<std::string> reads;

  Environment environment() const {
    Environment e;
    e.getenv = [this](const std::string& name) -> std::optional<std::string> {
      auto it = env.find(name);
      if (it == env.end()) {
        return std::nullopt;
      }
      return it->second;
    };
    e.read_file = [this](const std::string& path) -> Result<std::string> {
      reads.push_back(path);
      auto it = files.find(path);
      if (it == files.end()) {
        return Status::error(path + ": No such file or directory");
      }
      return it->second;
    };
    e.file_exists = [this](const std::string& path) { return files.count(path) != 0; };
    e.names = [this] {
      std::vector<std::string> names;
      for (const auto& [name, value] : env) {
        names.push_back(name);
      }
      return names;
    };
    return e;
  }

  LoadResult load(const std::vector<std::string>& args) const { return config::load(args, environment()); }
};

inline bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

inline std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) {
    out += l;
    out += '\n';
  }
  return out;
}

inline const std::string kDefaultFile(kDefaultConfigPath);

}  // namespace sigma::config::test
