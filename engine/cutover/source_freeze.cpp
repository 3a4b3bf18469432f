#include "engine/cutover/source_freeze.hpp"

#include "engine/core/asio.hpp"
#include "engine/core/sleep_for.hpp"
#include "engine/model/pg_quote.hpp"

namespace pgshift::cutover {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kPoll = std::chrono::milliseconds(5);

// Client sessions of this database that are neither this one nor pgshift's.
constexpr const char* kOtherSessions =
    "FROM pg_catalog.pg_stat_activity a WHERE a.datname = pg_catalog.current_database() "
    "AND a.backend_type = 'client backend' AND a.pid <> pg_catalog.pg_backend_pid() "
    "AND coalesce(a.application_name, '') <> 'pgshift'";

std::string role_array(const std::vector<std::string>& roles) {
  std::string array = "ARRAY[";
  for (std::size_t i = 0; i < roles.size(); ++i) {
    if (i) array += ", ";
    array += pg::quote_literal(roles[i]);
  }
  array += "]::text[]";
  return array;
}

// "ALTER ROLE r IN DATABASE d" / "ALTER DATABASE d" with the setting's previous value, or RESET.
std::string setting_sql(const std::string& subject, const std::string& previous) {
  if (previous.empty()) return subject + " RESET default_transaction_read_only;\n";
  return subject + " SET default_transaction_read_only = " + pg::quote_literal(previous) + ";\n";
}

}  // namespace

Task<Result<FreezePlan>> plan_freeze(pg::Connection& source) {
  // Each role's previous setting in this database ('' = none), and whether this role may alter
  // the database.
  std::string sql =
      "WITH db AS (SELECT oid, datname, datdba FROM pg_catalog.pg_database WHERE datname = "
      "pg_catalog.current_database()), "
      "roles AS (SELECT DISTINCT r.oid, r.rolname FROM pg_catalog.pg_stat_activity a JOIN "
      "pg_catalog.pg_roles r ON r.oid = a.usesysid WHERE NOT r.rolsuper AND a.pid IN (SELECT "
      "a.pid ";
  sql += kOtherSessions;
  sql +=
      ")) "
      "SELECT r.rolname, coalesce((SELECT substr(s, 31) FROM pg_catalog.pg_db_role_setting d, "
      "unnest(d.setconfig) s WHERE d.setdatabase = db.oid AND d.setrole = r.oid AND s LIKE "
      "'default\\_transaction\\_read\\_only=%'), ''), db.datname, "
      "coalesce((SELECT substr(s, 31) FROM pg_catalog.pg_db_role_setting d, unnest(d.setconfig) "
      "s WHERE d.setdatabase = db.oid AND d.setrole = 0 AND s LIKE "
      "'default\\_transaction\\_read\\_only=%'), ''), "
      "(SELECT rolsuper OR pg_catalog.pg_has_role(db.datdba, 'MEMBER') FROM pg_catalog.pg_roles "
      "WHERE rolname = current_user) "
      "FROM db LEFT JOIN roles r ON true ORDER BY 1";
  auto rows = co_await source.query(sql);
  if (!rows) co_return fail(std::move(rows.error()).within("reading the application roles"));
  FreezePlan plan;
  std::string freeze = "BEGIN;\n", undo = "BEGIN;\n";
  for (int row = 0; row < rows->rows(); ++row) {
    if (rows->is_null(row, 0)) continue;
    std::string role = rows->text(row, 0);
    std::string subject = "ALTER ROLE " + pg::quote_identifier(role) + " IN DATABASE " +
                          pg::quote_identifier(rows->text(row, 2));
    freeze += subject + " SET default_transaction_read_only = on;\n";
    undo += setting_sql(subject, rows->text(row, 1));
    plan.roles.push_back(std::move(role));
  }
  if (rows->rows() > 0 && rows->boolean(0, 4)) {
    std::string subject = "ALTER DATABASE " + pg::quote_identifier(rows->text(0, 2));
    freeze += subject + " SET default_transaction_read_only = on;\n";
    undo += setting_sql(subject, rows->text(0, 3));
    plan.database_level = true;
  }
  plan.freeze_sql = freeze + "COMMIT;";
  plan.undo_sql = undo + "COMMIT;";
  co_return plan;
}

Task<Result<int>> end_application_sessions(pg::Connection& source, const FreezePlan& plan,
                                           std::chrono::milliseconds grace) {
  if (plan.roles.empty()) co_return 0;
  std::string of_roles =
      std::string(kOtherSessions) + " AND a.usename = ANY (" + role_array(plan.roles) + ")";
  auto deadline = Clock::now() + grace;
  int ended = 0;
  for (;;) {
    bool all = Clock::now() >= deadline;
    // Built before the co_await: GCC 12 destroys a ?: temporary inside one twice.
    std::string sql =
        "SELECT count(*) FILTER (WHERE pg_catalog.pg_terminate_backend(a.pid)), count(*) ";
    sql += of_roles;
    if (!all) sql += " AND a.state = 'idle'";
    auto rows = co_await source.query(sql);
    if (!rows) co_return fail(std::move(rows.error()).within("ending the application's sessions"));
    int signalled = std::stoi(rows->text(0, 0));
    if (signalled < std::stoi(rows->text(0, 1))) {
      co_return fail(ErrorKind::kRefused,
                     "cannot end the application's sessions on the source (needs a superuser, "
                     "or GRANT pg_signal_backend TO the role pgshift connects as)");
    }
    ended += signalled;
    auto left = co_await source.query("SELECT count(*) " + of_roles);
    if (!left) co_return fail(left.error());
    if (left->text(0, 0) == "0") co_return ended;
    if (all) {
      co_await sleep_for(kPoll);  // ended sessions leave pg_stat_activity a moment later
      if (Clock::now() >= deadline + grace) {
        co_return fail(ErrorKind::kRuntime, "application sessions on the source did not end");
      }
    } else {
      co_await sleep_for(kPoll);
    }
  }
}

Task<Status> wait_for_writers_to_finish(pg::Connection& source, std::chrono::milliseconds limit) {
  auto deadline = Clock::now() + limit;
  for (;;) {
    auto rows = co_await source.query(
        std::string("SELECT a.pid, a.usename, coalesce(a.application_name, '') ") + kOtherSessions +
        " AND a.backend_xid IS NOT NULL ORDER BY 1 LIMIT 5");
    if (!rows) co_return fail(std::move(rows.error()).within("checking for writers"));
    if (rows->rows() == 0) co_return Status{};
    if (Clock::now() >= deadline) {
      std::string names;
      for (int row = 0; row < rows->rows(); ++row) {
        if (row) names += ", ";
        names += "pid " + rows->text(row, 0) + " (role " + rows->text(row, 1);
        if (!rows->text(row, 2).empty()) names += ", " + rows->text(row, 2);
        names += ")";
      }
      co_return fail(ErrorKind::kRuntime,
                     "sessions the freeze does not stop (a superuser's?) are still writing on "
                     "the source: " +
                         names);
    }
    co_await sleep_for(kPoll);
  }
}

}  // namespace pgshift::cutover
