// The release manifest's checks, version order, and the update commands.
#include "tools/release_manifest.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace sigma::tools {
namespace {

const std::string kSha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

std::string manifest(const std::string& version = "\"1.2.3\"", const std::string& url = "\"http://r.example/sigma-agent\"",
                     const std::string& sha = "\"" + kSha + "\"", const std::string& published = "\"2026-11-30T12:00:00Z\"",
                     const std::string& extra = "") {
  return "{\"version\":" + version + ",\"published_at\":" + published + ",\"url\":" + url + ",\"sha256\":" + sha +
         extra + "}";
}

int order(const char* a, const char* b) {
  std::optional<Version> va = parse_version(a);
  std::optional<Version> vb = parse_version(b);
  REQUIRE_MESSAGE(va, a);
  REQUIRE_MESSAGE(vb, b);
  const int r = compare_versions(*va, *vb);
  return r < 0 ? -1 : (r > 0 ? 1 : 0);
}

TEST_CASE("versions compare by number, not as strings, and a pre-release sorts before its release") {
  struct Case {
    const char* a;
    const char* b;
    int expected;  // sign of compare(a, b)
  };
  const Case cases[] = {
      {"0.10.0", "0.9.1", 1},       // string order would say the opposite
      {"0.9.1", "0.10.0", -1},
      {"1.0.0", "1.0.0", 0},
      {"2.0.0", "10.0.0", -1},
      {"1.2.10", "1.2.9", 1},
      {"1.10.0", "1.9.9", 1},
      {"1.0.0-rc1", "1.0.0", -1},
      {"1.0.0", "1.0.0-rc1", 1},
      {"1.0.0-rc.1", "1.0.0-rc.2", -1},
      {"1.0.0-rc.2", "1.0.0-rc.10", -1},  // numeric identifiers compare as numbers
      {"1.0.0-alpha", "1.0.0-alpha.1", -1},  // SemVer §11 example chain
      {"1.0.0-alpha.1", "1.0.0-alpha.beta", -1},
      {"1.0.0-alpha.beta", "1.0.0-beta", -1},
      {"1.0.0-beta", "1.0.0-beta.2", -1},
      {"1.0.0-beta.2", "1.0.0-beta.11", -1},
      {"1.0.0-beta.11", "1.0.0-rc.1", -1},
      {"1.0.0-rc.1", "1.0.0", -1},
      {"1.0.0-1", "1.0.0-a", -1},   // numbers before words
      {"0.9.9", "1.0.0-rc1", -1},   // a pre-release of a later version is newer
      {"999999999.0.0", "1.0.0", 1},
  };
  for (const Case& c : cases) {
    CAPTURE(c.a);
    CAPTURE(c.b);
    CHECK(order(c.a, c.b) == c.expected);
  }
  CHECK(parse_version("1.0.0-rc1")->is_prerelease());
  CHECK_FALSE(parse_version("1.0.0")->is_prerelease());
}

TEST_CASE("only strict MAJOR.MINOR.PATCH[-PRERELEASE] is a version") {
  for (const char* bad : {"", "1", "1.2", "1.2.3.4", "v1.2.3", "01.2.3", "1.02.3", "1.2.03", "1.2.3-", "1.2.3-rc..1",
                          "1.2.3-01", "1.2.3+build", "1.2.3-rc_1", " 1.2.3", "1.2.3 ", "1.2.x", "-1.2.3",
                          "1000000000.0.0", "1.2.3-rc;rm", "1.2.3\n", "١.2.3"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_version(bad));
  }
  CHECK_FALSE(parse_version("1.2.3-" + std::string(60, 'a')));  // over kMaxVersionBytes
  for (const char* good : {"0.0.0", "1.2.3", "10.20.30", "1.0.0-0", "1.0.0-rc.1", "1.0.0-x-y.7", "1.0.0-0a"}) {
    CAPTURE(good);
    CHECK(parse_version(good));
  }
}

TEST_CASE("a good manifest is read, sha256 lower-cased, unknown members ignored") {
  std::string upper = kSha;
  for (char& c : upper) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  Result<ReleaseManifest> m =
      parse_release_manifest(manifest("\"1.2.3-rc.1\"", "\"https://r.example/v1.2.3/sigma-agent_linux-amd64\"",
                                      "\"" + upper + "\"", "\"2026-11-30T12:00:00.123+01:00\"",
                                      ",\"notes\":\"Fixes.\",\"channel\":\"beta\",\"size\":123"));
  REQUIRE_MESSAGE(m.is_ok(), m.error());
  CHECK(m->version == "1.2.3-rc.1");
  CHECK(m->parsed.minor == 2);
  CHECK(m->url == "https://r.example/v1.2.3/sigma-agent_linux-amd64");
  CHECK(m->sha256 == kSha);
  CHECK(m->published_at == "2026-11-30T12:00:00.123+01:00");
  CHECK(m->notes == std::optional<std::string>("Fixes."));
  CHECK_FALSE(m->notes_truncated);
  Result<ReleaseManifest> no_notes = parse_release_manifest(manifest("\"1.2.3\"", "\"http://r/x\"", "\"" + kSha + "\"",
                                                                     "\"2026-11-30T12:00:00Z\"", ",\"notes\":null"));
  REQUIRE(no_notes.is_ok());
  CHECK_FALSE(no_notes->notes);
}

TEST_CASE("hostile or malformed manifests are refused with a reason naming the member") {
  struct Case {
    std::string name;
    std::string body;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {"not JSON", "{version: 1}", "not JSON"},
      {"an array", "[1,2]", "not a JSON object"},
      {"empty", "", "not JSON"},
      {"version missing", "{\"published_at\":\"2026-11-30T12:00:00Z\"}", "\"version\" is missing"},
      {"version a number", manifest("1.2"), "\"version\" must be a string"},
      {"version with v", manifest("\"v1.2.3\""), "\"version\" must be MAJOR.MINOR.PATCH"},
      {"version with a command", manifest("\"1.2.3-$(reboot)\""), "\"version\" must be MAJOR.MINOR.PATCH"},
      {"published_at missing", "{\"version\":\"1.2.3\"}", "\"published_at\" is missing"},
      {"published_at a number", manifest("\"1.2.3\"", "\"http://r/x\"", "\"" + kSha + "\"", "1700000000"),
       "\"published_at\" must be a string"},
      {"published_at a date only", manifest("\"1.2.3\"", "\"http://r/x\"", "\"" + kSha + "\"", "\"2026-11-30\""),
       "\"published_at\" must be an RFC 3339 date-time"},
      {"published_at without offset",
       manifest("\"1.2.3\"", "\"http://r/x\"", "\"" + kSha + "\"", "\"2026-11-30T12:00:00\""), "RFC 3339"},
      {"published_at month 13", manifest("\"1.2.3\"", "\"http://r/x\"", "\"" + kSha + "\"", "\"2026-13-30T12:00:00Z\""),
       "RFC 3339"},
      {"url missing", "{\"version\":\"1.2.3\",\"published_at\":\"2026-11-30T12:00:00Z\"}", "\"url\" is missing"},
      {"url an object", manifest("\"1.2.3\"", "{}"), "\"url\" must be a string"},
      {"url with a quote", manifest("\"1.2.3\"", "\"http://r/x';reboot;'\""), "\"url\" must be an http:// or https://"},
      {"url with $()", manifest("\"1.2.3\"", "\"http://r/$(reboot)\""), "no shell metacharacters"},
      {"url with backticks", manifest("\"1.2.3\"", "\"http://r/`id`\""), "no shell metacharacters"},
      {"url with a space", manifest("\"1.2.3\"", "\"http://r/a b\""), "no shell metacharacters"},
      {"url with a newline", manifest("\"1.2.3\"", "\"http://r/a\\nreboot\""), "no shell metacharacters"},
      {"url with a query", manifest("\"1.2.3\"", "\"http://r/a?x=1&y=2\""), "no query"},
      {"url with a semicolon", manifest("\"1.2.3\"", "\"http://r/a;reboot\""), "no shell metacharacters"},
      {"url with a pipe", manifest("\"1.2.3\"", "\"http://r/a|sh\""), "no shell metacharacters"},
      {"url with user info", manifest("\"1.2.3\"", "\"http://u@r/a\""), "no shell metacharacters"},
      {"url ftp", manifest("\"1.2.3\"", "\"ftp://r/a\""), "http:// or https://"},
      {"url file", manifest("\"1.2.3\"", "\"file:///etc/passwd\""), "http:// or https://"},
      {"url without host", manifest("\"1.2.3\"", "\"http:///a\""), "http:// or https://"},
      {"url an option", manifest("\"1.2.3\"", "\"-o/etc/passwd\""), "http:// or https://"},
      {"url too long", manifest("\"1.2.3\"", "\"http://r/" + std::string(3000, 'a') + "\""), "\"url\" is longer than"},
      {"sha256 short", manifest("\"1.2.3\"", "\"http://r/x\"", "\"abc\""), "\"sha256\" must be 64 hexadecimal digits"},
      {"sha256 not hex", manifest("\"1.2.3\"", "\"http://r/x\"", "\"" + std::string(64, 'g') + "\""),
       "\"sha256\" must be 64 hexadecimal digits"},
      {"sha256 long", manifest("\"1.2.3\"", "\"http://r/x\"", "\"" + kSha + "0\""), "\"sha256\" is longer than 64"},
      {"sha256 with a quote", manifest("\"1.2.3\"", "\"http://r/x\"", "\"" + kSha.substr(0, 63) + "'\""),
       "\"sha256\" must be 64 hexadecimal digits"},
      {"sha256 a number", manifest("\"1.2.3\"", "\"http://r/x\"", "12"), "\"sha256\" must be a string"},
      {"notes a number", manifest("\"1.2.3\"", "\"http://r/x\"", "\"" + kSha + "\"", "\"2026-11-30T12:00:00Z\"",
                                  ",\"notes\":5"),
       "\"notes\" must be a string or null"},
      {"over 64 KiB", manifest("\"1.2.3\"", "\"http://r/x\"", "\"" + kSha + "\"", "\"2026-11-30T12:00:00Z\"",
                               ",\"pad\":\"" + std::string(kMaxManifestBytes, 'x') + "\""),
       "larger than 65536 bytes"},
  };
  for (const Case& c : cases) {
    SUBCASE(c.name.c_str()) {
      Result<ReleaseManifest> m = parse_release_manifest(c.body);
      REQUIRE_FALSE(m.is_ok());
      CHECK_MESSAGE(m.error().find(c.reason) != std::string::npos, m.error());
    }
  }
}

TEST_CASE("huge release notes are cut at a UTF-8 boundary and marked") {
  std::string notes;
  while (notes.size() < kMaxReleaseNotesBytes + 100) {
    notes += "\xC3\xA9";  // é: two bytes, so a cut could land inside one
  }
  notes = "a" + notes;  // odd offset: the byte limit falls in the middle of a character
  Result<ReleaseManifest> m = parse_release_manifest(
      manifest("\"1.2.3\"", "\"http://r/x\"", "\"" + kSha + "\"", "\"2026-11-30T12:00:00Z\"", ",\"notes\":\"" + notes + "\""));
  REQUIRE(m.is_ok());
  REQUIRE(m->notes);
  CHECK(m->notes_truncated);
  CHECK(m->notes->size() <= kMaxReleaseNotesBytes);
  CHECK(m->notes->size() == kMaxReleaseNotesBytes - 1);
  CHECK(static_cast<unsigned char>(m->notes->back()) == 0xA9);  // ends on a whole character
}

TEST_CASE("shell quoting survives single quotes") {
  CHECK(shell_quote("abc") == "'abc'");
  CHECK(shell_quote("a'b") == "'a'\\''b'");
  CHECK(shell_quote("") == "''");
}

TEST_CASE("the deb command upgrades the owning package only") {
  CHECK(deb_update_command("sigma-agent") == "apt-get update && apt-get install --only-upgrade sigma-agent");
  CHECK(is_debian_package_name("sigma-agent"));
  CHECK(is_debian_package_name("libc6"));
  CHECK(is_debian_package_name("g++"));
  for (const char* bad : {"", "a", "Sigma", "-x", "a b", "a;b", "a$b", "sigma-agent:amd64"}) {
    CAPTURE(bad);
    CHECK_FALSE(is_debian_package_name(bad));
  }
}

TEST_CASE("the static command downloads beside the binary, verifies, renames, restarts") {
  Result<ReleaseManifest> m = parse_release_manifest(manifest("\"1.2.3\"", "\"https://r.example/sigma-agent-1.2.3\""));
  REQUIRE(m.is_ok());
  const std::string cmd = static_update_command(*m, "/usr/local/sbin/sigma-agent");
  CHECK(cmd ==
        "sigma_new=$(mktemp '/usr/local/sbin/.sigma-agent.XXXXXX') && curl -fsSL -o \"$sigma_new\" "
        "'https://r.example/sigma-agent-1.2.3' && echo '" + kSha +
            "  '\"$sigma_new\" | sha256sum -c - && chmod 0755 \"$sigma_new\" && mv -f \"$sigma_new\" "
            "'/usr/local/sbin/sigma-agent' && systemctl restart sigma-agent || { rm -f \"$sigma_new\"; false; }");
  CHECK(static_update_command(*m, "/sigma-agent").find("mktemp '/.sigma-agent.XXXXXX'") != std::string::npos);
  CHECK(is_plain_path("/usr/sbin/sigma-agent"));
  for (const char* bad : {"", "relative/x", "/a b", "/a'b", "/a$b", "/a\nb", "/a\\b", "/a*b"}) {
    CAPTURE(bad);
    CHECK_FALSE(is_plain_path(bad));
  }
}

}  // namespace
}  // namespace sigma::tools
