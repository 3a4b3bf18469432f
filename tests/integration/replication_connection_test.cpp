// The replication connection against the suite's source server (wal_level = logical): a slot's
// exported snapshot, who may stream while that snapshot is held, streaming and acknowledging a
// transaction, an idle stream, a walsender terminated under the stream, and a slot that does not
// exist. Each test uses its own database and slots named after it, and drops them at the end.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <optional>
#include <thread>

#include "connectors/pg/replication/replication_connection.hpp"
#include "connectors/pg/replication/wire_frames.hpp"
#include "tests/support/pg_test.hpp"

namespace pgshift::test {
namespace {

using namespace std::chrono_literals;
using pg::Lsn;
using pg::ReplicationConnection;

// A plain libpq session that stays open across statements (pg_test's helpers connect per call),
// for holding a transaction on an imported snapshot.
class PlainSession {
 public:
  explicit PlainSession(const std::string& uri) : conn_(PQconnectdb(uri.c_str())) {}
  ~PlainSession() { PQfinish(conn_); }
  PlainSession(const PlainSession&) = delete;
  PlainSession& operator=(const PlainSession&) = delete;

  // The first value of the result (empty when there is none). A failure is the test's, unless
  // `error` takes the server's message.
  std::string run(const std::string& sql, std::string* error = nullptr) {
    PGresult* result = PQexec(conn_, sql.c_str());
    auto status = PQresultStatus(result);
    std::string out;
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      if (error) {
        *error = PQresultErrorMessage(result);
      } else {
        ADD_FAILURE() << sql << ": " << PQresultErrorMessage(result);
      }
    } else if (PQntuples(result) > 0) {
      out = PQgetvalue(result, 0, 0);
    }
    PQclear(result);
    return out;
  }

 private:
  PGconn* conn_;
};

class ReplicationConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::transform(test.begin(), test.end(), test.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    slot_ = "pgshift_rc_" + test.substr(0, 40);
    drop_slots();  // left by an interrupted earlier run: the database could not be dropped
    uri_ = fresh_database(source_cluster(), "repl");
    exec(uri_,
         "CREATE TABLE items (id int PRIMARY KEY, note text); "
         "INSERT INTO items VALUES (1, 'one'), (2, 'two'); "
         "CREATE PUBLICATION pgshift_rc_pub FOR TABLE items");
    auto endpoint = Endpoint::parse(uri_, "source");
    ASSERT_TRUE(endpoint.has_value());
    endpoint_ = *endpoint;
  }

  void TearDown() override {
    drop_slots();
    exec(uri_, "DROP PUBLICATION IF EXISTS pgshift_rc_pub");
  }

  // Drops this test's slots, ending the walsenders that still use them.
  void drop_slots() {
    std::string postgres = source_cluster().uri("postgres");
    std::string mine = "slot_name LIKE '" + slot_ + "%'";
    for (int attempt = 0; attempt < 100; ++attempt) {
      exec(postgres, "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE " +
                         mine + " AND active_pid IS NOT NULL");
      try {
        exec(postgres,
             "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE " + mine);
        return;
      } catch (const std::exception&) {
        std::this_thread::sleep_for(50ms);  // still active: its walsender is exiting
      }
    }
    ADD_FAILURE() << "could not drop the slots " << slot_ << "*";
  }

  // Runs `body` on the io_context until it finishes.
  void run(std::function<Task<void>()> body) {
    bool finished = false;
    asio::co_spawn(io_, body(), [&](std::exception_ptr crashed) {
      finished = true;
      if (crashed) std::rethrow_exception(crashed);
    });
    io_.run();
    io_.restart();
    ASSERT_TRUE(finished);
  }

  Task<Result<ReplicationConnection>> open() {
    co_return co_await ReplicationConnection::open(endpoint_, "source");
  }

  // Rows of `items` seen by a REPEATABLE READ transaction on `snapshot` in `session` (which it
  // leaves open), or the import's error.
  static std::string rows_at(PlainSession& session, const std::string& snapshot) {
    std::string error;
    session.run("BEGIN ISOLATION LEVEL REPEATABLE READ");
    session.run("SET TRANSACTION SNAPSHOT '" + snapshot + "'", &error);
    if (!error.empty()) return "error: " + error;
    return session.run("SELECT string_agg(id::text, ',' ORDER BY id) FROM items");
  }

  asio::io_context io_;
  std::string uri_;
  std::string slot_;
  Endpoint endpoint_;
};

TEST_F(ReplicationConnectionTest, ExportedSnapshotSeesExactlyTheRowsBeforeTheSlot) {
  run([this]() -> Task<void> {
    auto replication = co_await open();
    EXPECT_TRUE(replication.has_value()) << replication.error().message;
    if (!replication) co_return;
    auto slot = co_await replication->create_slot(slot_);
    EXPECT_TRUE(slot.has_value()) << slot.error().message;
    if (!slot) co_return;
    EXPECT_EQ(slot->name, slot_);
    EXPECT_TRUE(slot->consistent_point.valid());
    EXPECT_FALSE(slot->snapshot_name.empty());

    exec(uri_, "INSERT INTO items VALUES (3, 'after the slot')");  // a third connection
    PlainSession reader(uri_);
    EXPECT_EQ(rows_at(reader, slot->snapshot_name), "1,2");
    EXPECT_EQ(scalar(uri_, "SELECT string_agg(id::text, ',' ORDER BY id) FROM items"), "1,2,3");
  });
}

