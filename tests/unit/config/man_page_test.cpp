// Keeps man/sigma-agent.8 in step with the settings table: every setting's
// environment name and flag must be documented. Runs from the repository root.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "config/config.h"

namespace sigma::config {
namespace {

std::string read_man_page() {
  std::ifstream in("man/sigma-agent.8");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST_CASE("the man page documents every setting's environment name and flag") {
  const std::string page = read_man_page();
  REQUIRE_MESSAGE(!page.empty(), "man/sigma-agent.8 not found; run the tests from the repository root");
  for (const SettingInfo& s : all_settings()) {
    CAPTURE(s.env_name);
    // mdoc writes a long option as "Fl -name" (rendered --name).
    const std::string flag_macro = "Fl " + std::string(s.flag.substr(1));
    CHECK(page.find("Ev " + std::string(s.env_name)) != std::string::npos);
    CHECK(page.find(flag_macro) != std::string::npos);
  }
  for (const char* other : {"Fl -config", "Fl -check-config", "Fl -help", "Fl -version", "Fl -stdio"}) {
    CHECK(page.find(other) != std::string::npos);
  }
}

TEST_CASE("the man page's ENVIRONMENT section lists every setting's variable") {
  const std::string page = read_man_page();
  const size_t begin = page.find("\n.Sh ENVIRONMENT\n");
  const size_t end = page.find("\n.Sh ", begin + 1);
  REQUIRE(begin != std::string::npos);
  const std::string section = page.substr(begin, end - begin) + "\n";
  for (const SettingInfo& s : all_settings()) {
    CAPTURE(s.env_name);
    const std::string macro = "Ev " + std::string(s.env_name);
    // An item of the list: "Ev NAME ," or, for the last two, "Ev NAME" then
    // "and", and "Ev NAME ."
    const bool listed = section.find(macro + " ,\n") != std::string::npos ||
                        section.find(macro + "\nand\n") != std::string::npos ||
                        section.find(macro + " .\n") != std::string::npos;
    CHECK(listed);
  }
}

// The OPTIONS entry of a setting: from its ".It Fl -name " line to the next ".It".
std::string options_entry(const std::string& page, std::string_view flag) {
  const std::string head = ".It Fl " + std::string(flag.substr(1)) + " ";
  size_t begin = page.find(head);
  if (begin == std::string::npos) {
    return {};
  }
  size_t end = page.find("\n.It ", begin + head.size());
  return page.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

TEST_CASE("the man page states each setting's default in its OPTIONS entry") {
  const std::string page = read_man_page();
  REQUIRE(!page.empty());
  for (const SettingInfo& s : all_settings()) {
    CAPTURE(s.env_name);
    const std::string item = options_entry(page, s.flag);
    REQUIRE(!item.empty());
    CHECK(item.find("Ev " + std::string(s.env_name)) != std::string::npos);
    CHECK(item.find("Default:") != std::string::npos);
    if (s.unset_text.empty()) {
      CHECK(item.find(default_text(s.id)) != std::string::npos);
    }
  }
}

}  // namespace
}  // namespace sigma::config
