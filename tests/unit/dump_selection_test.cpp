// pg_dump's selection arguments: exact, quoted names of what pgshift planned, so pg_dump's own
// pattern rules (case folding, '?', '*', search-path visibility) never choose other tables.
#include <gtest/gtest.h>

#include "connectors/pg/schema_dump.hpp"

namespace pgshift::pg {
namespace {

const std::vector<QualifiedName> kAllTables = {
    {"app", "Mixed"}, {"app", "a"}, {"app", "b"}, {"other", "o"}, {"we\"ird", "t?*.x"}};
const std::vector<std::string> kAllSchemas = {"app", "other", "public", "we\"ird"};

TEST(DumpSelection, ExactPatternsQuoteEverything) {
  EXPECT_EQ(exact_dump_pattern("app", "Mixed"), "\"app\".\"Mixed\"");
  EXPECT_EQ(exact_dump_pattern("we\"ird", "t?*.x"), "\"we\"\"ird\".\"t?*.x\"");
  EXPECT_EQ(exact_dump_pattern("other"), "\"other\"");
}

TEST(DumpSelection, IncludedTablesAreListedOneByOne) {
  TableFilter filter;
  filter.include_tables = {"app.Mix*", "a"};
  auto args =
      dump_selection_args(filter, {{"app", "Mixed"}, {"app", "a"}}, kAllTables, kAllSchemas);
  EXPECT_EQ(args, (std::vector<std::string>{"--table=\"app\".\"Mixed\"", "--table=\"app\".\"a\""}));
}

TEST(DumpSelection, ExclusionsNameEverySchemaAndTableLeftOut) {
  TableFilter filter;
  filter.exclude_schemas = {"oth*"};
  filter.exclude_tables = {"app.b"};
  auto args = dump_selection_args(filter, {{"app", "Mixed"}, {"app", "a"}, {"we\"ird", "t?*.x"}},
                                  kAllTables, kAllSchemas);
  // other.o goes with its schema; app.b one by one.
  EXPECT_EQ(args, (std::vector<std::string>{"--exclude-schema=\"other\"",
                                            "--exclude-table=\"app\".\"b\""}));
}

TEST(DumpSelection, NoFilterSelectsEverything) {
  EXPECT_TRUE(dump_selection_args(TableFilter{}, kAllTables, kAllTables, kAllSchemas).empty());
}

}  // namespace
}  // namespace pgshift::pg