// What holding the exported snapshot allows. Answers, on PostgreSQL 15:
// - While the creating connection sits idle holding the snapshot, a SECOND replication connection
//   can START_REPLICATION on the slot: creating the slot released it (it is not active), and the
//   snapshot does not need it. The snapshot stays importable meanwhile.
// - A normal session that imported the snapshot can re-export it with pg_export_snapshot(); the
//   re-exported name stays importable after the creating connection ran its next command (which
//   ended the original snapshot) and even after it closed. So the creating connection can be
//   freed (or used to stream) as soon as one session has imported and re-exported the snapshot.
TEST_F(ReplicationConnectionTest, SnapshotHolderNeedNotStreamAndSnapshotCanBeReexported) {
  run([this]() -> Task<void> {
    auto creator = co_await open();
    EXPECT_TRUE(creator.has_value()) << creator.error().message;
    if (!creator) co_return;
    auto slot = co_await creator->create_slot(slot_);
    EXPECT_TRUE(slot.has_value()) << slot.error().message;
    if (!slot) co_return;
    exec(uri_, "INSERT INTO items VALUES (3, 'after the slot')");

    // A second replication connection streams while the creator holds the snapshot.
    auto streamer = co_await open();
    EXPECT_TRUE(streamer.has_value()) << streamer.error().message;
    if (!streamer) co_return;
    auto started = co_await streamer->start(slot_, slot->consistent_point, "pgshift_rc_pub");
    EXPECT_TRUE(started.has_value()) << started.error().message;

    // The snapshot is still importable, and can be re-exported from the importing session.
    PlainSession holder(uri_);
    EXPECT_EQ(rows_at(holder, slot->snapshot_name), "1,2");
    std::string reexported = holder.run("SELECT pg_export_snapshot()");
    EXPECT_FALSE(reexported.empty());

    // The creator's next command ends its snapshot; then it goes away altogether.
    auto next = co_await creator->connection().query("IDENTIFY_SYSTEM");
    EXPECT_TRUE(next.has_value()) << next.error().message;
    PlainSession late(uri_);
    EXPECT_TRUE(rows_at(late, slot->snapshot_name).starts_with("error: "))
        << "the original snapshot outlived the creator's next command";
    late.run("ROLLBACK");
    { auto closed = std::move(*creator); }

    PlainSession worker(uri_);
    EXPECT_EQ(rows_at(worker, reexported), "1,2");
  });
}

TEST_F(ReplicationConnectionTest, StreamsATransactionAndTheAcknowledgementMovesTheSlot) {
  run([this]() -> Task<void> {
    auto replication = co_await open();
    EXPECT_TRUE(replication.has_value()) << replication.error().message;
    if (!replication) co_return;
    auto slot = co_await replication->create_slot(slot_);
    EXPECT_TRUE(slot.has_value()) << slot.error().message;
    if (!slot) co_return;
    auto started = co_await replication->start(slot_, slot->consistent_point, "pgshift_rc_pub");
    EXPECT_TRUE(started.has_value()) << started.error().message;
    if (!started) co_return;
    exec(uri_, "INSERT INTO items VALUES (10, 'ten'), (11, 'eleven')");

    // pgoutput message types of the first transaction that inserted rows.
    std::string types;
    Lsn end_lsn;
    std::vector<std::byte> message;
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (end_lsn.value == 0 && std::chrono::steady_clock::now() < deadline) {
      auto got = co_await replication->next_message(message, 500ms);
      EXPECT_TRUE(got.has_value()) << got.error().message;
      if (!got) co_return;
      if (!*got) continue;
      auto frame = pg::replication::parse_frame(message);
      EXPECT_TRUE(frame.has_value()) << frame.error().message;
      if (!frame) co_return;
      const auto* data = std::get_if<pg::replication::XLogData>(&*frame);
      if (!data || data->payload.empty()) continue;
      char type = static_cast<char>(data->payload[0]);
      if (type == 'B') types.clear();
      types += type;
      if (type == 'C' && types.find('I') != std::string::npos) {
        // Commit: 'C', flags Int8, commit LSN Int64, end LSN Int64, timestamp Int64.
        EXPECT_EQ(data->payload.size(), 1u + 1 + 8 + 8 + 8);
        for (std::size_t i = 10; i < 18; ++i) {
          end_lsn.value = (end_lsn.value << 8) | static_cast<std::uint8_t>(data->payload[i]);
        }
      }
    }
    EXPECT_TRUE(end_lsn.valid()) << "no committed insert arrived; types seen: " << types;
    EXPECT_EQ(types.front(), 'B');
    EXPECT_EQ(types.back(), 'C');
    EXPECT_EQ(std::count(types.begin(), types.end(), 'I'), 2) << types;

    auto status = pg::replication::standby_status(end_lsn, end_lsn, end_lsn,
                                                  pg::replication::postgres_now_us());
    auto sent = co_await replication->send(status);
    EXPECT_TRUE(sent.has_value()) << sent.error().message;
    std::string confirmed;
    for (int attempt = 0; attempt < 100 && confirmed != end_lsn.text(); ++attempt) {
      std::this_thread::sleep_for(50ms);
      confirmed = scalar(uri_,
                         "SELECT confirmed_flush_lsn FROM pg_replication_slots "
                         "WHERE slot_name = '" +
                             slot_ + "'");
    }
    EXPECT_EQ(confirmed, end_lsn.text());
  });
}

