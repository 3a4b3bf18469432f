// The blockers and warnings of `pgshift plan` (shared with migrate's refusals), judged from facts
// built by hand: versions, an empty target, extensions, privileges, binary I/O, poolers.
#include "engine/assess/checks.hpp"

#include <gtest/gtest.h>

namespace pgshift::assess {
namespace {

bool has_code(const std::vector<Finding>& findings, const std::string& code) {
  for (const auto& finding : findings) {
    if (finding.code == code) return true;
  }
  return false;
}

TEST(AssessChecks, TargetOlderThanSourceIsABlocker) {
  auto older = check_versions(150004, 140010);
  ASSERT_TRUE(older);
  EXPECT_EQ(older->severity, Severity::kBlocker);
  EXPECT_EQ(older->message, "target server is PostgreSQL 14.10, older than the source's 15.4");
  EXPECT_FALSE(check_versions(150004, 150001));  // same major, older minor: fine
  EXPECT_FALSE(check_versions(140010, 160000));
  EXPECT_FALSE(check_versions(90624, 100000));
  EXPECT_TRUE(check_versions(100000, 90624));
  EXPECT_EQ(version_text(90624), "9.6.24");
}

TEST(AssessChecks, TargetEmptyRuleMatchesMigrate) {
  std::vector<TargetTable> target = {{"public", "mine", true}, {"public", "t", false}};
  auto findings =
      check_target_empty(target, {{"public", "t"}}, {"public", "app"}, {"public", "app"});
  ASSERT_EQ(findings.size(), 3u);
  EXPECT_EQ(findings[0].code, "target_not_empty");
  EXPECT_EQ(findings[0].refusal(),
            "target is not empty: table public.mine holds rows that pgshift did not copy; migrate "
            "into an empty database");
  EXPECT_EQ(findings[1].code, "target_table_exists");
  EXPECT_EQ(findings[2].code, "target_schema_exists");
  EXPECT_NE(findings[2].message.find("schema app"), std::string::npos);
  // An empty, unrelated table and schema public do not count.
  EXPECT_TRUE(
      check_target_empty({{"public", "other", false}}, {{"public", "t"}}, {"public"}, {"public"})
          .empty());
}

TargetFacts target_with(std::map<std::string, AvailableExtension> extensions) {
  TargetFacts target;
  target.extensions = std::move(extensions);
  target.server.user = "app";
  target.server.database = "db";
  target.server.can_create_in_database = true;
  target.public_schema_exists = true;
  target.can_create_in_public = true;
  return target;
}

TEST(AssessChecks, ExtensionMissingOnTargetIsABlockerWithAProviderFix) {
  std::vector<ExtensionFact> used = {{"plpgsql", "1.0", "pg_catalog"},
                                     {"citext", "1.6", "public"},
                                     {"postgis", "3.3.2", "public"}};
  auto target = target_with({{"citext", {{"1.6"}, true, ""}}, {"plpgsql", {{"1.0"}, true, "1.0"}}});
  auto findings = check_extensions(used, target, Provider::kSelfHosted);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].code, "extension_missing");
  EXPECT_EQ(findings[0].severity, Severity::kBlocker);
  EXPECT_NE(findings[0].message.find("postgis 3.3.2"), std::string::npos);
  EXPECT_NE(findings[0].fix.find("install the package"), std::string::npos);
  auto on_rds = check_extensions(used, target, Provider::kRds);
  EXPECT_NE(on_rds[0].fix.find("Amazon RDS does not offer postgis"), std::string::npos);
}

TEST(AssessChecks, ExtensionWarningsUntrustedVersionAndAzureAllowList) {
  std::vector<ExtensionFact> used = {{"pg_stat_statements", "1.10", "public"}};
  auto target = target_with({{"pg_stat_statements", {{"1.9"}, false, ""}}});
  auto findings = check_extensions(used, target, Provider::kSelfHosted);
  EXPECT_TRUE(has_code(findings, "extension_needs_superuser"));
  EXPECT_TRUE(has_code(findings, "extension_version_differs"));
  target.server.superuser = true;
  EXPECT_FALSE(
      has_code(check_extensions(used, target, Provider::kSelfHosted), "extension_needs_superuser"));
  target.server.azure_extensions = "CITEXT, hstore";
  auto azure = check_extensions(used, target, Provider::kAzure);
  ASSERT_TRUE(has_code(azure, "extension_not_allowed"));
  EXPECT_TRUE(has_blocker(azure));
  target.server.azure_extensions = "citext,PG_STAT_STATEMENTS";
  EXPECT_FALSE(has_code(check_extensions(used, target, Provider::kAzure), "extension_not_allowed"));
  // Already installed in the target database: CREATE EXTENSION IF NOT EXISTS is a no-op.
  target = target_with({{"pg_stat_statements", {{"1.9"}, false, "1.9"}}});
  EXPECT_TRUE(check_extensions(used, target, Provider::kSelfHosted).empty());
}

