// Provider detection from host names, settings, roles and schemas; and each provider's fixes.
#include "engine/assess/provider.hpp"

#include <gtest/gtest.h>

namespace pgshift::assess {
namespace {

Provider from_host(const std::string& host) {
  ServerFacts server;
  server.host = host;
  return detect_provider(server).provider;
}

TEST(AssessProvider, HostNames) {
  EXPECT_EQ(from_host("db.abcdefgh.supabase.co"), Provider::kSupabase);
  EXPECT_EQ(from_host("aws-0-us-east-1.pooler.supabase.com"), Provider::kSupabase);
  EXPECT_EQ(from_host("containers-us-west-1.railway.app"), Provider::kRailway);
  EXPECT_EQ(from_host("monorail.proxy.rlwy.net"), Provider::kRailway);
  EXPECT_EQ(from_host("mydb.c9akciq32.eu-west-1.rds.amazonaws.com"), Provider::kRds);
  EXPECT_EQ(from_host("MyServer.Postgres.Database.Azure.com"), Provider::kAzure);
  EXPECT_EQ(from_host("dpg-abc123-a.oregon-postgres.render.com"), Provider::kRender);
  EXPECT_EQ(from_host("dpg-abc123-a"), Provider::kRender);
  EXPECT_EQ(from_host("127.0.0.1"), Provider::kSelfHosted);
  EXPECT_EQ(from_host(""), Provider::kSelfHosted);
  EXPECT_EQ(from_host("notsupabase.co"), Provider::kSelfHosted);
}

TEST(AssessProvider, SettingsRolesAndSchemas) {
  ServerFacts server;
  server.host = "10.0.0.5";
  server.provider_settings = {"rds.logical_replication"};
  EXPECT_EQ(detect_provider(server).provider, Provider::kRds);
  server.provider_settings = {"azure.extensions"};
  EXPECT_EQ(detect_provider(server).provider, Provider::kAzure);
  server.provider_settings.clear();
  // Supabase needs its schemas in this database, not only its (cluster-wide) roles.
  server.known_roles = {"anon", "authenticated", "service_role"};
  EXPECT_EQ(detect_provider(server).provider, Provider::kSelfHosted);
  server.schemas = {"auth", "public", "storage"};
  auto detected = detect_provider(server);
  EXPECT_EQ(detected.provider, Provider::kSupabase);
  EXPECT_FALSE(detected.evidence.empty());
  server.known_roles.clear();
  EXPECT_EQ(detect_provider(server).provider, Provider::kSelfHosted);
}

TEST(AssessProvider, FixesNameTheProvidersOwnWay) {
  EXPECT_NE(wal_level_fix(Provider::kRds).find("rds.logical_replication = 1"), std::string::npos);
  EXPECT_NE(wal_level_fix(Provider::kAzure).find("server parameter wal_level = logical"),
            std::string::npos);
  EXPECT_NE(wal_level_fix(Provider::kRailway).find("ALTER SYSTEM SET wal_level = logical"),
            std::string::npos);
  EXPECT_NE(wal_level_fix(Provider::kRender).find("Render support"), std::string::npos);
  EXPECT_NE(wal_level_fix(Provider::kSelfHosted).find("restart PostgreSQL"), std::string::npos);
  EXPECT_EQ(replication_privilege_fix(Provider::kRds, "app"), "GRANT rds_replication TO app;");
  EXPECT_NE(replication_privilege_fix(Provider::kSelfHosted, "app").find("WITH REPLICATION"),
            std::string::npos);
  ServerFacts server;
  EXPECT_FALSE(can_replicate(server));
  server.member_of = {"rds_replication"};
  EXPECT_TRUE(can_replicate(server));
}

}  // namespace
}  // namespace pgshift::assess
