// Supabase sources: which schemas are left out, and the warnings for user objects that refer to
// them or to Supabase's roles.
#include "engine/assess/supabase.hpp"

#include <gtest/gtest.h>

#include "engine/assess/assessment.hpp"

namespace pgshift::assess {
namespace {

TEST(AssessSupabase, LeavesOutOnlyInternalSchemasThatExistOnSupabase) {
  std::vector<std::string> schemas = {"auth", "extensions", "public", "storage", "app"};
  EXPECT_EQ(internal_schemas_to_leave_out(Provider::kSupabase, schemas),
            (std::vector<std::string>{"auth", "storage", "extensions"}));
  EXPECT_TRUE(internal_schemas_to_leave_out(Provider::kRds, schemas).empty());
  EXPECT_TRUE(is_supabase_role("authenticated"));
  EXPECT_FALSE(is_supabase_role("app_user"));
}

TEST(AssessSupabase, ReferencesToLeftOutSchemas) {
  std::vector<Reference> references = {
      {"foreign key", "constraint profiles_user_id_fkey on table public.profiles",
       "public.profiles", "table auth.users", "auth", ""},
      {"foreign key", "constraint profiles_user_id_fkey on table public.profiles",
       "public.profiles", "table auth.users", "auth", ""},  // one per column: reported once
      {"default", "default value for column id of table public.items", "public.items",
       "function extensions.uuid_generate_v4()", "extensions", "uuid-ossp"},
      {"policy", "policy own on table public.profiles", "public.profiles", "function auth.uid()",
       "auth", ""}};
  auto findings = judge_references(references);
  ASSERT_EQ(findings.size(), 3u);
  EXPECT_EQ(findings[0].code, "foreign_key_to_left_out_table");
  EXPECT_NE(findings[0].message.find("references table auth.users"), std::string::npos);
  EXPECT_EQ(findings[1].code, "default_uses_left_out_function");
  EXPECT_EQ(findings[1].fix,
            "before migrating, on the target: CREATE SCHEMA IF NOT EXISTS extensions; CREATE "
            "EXTENSION IF NOT EXISTS \"uuid-ossp\" WITH SCHEMA extensions;");
  EXPECT_NE(findings[2].fix.find("create function auth.uid()"), std::string::npos);
  for (const auto& finding : findings) EXPECT_EQ(finding.severity, Severity::kWarning);
}

TEST(AssessSupabase, PoliciesAndGrantsToRoles) {
  std::vector<PolicyFact> policies = {{"public.profiles", "own", {"authenticated"}},
                                      {"public.notes", "staff", {"staff"}},
                                      {"public.docs", "mine", {"app"}}};
  std::vector<GrantFact> grants = {
      {"public.profiles", "anon"}, {"public.profiles", "authenticated"}, {"public.notes", "app"}};
  auto findings = judge_role_uses(policies, grants, {"app", "postgres"}, false);
  ASSERT_EQ(findings.size(), 3u);
  EXPECT_EQ(findings[0].code, "policy_role_missing_on_target");
  EXPECT_NE(findings[0].message.find("TO authenticated (Supabase roles)"), std::string::npos);
  EXPECT_NE(findings[0].fix.find("CREATE ROLE authenticated NOLOGIN;"), std::string::npos);
  EXPECT_NE(findings[1].message.find("missing on the target: staff"), std::string::npos);
  EXPECT_EQ(findings[2].code, "grants_to_supabase_roles");
  EXPECT_NE(findings[2].message.find("1 table grants privileges to Supabase roles (anon, "
                                     "authenticated): public.profiles"),
            std::string::npos);
  auto present = judge_role_uses({policies[0]}, {}, {"authenticated"}, false);
  ASSERT_EQ(present.size(), 1u);
  EXPECT_EQ(present[0].code, "policy_for_supabase_role");
}

TEST(AssessSupabase, JudgeListsWhatIsLeftOut) {
  Assessment assessment;
  assessment.source_provider = {Provider::kSupabase, "test"};
  assessment.left_out.schemas = {"auth", "graphql"};
  SourceFacts source;
  source.server.version_num = 150004;
  source.snapshot_exported = true;
  source.server.known_roles = {"anon", "rds_superuser"};
  source.inventory.extensions = {{"pg_graphql", "1.5", "graphql"}, {"citext", "1.6", "public"}};
  TargetFacts target;
  target.server.version_num = 150004;
  target.server.can_create_in_database = true;
  target.extensions["citext"] = {{"1.6"}, true, ""};
  judge(assessment, source, target, {});
  EXPECT_EQ(assessment.left_out.extensions, (std::vector<std::string>{"pg_graphql (graphql)"}));
  EXPECT_EQ(assessment.left_out.roles, (std::vector<std::string>{"anon"}));
  EXPECT_FALSE(has_blocker(assessment.findings));  // pg_graphql is not needed on the target
}

}  // namespace
}  // namespace pgshift::assess