TEST_F(ReplicationConnectionTest, IdleStreamReturnsNothingWithinTheWait) {
  run([this]() -> Task<void> {
    auto replication = co_await open();
    EXPECT_TRUE(replication.has_value()) << replication.error().message;
    if (!replication) co_return;
    auto slot = co_await replication->create_slot(slot_);
    EXPECT_TRUE(slot.has_value()) << slot.error().message;
    if (!slot) co_return;
    auto started = co_await replication->start(slot_, slot->consistent_point, "pgshift_rc_pub");
    EXPECT_TRUE(started.has_value()) << started.error().message;
    if (!started) co_return;

    // The walsender pings until the client has confirmed what it sent: answer those keepalives,
    // then nothing more comes. Other tests writing to the same cluster move the server's WAL on,
    // which brings more keepalives: allow many rounds before calling the stream never idle.
    std::vector<std::byte> message;
    bool idle = false;
    for (int attempt = 0; attempt < 200 && !idle; ++attempt) {
      auto began = std::chrono::steady_clock::now();
      auto got = co_await replication->next_message(message, 300ms);
      auto took = std::chrono::steady_clock::now() - began;
      EXPECT_TRUE(got.has_value()) << got.error().message;
      if (!got) co_return;
      if (!*got) {
        idle = true;
        EXPECT_GE(took, 290ms);
        EXPECT_LT(took, 2s);
        continue;
      }
      auto frame = pg::replication::parse_frame(message);
      EXPECT_TRUE(frame.has_value());
      const auto* keepalive = frame ? std::get_if<pg::replication::Keepalive>(&*frame) : nullptr;
      EXPECT_NE(keepalive, nullptr) << "data on an idle stream";
      if (!keepalive) co_return;
      auto end = keepalive->wal_end;
      co_await replication->send(
          pg::replication::standby_status(end, end, end, pg::replication::postgres_now_us()));
    }
    EXPECT_TRUE(idle);
  });
}

TEST_F(ReplicationConnectionTest, TerminatedWalsenderEndsTheStreamWithAnError) {
  run([this]() -> Task<void> {
    auto replication = co_await open();
    EXPECT_TRUE(replication.has_value()) << replication.error().message;
    if (!replication) co_return;
    auto slot = co_await replication->create_slot(slot_);
    EXPECT_TRUE(slot.has_value()) << slot.error().message;
    if (!slot) co_return;
    auto started = co_await replication->start(slot_, slot->consistent_point, "pgshift_rc_pub");
    EXPECT_TRUE(started.has_value()) << started.error().message;
    if (!started) co_return;
    std::string pid = scalar(uri_,
                             "SELECT pid FROM pg_stat_replication WHERE pid = (SELECT "
                             "active_pid FROM pg_replication_slots WHERE slot_name = '" +
                                 slot_ + "')");
    EXPECT_FALSE(pid.empty());
    if (pid.empty()) co_return;
    exec(uri_, "SELECT pg_terminate_backend(" + pid + ")");

    auto began = std::chrono::steady_clock::now();
    std::optional<Error> ended;
    std::vector<std::byte> message;
    for (int attempt = 0; attempt < 20 && !ended; ++attempt) {
      auto got = co_await replication->next_message(message, 500ms);
      if (!got) ended = got.error();
    }
    EXPECT_TRUE(ended.has_value()) << "the stream did not end";
    if (!ended) co_return;
    EXPECT_TRUE(ended->connection_lost) << ended->message;
    // The server's reason comes through: "terminating connection due to administrator command".
    EXPECT_NE(ended->message.find("terminating connection"), std::string::npos) << ended->message;
    EXPECT_EQ(ended->sqlstate, "57P01") << ended->message;
    EXPECT_LT(std::chrono::steady_clock::now() - began, 5s);
  });
}

TEST_F(ReplicationConnectionTest, UnknownSlotIsAnErrorNamingIt) {
  run([this]() -> Task<void> {
    auto replication = co_await open();
    EXPECT_TRUE(replication.has_value()) << replication.error().message;
    if (!replication) co_return;
    std::string missing = slot_ + "_missing";
    auto started = co_await replication->start(missing, Lsn{}, "pgshift_rc_pub");
    EXPECT_FALSE(started.has_value());
    if (started) co_return;
    EXPECT_NE(started.error().message.find(missing), std::string::npos) << started.error().message;
    EXPECT_EQ(started.error().sqlstate, "42704") << started.error().message;
  });
}

}  // namespace
}  // namespace pgshift::test
