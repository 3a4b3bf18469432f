// The change applier against a real target: decoded pgoutput messages, built by hand, applied
// convergently (upsert on the key, unchanged TOAST left alone, key moves, exactly one row of
// REPLICA IDENTITY FULL duplicates, truncate options, missing rows counted and converged), the
// Relation checked against the target's columns, commit() atomic with its record, and no target
// trigger firing. Ends with a timed pgbench-like run (printed, not asserted).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <functional>

#include "connectors/pg/session.hpp"
#include "engine/sync/change_applier.hpp"
#include "engine/sync/sync_state.hpp"
#include "tests/support/pg_test.hpp"
#include "verify/changed_keys.hpp"

namespace pgshift::test {
namespace {

using namespace pg::pgoutput;
using sync::ChangeApplier;

TupleValue text(std::string_view value) {
  return TupleValue{ValueKind::kText, value};
}
TupleValue null() {
  return TupleValue{};
}
TupleValue unchanged() {
  return TupleValue{ValueKind::kUnchangedToast, {}};
}

Relation relation(std::uint32_t oid, std::string_view name, char identity,
                  std::vector<RelationColumn> columns) {
  return Relation{oid, "public", name, identity, std::move(columns)};
}
// `modifier`: the column's atttypmod, as pgoutput sends it (char(n): n + 4; -1: none).
RelationColumn key(std::string_view name, std::uint32_t type, std::int32_t modifier = -1) {
  return RelationColumn{true, name, type, modifier};
}
RelationColumn column(std::string_view name, std::uint32_t type, std::int32_t modifier = -1) {
  return RelationColumn{false, name, type, modifier};
}
// pgoutput marks every column as key under REPLICA IDENTITY FULL.
RelationColumn full(std::string_view name, std::uint32_t type, std::int32_t modifier = -1) {
  return key(name, type, modifier);
}

constexpr std::uint32_t kInt4 = 23, kText = 25, kJson = 114, kPoint = 600, kBpchar = 1042;

class ChangeApplyTest : public ::testing::Test {
 protected:
  void SetUp() override { uri_ = fresh_database(target_cluster(), "apply"); }

  // Runs `body` with an applier on a prepared apply session, on an io_context.
  void with_applier(std::function<Task<void>(ChangeApplier&, pg::Connection&)> body) {
    bool finished = false;
    auto main = [&]() -> Task<void> {
      auto endpoint = Endpoint::parse(uri_, "target");
      EXPECT_TRUE(endpoint.has_value());
      auto session = co_await pg::open_session(*endpoint, "target");
      EXPECT_TRUE(session.has_value()) << session.error().message;
      auto prepared = co_await sync::prepare_apply_session(*session);
      EXPECT_TRUE(prepared.has_value()) << prepared.error().message;
      ChangeApplier applier(*session);
      co_await body(applier, *session);
    };
    asio::co_spawn(io_, main(), [&](std::exception_ptr crashed) {
      finished = true;
      if (crashed) std::rethrow_exception(crashed);
    });
    io_.run();
    io_.restart();
    ASSERT_TRUE(finished);
  }

  // Applies `messages` in order as one source transaction, then commits.
  static Task<void> apply_and_commit(ChangeApplier& applier, std::vector<Message> messages,
                                     std::string_view record_sql = "") {
    auto begun = co_await applier.apply(Begin{});
    EXPECT_TRUE(begun.has_value());
    for (const auto& message : messages) {
      auto applied = co_await applier.apply(message);
      EXPECT_TRUE(applied.has_value()) << applied.error().message;
    }
    auto ended = co_await applier.apply(Commit{});
    EXPECT_TRUE(ended.has_value());
    EXPECT_TRUE(applier.at_transaction_boundary());
    auto committed = co_await applier.commit(record_sql);
    EXPECT_TRUE(committed.has_value()) << committed.error().message;
  }

  void pgbench_like_run(bool record_touched_keys);

