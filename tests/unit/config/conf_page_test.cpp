// Keeps the settings file's two descriptions in step with the settings table:
// man/sigma-agent.conf.5 (every setting with its default) and
// packaging/sigma-agent.default, the file the package installs as
// /etc/default/sigma-agent (every setting present, commented out, at its
// default, and nothing else assigned). Each failure names the setting, the
// file and the line it expects. Runs from the repository root.
#include <doctest/doctest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "base/strings.h"
#include "config/config.h"

namespace sigma::config {
namespace {

// std::string, not const char*: doctest would print a pointer's address.
const std::string kConfPage = "man/sigma-agent.conf.5";
const std::string kDefaultFile = "packaging/sigma-agent.default";

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  for (std::string_view line : split(text, '\n')) {
    out.emplace_back(line);
  }
  return out;
}

// The SETTINGS entry of a setting: from its ".It Ev NAME" line to the next ".It".
std::string settings_entry(const std::string& page, std::string_view env_name) {
  const std::string head = ".It Ev " + std::string(env_name) + " ";
  size_t begin = page.find(head);
  if (begin == std::string::npos) {
    return {};
  }
  size_t end = page.find("\n.It ", begin + head.size());
  return page.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

// The line the default file must hold for a setting: "#NAME=default", or
// "#NAME=" when the default is "no value" (an empty value would be an error).
std::string expected_default_line(const SettingInfo& s) {
  std::string line = "#" + std::string(s.env_name) + "=";
  if (s.unset_text.empty()) {
    line += default_text(s.id);
  }
  return line;
}

TEST_CASE("sigma-agent.conf(5) documents every setting with its default") {
  const std::string page = read_text(kConfPage);
  REQUIRE_MESSAGE(!page.empty(), kConfPage << " not found; run the tests from the repository root");
  for (const SettingInfo& s : all_settings()) {
    const std::string item = settings_entry(page, s.env_name);
    CHECK_MESSAGE(!item.empty(), kConfPage << " has no SETTINGS entry \".It Ev " << s.env_name << " Ns = Ns Ar "
                                           << std::string(s.value_name.empty() ? "boolean" : "value") << "\"");
    if (item.empty()) {
      continue;
    }
    CHECK_MESSAGE(item.find("Default:") != std::string::npos,
                  kConfPage << ": the entry of " << s.env_name << " does not state \"Default:\"");
    if (s.unset_text.empty()) {
      CHECK_MESSAGE(item.find("Default: " + default_text(s.id)) != std::string::npos,
                    kConfPage << ": the entry of " << s.env_name << " does not say \"Default: "
                              << default_text(s.id) << "\"");
    }
  }
}

TEST_CASE("the packaged default file lists every setting commented out at its default") {
  const std::string text = read_text(kDefaultFile);
  REQUIRE_MESSAGE(!text.empty(), kDefaultFile << " not found; run the tests from the repository root");
  const std::vector<std::string> lines = lines_of(text);
  const std::set<std::string> present(lines.begin(), lines.end());
  for (const SettingInfo& s : all_settings()) {
    const std::string want = expected_default_line(s);
    CHECK_MESSAGE(present.count(want) == 1,
                  kDefaultFile << " has no line \"" << want << "\" for " << s.env_name << " (default "
                               << default_text(s.id) << ")");
  }
}

TEST_CASE("the packaged default file assigns nothing and names no unknown setting") {
  const std::string text = read_text(kDefaultFile);
  REQUIRE(!text.empty());
  size_t line_no = 0;
  for (const std::string& line : lines_of(text)) {
    ++line_no;
    CAPTURE(line_no);
    std::string_view t = trim_space(line);
    if (t.empty()) {
      continue;
    }
    // Everything is a comment: a fresh install runs on the built-in defaults,
    // MCP on loopback, whatever this file's values say.
    CHECK_MESSAGE(t.front() == '#', kDefaultFile << ":" << line_no << " is not a comment: \"" << line << "\"");
    // A commented assignment names a setting of the table ("#AGENT_X=...");
    // one that no longer exists would mislead the operator who uncomments it.
    if (t.size() > 1 && t[1] != ' ' && t[1] != '#') {
      size_t eq = t.find('=');
      REQUIRE_MESSAGE(eq != std::string_view::npos,
                      kDefaultFile << ":" << line_no << ": expected \"#NAME=value\" or \"# text\"");
      std::string_view name = t.substr(1, eq - 1);
      CHECK_MESSAGE(find_setting_by_env(name) != nullptr,
                    kDefaultFile << ":" << line_no << ": " << name << " is not a setting");
    }
  }
}

TEST_CASE("the packaged default file, uncommented, loads to the defaults") {
  // Every "#NAME=value" line made live must be accepted by the loader and
  // change nothing: the commented values are the defaults, not examples.
  const std::string text = read_text(kDefaultFile);
  REQUIRE(!text.empty());
  std::string live;
  for (const std::string& line : lines_of(text)) {
    if (line.size() > 1 && line[0] == '#' && line[1] != ' ' && line[1] != '#' &&
        line.find('=') != std::string::npos && line.back() != '=') {
      live += line.substr(1) + "\n";
    }
  }
  Environment env;
  env.getenv = [](const std::string&) { return std::optional<std::string>(); };
  env.read_file = [&live](const std::string&) -> Result<std::string> { return live; };
  env.file_exists = [](const std::string&) { return true; };
  env.names = [] { return std::vector<std::string>(); };
  LoadResult r = load({"--config", "sigma-agent.default"}, env);
  for (const std::string& e : r.errors) {
    CAPTURE(e);
  }
  REQUIRE_MESSAGE(r.errors.empty(), kDefaultFile << " uncommented does not load: "
                                                 << (r.errors.empty() ? "" : r.errors.front()));
  const Config defaults;
  for (const SettingInfo& s : all_settings()) {
    CHECK_MESSAGE(render_value(r.config, s.id) == render_value(defaults, s.id),
                  kDefaultFile << ": #" << s.env_name << "=" << render_value(r.config, s.id)
                               << " is not the default " << default_text(s.id));
  }
}

}  // namespace
}  // namespace sigma::config
