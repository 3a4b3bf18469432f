// The row-level-security blocker: names every table whose policies would hide rows from the
// source user, and the two ways out.
#include <gtest/gtest.h>

#include "engine/assess/checks.hpp"

namespace pgshift::assess {
namespace {

TEST(RowSecurityCheck, NamesTheTablesAndTheFix) {
  std::vector<TableFacts> tables(3);
  tables[0].schema = "public", tables[0].name = "notes", tables[0].row_security_applies = true;
  tables[1].schema = "public", tables[1].name = "open";
  tables[2].schema = "app", tables[2].name = "secrets", tables[2].row_security_applies = true;
  auto finding = check_row_security("source", "reader", tables);
  ASSERT_TRUE(finding.has_value());
  EXPECT_EQ(finding->severity, Severity::kBlocker);
  EXPECT_EQ(finding->code, "source_row_security");
  EXPECT_NE(finding->message.find("2 tables"), std::string::npos) << finding->message;
  EXPECT_NE(finding->message.find("source user reader"), std::string::npos) << finding->message;
  EXPECT_NE(finding->message.find("public.notes"), std::string::npos) << finding->message;
  EXPECT_NE(finding->message.find("app.secrets"), std::string::npos) << finding->message;
  EXPECT_EQ(finding->message.find("public.open"), std::string::npos) << finding->message;
  EXPECT_NE(finding->fix.find("ALTER ROLE reader BYPASSRLS"), std::string::npos) << finding->fix;
}

TEST(RowSecurityCheck, NothingWhenNoPolicyApplies) {
  std::vector<TableFacts> tables(1);
  tables[0].schema = "public", tables[0].name = "open";
  EXPECT_FALSE(check_row_security("source", "reader", tables).has_value());
}

}  // namespace
}  // namespace pgshift::assess