TEST(AssessChecks, SourcePrivilegesNameTheTablesAndTheGrant) {
  SourceFacts source;
  source.server.user = "reader";
  source.snapshot_exported = true;
  TableFacts open, closed;
  open.schema = closed.schema = "app";
  open.name = "open";
  closed.name = "secret";
  closed.can_select = false;
  source.tables = {open, closed};
  auto findings = check_source_privileges(source);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].code, "source_select_privilege");
  EXPECT_NE(findings[0].message.find("cannot read 1 table: app.secret"), std::string::npos);
  EXPECT_EQ(findings[0].fix,
            "as the tables' owner: GRANT SELECT ON ALL TABLES IN SCHEMA app TO reader;");
  source.snapshot_exported = false;
  source.snapshot_error = "cannot export a snapshot from a subtransaction";
  source.unreadable_sequences = {"app.counter"};
  findings = check_source_privileges(source);
  EXPECT_TRUE(has_code(findings, "source_snapshot"));
  EXPECT_TRUE(has_code(findings, "source_sequence_privilege"));
}

TEST(AssessChecks, TargetPrivileges) {
  auto target = target_with({});
  EXPECT_TRUE(check_target_privileges(target, true).empty());
  target.server.can_create_in_database = false;
  target.can_create_in_public = false;
  auto findings = check_target_privileges(target, true);
  ASSERT_EQ(findings.size(), 2u);
  EXPECT_EQ(findings[0].fix, "as the database owner: GRANT CREATE ON DATABASE db TO app;");
  EXPECT_EQ(findings[1].code, "target_public_privilege");
  EXPECT_EQ(check_target_privileges(target, false).size(), 1u);
  target.server.in_recovery = true;
  EXPECT_EQ(check_target_privileges(target, true)[0].code, "target_read_only");
}

TEST(AssessChecks, TypesWithoutBinaryIo) {
  TableFacts table;
  table.schema = "public";
  table.name = "acl";
  table.columns_without_binary_io = {"a (aclitem)"};
  auto findings = check_binary_io({table});
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_NE(findings[0].message.find("public.acl: column a (aclitem)"), std::string::npos);
  EXPECT_NE(findings[0].fix.find("--exclude-table public.acl"), std::string::npos);
}

TEST(AssessChecks, PoolerFromBehaviourPortOrHost) {
  ServerFacts server;
  server.side = "source";
  server.host = "127.0.0.1";
  server.port = "5432";
  server.pooler = {true, 100, 100, 101};
  EXPECT_FALSE(check_pooler(server));  // a direct connection
  server.pooler = {true, 100, 100, 100};
  auto shared = check_pooler(server);
  ASSERT_TRUE(shared);
  EXPECT_EQ(shared->code, "transaction_pooler");
  EXPECT_NE(shared->message.find("shared one server backend"), std::string::npos);
  server.pooler = {true, 100, 102, 103};
  EXPECT_NE(check_pooler(server)->message.find("different server backends"), std::string::npos);
  server.pooler = {};
  server.port = "6543";
  EXPECT_NE(check_pooler(server)->message.find("6543"), std::string::npos);
  server.port = "5432";
  server.host = "aws-0-eu-central-1.pooler.supabase.com";
  EXPECT_EQ(check_pooler(server)->code, "session_pooler");
}

TEST(AssessChecks, PgshiftSlotKeepingGigabytesOfWalIsAWarning) {
  ServerFacts source;
  source.pgshift_slots_retained = {{"pgshift_small", 64LL << 20},
                                   {"pgshift_big", kRetainedWalWarnBytes + 1}};
  auto findings = check_retained_wal(source);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].code, "slot_retains_wal");
  EXPECT_NE(findings[0].message.find("pgshift_big"), std::string::npos);
  EXPECT_NE(findings[0].fix.find("pgshift cleanup"), std::string::npos);
}

}  // namespace
}  // namespace pgshift::assess