  asio::io_context io_;
  std::string uri_;
};

TEST_F(ChangeApplyTest, InsertIsAnUpsertOnTheKey) {
  exec(uri_,
       "CREATE TABLE t (id int PRIMARY KEY, v text, n int); INSERT INTO t VALUES (1, 'old', 5)");
  with_applier([](ChangeApplier& applier, pg::Connection&) -> Task<void> {
    auto t = relation(100, "t", 'd', {key("id", kInt4), column("v", kText), column("n", kInt4)});
    std::vector<Message> batch1{t, Insert{100, {text("1"), text("new"), null()}},
                                Insert{100, {text("2"), text("it's"), text("7")}}};
    co_await apply_and_commit(applier, std::move(batch1));
    EXPECT_EQ(applier.counts().inserts, 2);
    EXPECT_EQ(applier.counts().transactions, 1);
    EXPECT_EQ(applier.pending_changes(), 0);
  });
  EXPECT_EQ(query(uri_, "SELECT id, v, n FROM t ORDER BY id"),
            (Rows{{"1", "new", "<NULL>"}, {"2", "it's", "7"}}));
}

TEST_F(ChangeApplyTest, UpdateLeavesUnchangedToastAloneAndMovesKeys) {
  exec(uri_,
       "CREATE TABLE doc (id int PRIMARY KEY, body text, n int); "
       "INSERT INTO doc VALUES (1, repeat('x', 100000), 0), (2, 'b', 0)");
  with_applier([](ChangeApplier& applier, pg::Connection&) -> Task<void> {
    auto doc =
        relation(200, "doc", 'd', {key("id", kInt4), column("body", kText), column("n", kInt4)});
    std::vector<Message> batch2{
        doc,
        // No old tuple: same key; the 100 kB body is unchanged TOAST.
        Update{200, 0, {}, {text("1"), unchanged(), text("9")}},
        // Key change with an unchanged body: the row moves, keeping its body.
        Update{200, 'K', {text("1"), null(), null()}, {text("10"), unchanged(), text("10")}},
        // Key change with the whole row.
        Update{200, 'K', {text("2"), null(), null()}, {text("20"), text("bb"), text("20")}}};
    co_await apply_and_commit(applier, std::move(batch2));
    EXPECT_EQ(applier.counts().updates, 3);
    EXPECT_EQ(applier.counts().missing_rows, 0);
  });
  EXPECT_EQ(query(uri_, "SELECT id, length(body), n FROM doc ORDER BY id"),
            (Rows{{"10", "100000", "10"}, {"20", "2", "20"}}));
}

TEST_F(ChangeApplyTest, FullIdentityChangesExactlyOneOfEqualRows) {
  exec(uri_,
       "CREATE TABLE dup (a int, b text, j json, p point, c char(3)); "
       "INSERT INTO dup VALUES (1, NULL, '{\"x\": 1}', '(1,2)', 'ab'), "
       "(1, NULL, '{\"x\": 1}', '(1,2)', 'ab'), (3, 'other', NULL, NULL, NULL)");
  with_applier([](ChangeApplier& applier, pg::Connection&) -> Task<void> {
    auto dup = relation(300, "dup", 'f',
                        {full("a", kInt4), full("b", kText), full("j", kJson), full("p", kPoint),
                         full("c", kBpchar, 3 + 4)});
    Tuple old_row{text("1"), null(), text("{\"x\": 1}"), text("(1,2)"), text("ab ")};
    std::vector<Message> batch3{
        dup,
        Update{
            300, 'O', old_row, {text("2"), null(), text("{\"x\": 1}"), text("(1,2)"), text("ab")}}};
    co_await apply_and_commit(applier, std::move(batch3));
    EXPECT_EQ(applier.counts().missing_rows, 0);
  });
  EXPECT_EQ(query(uri_, "SELECT a, count(*) FROM dup GROUP BY a ORDER BY a"),
            (Rows{{"1", "1"}, {"2", "1"}, {"3", "1"}}));
  with_applier([](ChangeApplier& applier, pg::Connection&) -> Task<void> {
    auto dup = relation(300, "dup", 'f',
                        {full("a", kInt4), full("b", kText), full("j", kJson), full("p", kPoint),
                         full("c", kBpchar, 3 + 4)});
    Tuple two{text("2"), null(), text("{\"x\": 1}"), text("(1,2)"), text("ab ")};
    // The same row inserted again (a duplicate on a keyless table), then one of the two deleted.
    std::vector<Message> batch4{dup, Insert{300, two}, Delete{300, 'O', two}};
    co_await apply_and_commit(applier, std::move(batch4));
    EXPECT_EQ(applier.counts().missing_rows, 0);
  });
  EXPECT_EQ(query(uri_, "SELECT a, count(*) FROM dup GROUP BY a ORDER BY a"),
            (Rows{{"1", "1"}, {"2", "1"}, {"3", "1"}}));
}

TEST_F(ChangeApplyTest, TruncateKeepsCascadeAndRestartIdentity) {
  exec(uri_,
       "CREATE TABLE parent (id serial PRIMARY KEY); "
       "CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent); "
       "CREATE TABLE other (id int PRIMARY KEY); "
       "INSERT INTO parent VALUES (DEFAULT), (DEFAULT); INSERT INTO child VALUES (1, 1); "
       "INSERT INTO other VALUES (1)");
  with_applier([](ChangeApplier& applier, pg::Connection&) -> Task<void> {
    std::vector<Message> batch5{relation(401, "parent", 'd', {key("id", kInt4)}),
                                relation(402, "other", 'd', {key("id", kInt4)}),
                                Truncate{1 | 2, {401}}};
    co_await apply_and_commit(applier, std::move(batch5));
    EXPECT_EQ(applier.counts().truncates, 1);
  });
  EXPECT_EQ(scalar(uri_, "SELECT (SELECT count(*) FROM parent) + (SELECT count(*) FROM child)"),
            "0");
  EXPECT_EQ(scalar(uri_, "SELECT count(*) FROM other"), "1");
  EXPECT_EQ(scalar(uri_, "INSERT INTO parent VALUES (DEFAULT) RETURNING id"), "1");
}

TEST_F(ChangeApplyTest, MissingRowsAreCountedAndConverge) {
  exec(uri_,
       "CREATE TABLE t (id int PRIMARY KEY, v text); "
       "CREATE TABLE f (a int, b text); INSERT INTO t VALUES (1, 'one')");
  with_applier([](ChangeApplier& applier, pg::Connection&) -> Task<void> {
    auto t = relation(500, "t", 'd', {key("id", kInt4), column("v", kText)});
    auto f = relation(501, "f", 'f', {full("a", kInt4), full("b", kText)});
    std::vector<Message> batch6{
        t, f,
        // Found: not missing.
        Update{500, 0, {}, {text("1"), text("uno")}},
        // Whole new row, no row: counted, and upserted so the row converges.
        Update{500, 0, {}, {text("5"), text("five")}},
        // Unchanged TOAST, no row: counted, nothing written.
        Update{500, 0, {}, {text("6"), unchanged()}},
        // Delete of an absent key; update and delete of an absent keyless row.
        Delete{500, 'K', {text("7"), null()}},
        Update{501, 'O', {text("1"), null()}, {text("2"), null()}},
        Delete{501, 'O', {text("1"), null()}}};
    co_await apply_and_commit(applier, std::move(batch6));
    EXPECT_EQ(applier.counts().missing_rows, 5);
  });
  EXPECT_EQ(query(uri_, "SELECT id, v FROM t ORDER BY id"), (Rows{{"1", "uno"}, {"5", "five"}}));
  EXPECT_EQ(scalar(uri_, "SELECT count(*) FROM f"), "0");
}

// A Relation that differs from the target stops the first change applied under it, naming the
// table and the difference. The Relation alone does not: a rerun meets the Relations of
// transactions it skips as applied, which the target, altered since, need not match any more.
TEST_F(ChangeApplyTest, RelationThatDiffersFromTheTargetStops) {
  exec(
      uri_,
      "CREATE TABLE t (id int PRIMARY KEY, v text, total int GENERATED ALWAYS AS (id * 2) STORED)");
  with_applier([](ChangeApplier& applier, pg::Connection&) -> Task<void> {
    // The generated column is not sent and not compared: this one matches.
    Message matching = relation(600, "t", 'd', {key("id", kInt4), column("v", kText)});
    auto same = co_await applier.apply(matching);
    EXPECT_TRUE(same.has_value()) << same.error().message;
    // Named, not braced inside a co_await: GCC 12 cannot keep such a list in the frame.
    Message extra =
        relation(600, "t", 'd', {key("id", kInt4), column("v", kText), column("extra", kInt4)});
    EXPECT_TRUE((co_await applier.apply(extra)).has_value());  // a Relation alone is no error
    EXPECT_TRUE((co_await applier.apply(Begin{})).has_value());
    Message insert = Insert{600, {text("1"), text("2"), text("3")}};
    auto added = co_await applier.apply(insert);
    if (added.has_value()) {
      ADD_FAILURE() << "a change under a Relation with an extra column was applied";
      co_return;
    }
    EXPECT_EQ(added.error().kind, ErrorKind::kRuntime);
    const auto& message = added.error().message;
    EXPECT_NE(message.find("\"public\".\"t\""), std::string::npos) << message;
    EXPECT_NE(message.find("\"extra\""), std::string::npos) << message;
    EXPECT_NE(message.find("apply the same DDL to the target and rerun"), std::string::npos);
  });
  // Retyped, then lengthened: each a difference once a change comes under it.
  std::vector<Message> changes{relation(600, "t", 'd', {key("id", kInt4), column("v", kInt4)}),
                               relation(600, "t", 'd', {key("id", kInt4), column("v", kText, 24)})};
  for (const Message& changed : changes) {
    with_applier([&changed](ChangeApplier& applier, pg::Connection&) -> Task<void> {
      EXPECT_TRUE((co_await applier.apply(changed)).has_value());
      EXPECT_TRUE((co_await applier.apply(Begin{})).has_value());
      Message insert = Insert{600, {text("1"), text("2")}};
      auto inserted = co_await applier.apply(insert);
      EXPECT_FALSE(inserted.has_value());
      if (!inserted) EXPECT_NE(inserted.error().message.find("\"v\""), std::string::npos);
    });
  }
  // A Relation that matches again, after one that did not, applies.
  with_applier([](ChangeApplier& applier, pg::Connection&) -> Task<void> {
    Message stale = relation(600, "t", 'd', {key("id", kInt4), column("v", kInt4)});
    EXPECT_TRUE((co_await applier.apply(stale)).has_value());
    Message matching = relation(600, "t", 'd', {key("id", kInt4), column("v", kText)});
    Message insert = Insert{600, {text("5"), text("five")}};
    std::vector<Message> transaction{matching, insert};
    co_await apply_and_commit(applier, std::move(transaction));
  });
  EXPECT_EQ(query(uri_, "SELECT id, v FROM t"), (Rows{{"5", "five"}}));
}

TEST_F(ChangeApplyTest, CommitIsAtomicWithItsRecord) {
  exec(uri_,
       "CREATE TABLE t (id int PRIMARY KEY); CREATE TABLE applied (lsn text); "
       "INSERT INTO t VALUES (1)");
  with_applier([](ChangeApplier& applier, pg::Connection&) -> Task<void> {
    auto t = relation(700, "t", 'd', {key("id", kInt4)});
    EXPECT_TRUE((co_await applier.apply(t)).has_value());
    Message insert = Insert{700, {text("2")}}, delete_ = Delete{700, 'K', {text("1")}};
    EXPECT_TRUE((co_await applier.apply(insert)).has_value());
    EXPECT_TRUE((co_await applier.apply(delete_)).has_value());
    EXPECT_EQ(applier.pending_changes(), 2);
    auto failed = co_await applier.commit("INSERT INTO public.no_such_table VALUES (1)");
    EXPECT_FALSE(failed.has_value());
    EXPECT_EQ(applier.pending_changes(), 0);
    // The next batch works, and its record commits with it.
    std::vector<Message> batch7{Insert{700, {text("3")}}};
    co_await apply_and_commit(applier, std::move(batch7),
                              "INSERT INTO public.applied VALUES ('0/10')");
  });
  EXPECT_EQ(query(uri_, "SELECT id FROM t ORDER BY id"), (Rows{{"1"}, {"3"}}));
  EXPECT_EQ(scalar(uri_, "SELECT lsn FROM applied"), "0/10");
}

TEST_F(ChangeApplyTest, TargetTriggersAndForeignKeysDoNotFire) {
  exec(
      uri_,
      "CREATE TABLE audit (what text); "
      "CREATE TABLE parent (id int PRIMARY KEY); "
      "CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent); "
      "CREATE FUNCTION note() RETURNS trigger LANGUAGE plpgsql AS "
      "$$BEGIN INSERT INTO public.audit VALUES (TG_OP); RETURN NEW; END$$; "
      "CREATE TRIGGER noted BEFORE INSERT OR UPDATE ON child FOR EACH ROW EXECUTE FUNCTION note()");
  with_applier([](ChangeApplier& applier, pg::Connection&) -> Task<void> {
    auto child = relation(800, "child", 'd', {key("id", kInt4), column("parent_id", kInt4)});
    // The parent row comes later in the stream (or was deleted): no FK check may stop apply.
    std::vector<Message> batch8{child, Insert{800, {text("1"), text("42")}},
                                Update{800, 0, {}, {text("1"), text("43")}}};
    co_await apply_and_commit(applier, std::move(batch8));
  });
  EXPECT_EQ(scalar(uri_, "SELECT count(*) FROM audit"), "0");
  EXPECT_EQ(scalar(uri_, "SELECT parent_id FROM child"), "43");
}

// pgbench's transaction as the stream carries it: three updates by key (accounts, tellers,
// branches: whole new rows) and an insert into the keyless history table. Timed, not asserted.
// A pgbench-like stream applied in batches, timed; with `record_touched_keys` the applier also
// records the batches' keys in pgshift.touched_keys, as sync does (the cost of the reverify set).
void ChangeApplyTest::pgbench_like_run(bool record_touched_keys) {
  if (record_touched_keys) {
    exec(uri_, std::string("CREATE SCHEMA pgshift;") + sync::kCreateSyncStateSql);
  }
  constexpr int kAccounts = 100000, kTellers = 10, kBranches = 1, kTransactions = 25000;
  exec(uri_,
       "CREATE TABLE pgbench_accounts (aid int PRIMARY KEY, bid int, abalance int, filler "
       "char(84)) WITH (fillfactor = 100); "
       "CREATE TABLE pgbench_tellers (tid int PRIMARY KEY, bid int, tbalance int, filler "
       "char(84)) WITH (fillfactor = 100); "
       "CREATE TABLE pgbench_branches (bid int PRIMARY KEY, bbalance int, filler char(88)) "
       "WITH (fillfactor = 100); "
       "CREATE TABLE pgbench_history (tid int, bid int, aid int, delta int, mtime timestamp, "
       "filler char(22)); "
       "INSERT INTO pgbench_accounts SELECT g, 1, 0, '' FROM generate_series(1, " +
           std::to_string(kAccounts) +
           ") g; INSERT INTO pgbench_tellers SELECT g, 1, 0, '' FROM generate_series(1, " +
           std::to_string(kTellers) +
           ") g; INSERT INTO pgbench_branches SELECT g, 0, '' FROM generate_series(1, " +
           std::to_string(kBranches) + ") g");
  exec(uri_, "VACUUM ANALYZE");
  double seconds = 0;
  long long changes = 0;
  with_applier([&](ChangeApplier& applier, pg::Connection&) -> Task<void> {
    if (record_touched_keys) applier.record_touched_keys();
    const std::string filler84(84, ' '), filler88(88, ' ');
    std::vector<Message> relations{
        relation(901, "pgbench_accounts", 'd',
                 {key("aid", kInt4), column("bid", kInt4), column("abalance", kInt4),
                  column("filler", kBpchar, 84 + 4)}),
        relation(902, "pgbench_tellers", 'd',
                 {key("tid", kInt4), column("bid", kInt4), column("tbalance", kInt4),
                  column("filler", kBpchar, 84 + 4)}),
        relation(903, "pgbench_branches", 'd',
                 {key("bid", kInt4), column("bbalance", kInt4), column("filler", kBpchar, 88 + 4)}),
        relation(
            904, "pgbench_history", 'd',
            {column("tid", kInt4), column("bid", kInt4), column("aid", kInt4),
             column("delta", kInt4), column("mtime", 1114), column("filler", kBpchar, 22 + 4)})};
    for (const auto& message : relations)
      EXPECT_TRUE((co_await applier.apply(message)).has_value());
    auto started = std::chrono::steady_clock::now();
    unsigned seed = 12345;
    auto next = [&seed](int bound) {
      seed = seed * 1103515245u + 12345u;
      return static_cast<int>((seed >> 8) % static_cast<unsigned>(bound)) + 1;
    };
    for (int transaction = 0; transaction < kTransactions; ++transaction) {
      std::string aid = std::to_string(next(kAccounts)), tid = std::to_string(next(kTellers)),
                  bid = "1", delta = std::to_string(next(10000) - 5000),
                  balance = std::to_string(transaction);
      std::vector<Message> messages{
          Begin{},
          Update{901, 0, {}, {text(aid), text(bid), text(balance), text(filler84)}},
          Update{902, 0, {}, {text(tid), text(bid), text(balance), text(filler84)}},
          Update{903, 0, {}, {text(bid), text(balance), text(filler88)}},
          Insert{904,
                 {text(tid), text(bid), text(aid), text(delta), text("2026-01-02 03:04:05.123456"),
                  null()}},
          Commit{}};
      for (const auto& message : messages) {
        auto applied = co_await applier.apply(message);
        if (!applied) {
          ADD_FAILURE() << applied.error().message;
          co_return;
        }
      }
      // The sync loop commits batches at transaction boundaries; every 2,500 changes here.
      if (applier.pending_changes() >= 2500) {
        auto committed = co_await applier.commit("");
        EXPECT_TRUE(committed.has_value()) << committed.error().message;
      }
    }
    auto committed = co_await applier.commit("");
    EXPECT_TRUE(committed.has_value());
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    changes = applier.counts().updates + applier.counts().inserts;
    EXPECT_EQ(applier.counts().missing_rows, 0);
  });
  EXPECT_EQ(scalar(uri_, "SELECT count(*) FROM pgbench_history"), std::to_string(kTransactions));
  std::printf("[ apply    ] %lld changes in %.3f s: %.0f changes/s%s\n", changes, seconds,
              changes / seconds, record_touched_keys ? " (recording touched keys)" : "");
  if (record_touched_keys) {
    // Each batch's distinct keys, and the keyless history table as a whole.
    exec(uri_, verify::kFoldTouchedLogSql);
    EXPECT_EQ(scalar(uri_,
                     "SELECT count(*) FROM pgshift.touched_keys WHERE table_name = "
                     "'pgbench_history' AND key = '{}'"),
              "1");
    EXPECT_EQ(scalar(uri_,
                     "SELECT count(*) FROM pgshift.touched_keys WHERE table_name = "
                     "'pgbench_tellers'"),
              std::to_string(kTellers));
  }
}

TEST_F(ChangeApplyTest, PgbenchLikeThroughput) {
  pgbench_like_run(false);
}

TEST_F(ChangeApplyTest, PgbenchLikeThroughputRecordingTouchedKeys) {
  pgbench_like_run(true);
}

}  // namespace
}  // namespace pgshift::test
