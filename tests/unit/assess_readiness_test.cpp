// Zero-downtime readiness: wal_level with the provider's fix, slots, senders, the REPLICATION
// privilege, and the fix for every table without a usable replica identity.
#include "engine/assess/readiness.hpp"

#include <gtest/gtest.h>

namespace pgshift::assess {
namespace {

TableFacts table(const std::string& name, char identity, bool primary_key,
                 const std::string& unique_index = "") {
  TableFacts facts;
  facts.schema = "public";
  facts.name = name;
  facts.replica_identity = identity;
  facts.has_primary_key = primary_key;
  facts.unique_index = unique_index;
  return facts;
}

ServerFacts ready_server() {
  ServerFacts server;
  server.user = "app";
  server.wal_level = "logical";
  server.max_replication_slots = 10;
  server.used_replication_slots = 2;
  server.max_wal_senders = 10;
  server.used_wal_senders = 1;
  server.replication_role = true;
  return server;
}

TEST(AssessReadiness, ReplicaIdentityGapsAndFixes) {
  EXPECT_FALSE(replica_identity_gap(table("keyed", 'd', true)));
  EXPECT_FALSE(replica_identity_gap(table("full", 'f', false)));
  EXPECT_FALSE(replica_identity_gap(table("indexed", 'i', false)));
  auto keyless = replica_identity_gap(table("log", 'd', false));
  ASSERT_TRUE(keyless);
  EXPECT_EQ(keyless->reason, "no primary key (REPLICA IDENTITY DEFAULT)");
  EXPECT_NE(keyless->fix.find("ALTER TABLE public.log REPLICA IDENTITY FULL"), std::string::npos);
  EXPECT_NE(keyless->fix.find("ADD PRIMARY KEY"), std::string::npos);
  auto unique = replica_identity_gap(table("Users", 'd', false, "users_email_key"));
  EXPECT_EQ(unique->fix,
            "ALTER TABLE public.\"Users\" REPLICA IDENTITY USING INDEX users_email_key;");
  auto nothing = replica_identity_gap(table("t", 'n', true));
  EXPECT_EQ(nothing->fix, "ALTER TABLE public.t REPLICA IDENTITY DEFAULT;");
  auto parent = table("parent", 'd', false);
  parent.partitioned_parent = true;
  EXPECT_FALSE(replica_identity_gap(parent));
}

TEST(AssessReadiness, ReadyAndNotReady) {
  auto ready = judge_readiness(ready_server(), Provider::kSelfHosted, {table("t", 'd', true)});
  EXPECT_TRUE(ready.ready);
  EXPECT_EQ(ready.free_replication_slots, 8);
  EXPECT_EQ(ready.free_wal_senders, 9);
  for (const auto& item : ready.items) EXPECT_TRUE(item.ok) << item.message;

  auto server = ready_server();
  server.wal_level = "replica";
  server.replication_role = false;
  server.used_replication_slots = 10;
  auto rds = judge_readiness(server, Provider::kRds, {table("log", 'd', false)});
  EXPECT_FALSE(rds.ready);
  ASSERT_EQ(rds.items.size(), 4u);
  EXPECT_FALSE(rds.items[0].ok);
  EXPECT_NE(rds.items[0].fix.find("rds.logical_replication"), std::string::npos);
  EXPECT_FALSE(rds.items[1].ok);
  EXPECT_TRUE(rds.items[2].ok);
  EXPECT_EQ(rds.items[3].fix, "GRANT rds_replication TO app;");
  ASSERT_EQ(rds.tables_without_identity.size(), 1u);
  EXPECT_EQ(rds.tables_without_identity[0].table, "public.log");
}

}  // namespace
}  // namespace pgshift::assess

namespace pgshift::assess {
namespace {

// A publication refuses an UNLOGGED table outright ("not supported for unlogged tables"): it is a
// readiness item of its own, with its fix, and not also a replica identity gap.
TEST(AssessReadiness, AnUnloggedTableIsNotReady) {
  auto cache = table("Cache", 'd', false);
  cache.unlogged = true;
  auto readiness =
      judge_readiness(ready_server(), Provider::kSelfHosted, {table("t", 'd', true), cache});
  EXPECT_FALSE(readiness.ready);
  EXPECT_TRUE(readiness.tables_without_identity.empty());
  ASSERT_EQ(readiness.items.back().code, "unlogged_tables");
  EXPECT_FALSE(readiness.items.back().ok);
  EXPECT_NE(readiness.items.back().message.find("public.Cache"), std::string::npos);
  EXPECT_NE(readiness.items.back().fix.find("ALTER TABLE public.\"Cache\" SET LOGGED"),
            std::string::npos);
  auto without = judge_readiness(ready_server(), Provider::kSelfHosted, {table("t", 'd', true)});
  EXPECT_EQ(without.items.size(), 4u);  // listed only when there are some
}

}  // namespace
}  // namespace pgshift::assess
