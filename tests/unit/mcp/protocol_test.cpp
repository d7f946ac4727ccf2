// Tests for the revision list and its per-revision predicates.
#include <doctest/doctest.h>

#include <string>

#include "mcp/protocol.h"

namespace sigma::mcp {
namespace {

TEST_CASE("every supported revision name parses back to its revision") {
  for (Revision revision : kSupportedRevisions) {
    CAPTURE(std::string(revision_name(revision)));
    REQUIRE(parse_revision(revision_name(revision)).has_value());
    CHECK(*parse_revision(revision_name(revision)) == revision);
  }
  CHECK(revision_name(Revision::k2024_11_05) == "2024-11-05");
  CHECK(revision_name(Revision::k2025_03_26) == "2025-03-26");
  CHECK(revision_name(Revision::k2025_06_18) == "2025-06-18");
  CHECK(revision_name(Revision::k2025_11_25) == "2025-11-25");
  CHECK(revision_name(Revision::k2026_07_28) == "2026-07-28");
}

TEST_CASE("revisions this release does not serve do not parse") {
  const char* cases[] = {"2026-07-29", "2026-07-28 ", "", "2025-06-18 ", " 2025-06-18", "2025-6-18", "2025-06-19", "garbage",
                         "2024-11-05\n", "DRAFT-2026-v1"};
  for (const char* text : cases) {
    CAPTURE(std::string(text));
    CHECK_FALSE(parse_revision(text).has_value());
  }
}

TEST_CASE("revisions compare in chronological order") {
  CHECK(compare_revisions(Revision::k2024_11_05, Revision::k2025_03_26) < 0);
  CHECK(compare_revisions(Revision::k2025_11_25, Revision::k2025_06_18) > 0);
  CHECK(compare_revisions(Revision::k2025_06_18, Revision::k2025_06_18) == 0);
  CHECK(at_least(Revision::k2025_06_18, Revision::k2025_06_18));
  CHECK(at_least(Revision::k2025_11_25, Revision::k2024_11_05));
  CHECK_FALSE(at_least(Revision::k2025_03_26, Revision::k2025_06_18));
  CHECK(kLatestRevision == Revision::k2025_11_25);
  CHECK(kNewestRevision == Revision::k2026_07_28);
  CHECK(kRevisionWithoutHeader == Revision::k2025_03_26);
}

TEST_CASE("the per-revision predicates switch at the revision the spec changed") {
  struct Row {
    Revision revision;
    bool batches, annotations, titles, structured, description, omit_id, arg_tool_error, stateless, any_structured;
  };
  const Row rows[] = {
      {Revision::k2024_11_05, true, false, false, false, false, false, false, false, false},
      {Revision::k2025_03_26, true, true, false, false, false, false, false, false, false},
      {Revision::k2025_06_18, false, true, true, true, false, false, false, false, false},
      {Revision::k2025_11_25, false, true, true, true, true, true, true, false, false},
      {Revision::k2026_07_28, false, true, true, true, true, true, true, true, true},
  };
  for (const Row& row : rows) {
    SUBCASE(std::string(revision_name(row.revision)).c_str()) {
      CHECK(allows_batches(row.revision) == row.batches);
      CHECK(has_tool_annotations(row.revision) == row.annotations);
      CHECK(has_titles(row.revision) == row.titles);
      CHECK(has_structured_content(row.revision) == row.structured);
      CHECK(has_server_description(row.revision) == row.description);
      CHECK(omits_unreadable_error_id(row.revision) == row.omit_id);
      CHECK(reports_invalid_arguments_as_tool_error(row.revision) == row.arg_tool_error);
      CHECK(is_stateless(row.revision) == row.stateless);
      CHECK(allows_any_structured_content(row.revision) == row.any_structured);
    }
  }
}

}  // namespace
}  // namespace sigma::mcp
