// The per-chunk verification of `migrate` catches a target that stores something other than what
// was sent: a BEFORE INSERT trigger planted on the target (by an event trigger, since pgshift
// creates the tables) changes one row of a keyed table and one of a keyless table on the way in.
// The run must end with exit 1 naming exactly the chunk that holds the changed row, and every
// other chunk verified equal.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sys/wait.h>

#include <chrono>
#include <thread>

#include "tests/support/pg_test.hpp"

namespace pgshift::test {
namespace {

constexpr const char* kTamperOnTheWayIn = R"SQL(
CREATE SCHEMA tamper;
CREATE FUNCTION tamper.keyed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.id = 170000 THEN NEW.body := NEW.body || ' (changed on the way in)'; END IF;
  RETURN NEW;
END $$;
CREATE FUNCTION tamper.keyless() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.a = 7 AND NEW.b = 'row 7' THEN NEW.b := 'row 8'; END IF;
  RETURN NEW;
END $$;
CREATE FUNCTION tamper.plant() RETURNS event_trigger LANGUAGE plpgsql AS $$
DECLARE created record;
BEGIN
  FOR created IN SELECT * FROM pg_event_trigger_ddl_commands() WHERE command_tag = 'CREATE TABLE'
  LOOP
    IF created.object_identity = 'public.docs' THEN
      CREATE TRIGGER tamper BEFORE INSERT ON public.docs
        FOR EACH ROW EXECUTE FUNCTION tamper.keyed();
    ELSIF created.object_identity = 'public.log' THEN
      CREATE TRIGGER tamper BEFORE INSERT ON public.log
        FOR EACH ROW EXECUTE FUNCTION tamper.keyless();
    END IF;
  END LOOP;
END $$;
CREATE EVENT TRIGGER tamper_plant ON ddl_command_end EXECUTE FUNCTION tamper.plant();
)SQL";

TEST(ReadBack, ARowChangedOnTheWayInIsNamedByItsChunk) {
  std::string source = fresh_database(source_cluster(), "readback_src");
  std::string target = fresh_database(target_cluster(), "readback_dst");
  // About 24 MB of docs: 1 MB chunks give many chunks, read back in one pass per table.
  exec(source,
       "CREATE TABLE docs (id int PRIMARY KEY, body text NOT NULL);"
       "INSERT INTO docs SELECT i, repeat(md5(i::text), 3) FROM generate_series(1, 200000) i;"
       "CREATE TABLE log (a int, b text);"
       "INSERT INTO log SELECT i % 100, 'row ' || (i % 100) FROM generate_series(1, 5000) i;"
       "CREATE TABLE clean (id bigint PRIMARY KEY, v text);"
       "INSERT INTO clean SELECT i, 'v' || i FROM generate_series(1, 50000) i;");
  exec(target, kTamperOnTheWayIn);

  std::string report = std::string(::testing::TempDir()) + "readback-report.json";
  auto run = run_pgshift({"migrate", "--source", source, "--target", target, "--jobs", "2",
                          "--chunk-size", "1", "--report", report});
  ASSERT_EQ(run.exit_code, 1) << run.out << run.err;

  // The state names the one changed chunk of docs: the one whose key range holds id 170000.
  auto docs_chunks = query(target,
                           "SELECT c.chunk_no, c.state, c.verified, c.rows, c.target_rows "
                           "FROM pgshift.chunks c JOIN pgshift.tables t USING (table_id) "
                           "WHERE t.table_name = 'docs' ORDER BY c.chunk_no");
  ASSERT_GT(docs_chunks.size(), 4u);
  int mismatched = 0;
  for (const auto& chunk : docs_chunks) {
    EXPECT_EQ(chunk[2], "full") << "chunk " << chunk[0];
    EXPECT_EQ(chunk[3], chunk[4]) << "chunk " << chunk[0];  // same rows, one changed value
    if (chunk[1] == "mismatch") ++mismatched;
  }
  EXPECT_EQ(mismatched, 1);
  // ... and that chunk's key range is the one holding id 170000.
  EXPECT_EQ(scalar(target,
                   "SELECT count(*) FROM pgshift.chunks c JOIN pgshift.tables t USING (table_id) "
                   "WHERE t.table_name = 'docs' AND c.state = 'mismatch' "
                   "AND COALESCE(c.lower_bound[1]::int <= 170000, true) "
                   "AND COALESCE(c.upper_bound[1]::int > 170000, true)"),
            "1");

  auto body = read_file(report);
  EXPECT_NE(body.find("\"status\": \"differences\""), std::string::npos) << body;
  EXPECT_NE(body.find("whole table (no key)"), std::string::npos) << body;  // log, keyless
  // The untouched table is verified and equal.
  EXPECT_EQ(scalar(target,
                   "SELECT count(*) FILTER (WHERE verified = 'full' AND state = 'done') || '/' || "
                   "count(*) FROM pgshift.chunks c JOIN pgshift.tables t USING (table_id) "
                   "WHERE t.table_name = 'clean'"),
            scalar(target,
                   "SELECT count(*) || '/' || count(*) FROM pgshift.chunks c "
                   "JOIN pgshift.tables t USING (table_id) WHERE t.table_name = 'clean'"));
  // The error line names the chunk.
  std::string changed =
      scalar(target,
             "SELECT c.chunk_no FROM pgshift.chunks c JOIN pgshift.tables t "
             "USING (table_id) WHERE t.table_name = 'docs' AND c.state = 'mismatch'");
  EXPECT_NE(run.err.find("chunk " + changed), std::string::npos) << run.err;
}

// Processes sharing a run share a finished table's read-back: its page ranges are parts in the run
// state that any of them claims. Here the test plays a second process that claims the last part
// and dies holding it: the finisher must wait for that part, not verify the table without it, and
// read it itself once the lock is gone.
TEST(ReadBack, APartHeldByAnotherProcessIsReadOnceItIsLetGo) {
  std::string source = fresh_database(source_cluster(), "readback_held_src");
  std::string target = fresh_database(target_cluster(), "readback_held_dst");
  exec(source,
       "CREATE TABLE big (id int PRIMARY KEY, body text NOT NULL);"
       "INSERT INTO big SELECT i, repeat(md5(i::text), 4) FROM generate_series(1, 300000) i;");
  std::string log = std::string(::testing::TempDir()) + "readback-held.err";
  pid_t run = spawn_pgshift(
      {"migrate", "--source", source, "--target", target, "--jobs", "1", "--chunk-size", "4"}, log);

  PGconn* other = PQconnectdb(target.c_str());
  ASSERT_EQ(PQstatus(other), CONNECTION_OK) << PQerrorMessage(other);
  auto one_value = [&](const char* sql) {
    PGresult* result = PQexec(other, sql);
    std::string value = PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) == 1
                            ? PQgetvalue(result, 0, 0)
                            : "";
    PQclear(result);
    return value;
  };
  std::string held;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (held.empty() && std::chrono::steady_clock::now() < deadline) {
    if (one_value("SELECT to_regclass('pgshift.readback_parts') IS NOT NULL") == "t") {
      PQclear(PQexec(other, "BEGIN"));
      held = one_value(
          "SELECT part FROM pgshift.readback_parts WHERE NOT done ORDER BY part DESC LIMIT 1 "
          "FOR UPDATE SKIP LOCKED");
      if (held.empty()) PQclear(PQexec(other, "ROLLBACK"));
    }
    if (held.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_FALSE(held.empty()) << "no read-back part was published to take";

  // Held for 3 s: the run waits for the part instead of finishing without it.
  std::this_thread::sleep_for(std::chrono::seconds(3));
  int status = 0;
  EXPECT_EQ(waitpid(run, &status, WNOHANG), 0) << "the run ended while a part was unread";
  EXPECT_EQ(scalar(target, "SELECT count(*) FROM pgshift.chunks WHERE verified IS NOT NULL"), "0")
      << "chunks were verified before every part was read";
  PQclear(PQexec(other, "ROLLBACK"));  // the other process dies: its lock goes with it
  PQfinish(other);

  ASSERT_EQ(waitpid(run, &status, 0), run);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << read_file(log);
  EXPECT_EQ(scalar(target,
                   "SELECT count(*) FILTER (WHERE state = 'done' AND verified = 'full') = count(*) "
                   "AND count(*) > 1 FROM pgshift.chunks"),
            "t");
  EXPECT_EQ(scalar(target, "SELECT bool_and(done) FROM pgshift.readback_parts"), "t");
  EXPECT_EQ(table_digest(target, "big"), table_digest(source, "big"));
}

}  // namespace
}  // namespace pgshift::test
