#include "connectors/pg/replication/replication_connection.hpp"

#include "connectors/pg/replication/wire_frames.hpp"
#include "connectors/pg/session.hpp"
#include "engine/model/pg_quote.hpp"

namespace pgshift::pg {
namespace {

using Clock = std::chrono::steady_clock;

// How long a stream that has ended may take to say why (an ErrorResponse, then ReadyForQuery or
// the end of the connection).
constexpr std::chrono::seconds kEndReasonWait{10};

// A standby status update ('r'): type, written, flushed, applied, clock, reply flag.
constexpr std::size_t kStandbyStatusSize = 1 + 8 + 8 + 8 + 8 + 1;

Lsn read_lsn(std::span<const std::byte> bytes, std::size_t at) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < 8; ++i)
    value = (value << 8) | static_cast<std::uint8_t>(bytes[at + i]);
  return Lsn{value};
}

// The text of column `name` in the one-row result of a replication command.
Result<std::string> column_text(const PgResult& result, const char* name, std::string_view what) {
  int column = PQfnumber(result.get(), name);
  if (result.rows() != 1 || column < 0 || result.is_null(0, column)) {
    return fail(ErrorKind::kRuntime,
                std::string(what) + ": unexpected answer (no " + name + " in one row)");
  }
  return result.text(0, column);
}

}  // namespace

ReplicationConnection::ReplicationConnection(Connection connection)
    : connection_(std::move(connection)), last_received_(Clock::now()) {}

Task<Result<ReplicationConnection>> ReplicationConnection::open(const Endpoint& endpoint,
                                                                std::string label) {
  // Last in the conninfo, so they win over the endpoint's own values.
  const ConninfoOverrides overrides = {{"replication", "database"},
                                       {"application_name", "pgshift"}};
  auto connection =
      co_await Connection::open(endpoint, std::move(label), std::chrono::seconds(15), overrides);
  if (!connection) co_return fail(connection.error());
  // A replication=database walsender runs plain SQL too (simple query protocol), and its
  // settings are the ones its decoded values are printed with: the same as every session's.
  auto setup = co_await connection->query(kSessionSetup);
  if (!setup) co_return fail(setup.error());
  co_return ReplicationConnection(std::move(*connection));
}

Task<Result<CreatedSlot>> ReplicationConnection::create_slot(std::string_view name,
                                                             bool temporary) {
  std::string command = "CREATE_REPLICATION_SLOT " + quote_identifier(name) +
                        (temporary ? " TEMPORARY" : "") + " LOGICAL pgoutput ";
  // PostgreSQL 15 replaced the keyword form with an option list (it still parses the old one).
  if (connection_.server_version() >= 150000) {
    command += "(SNAPSHOT 'export')";
  } else {
    command += "EXPORT_SNAPSHOT";
  }
  auto result = co_await connection_.query(command);
  if (!result) co_return fail(result.error());
  const std::string what = connection_.label() + ": creating replication slot " + std::string(name);
  auto slot_name = column_text(*result, "slot_name", what);
  auto point = column_text(*result, "consistent_point", what);
  auto snapshot = column_text(*result, "snapshot_name", what);
  for (const auto* field : {&slot_name, &point, &snapshot}) {
    if (!*field) co_return fail(field->error());
  }
  auto consistent_point = Lsn::parse(*point);
  if (!consistent_point) {
    co_return fail(ErrorKind::kRuntime, what + ": consistent_point is no LSN: " + *point);
  }
  co_return CreatedSlot{std::move(*slot_name), *consistent_point, std::move(*snapshot)};
}

Task<Status> ReplicationConnection::start(std::string_view slot, Lsn from,
                                          std::string_view publication) {
  // publication_names is a literal holding a list of (quoted) identifiers.
  std::string command = "START_REPLICATION SLOT " + quote_identifier(slot) + " LOGICAL " +
                        from.text() + " (proto_version '1', publication_names " +
                        quote_literal(quote_identifier(publication));
  if (connection_.server_version() >= 140000) command += ", messages 'true'";
  command += ")";
  auto result = co_await connection_.query(command);
  if (!result) co_return fail(result.error());
  if (PQresultStatus(result->get()) != PGRES_COPY_BOTH) {
    co_return fail(ErrorKind::kRuntime, connection_.label() + ": START_REPLICATION on slot " +
                                            std::string(slot) + " did not start a stream (" +
                                            PQresStatus(PQresultStatus(result->get())) + ")");
  }
  last_received_ = Clock::now();
  probe_sent_ = false;
  co_return Status{};
}

Task<Result<bool>> ReplicationConnection::next_message(std::vector<std::byte>& out,
                                                       std::chrono::milliseconds wait) {
  PGconn* conn = connection_.raw();
  auto deadline = Clock::now() + wait;
  for (;;) {
    char* buffer = nullptr;
    int length = PQgetCopyData(conn, &buffer, /*async=*/1);
    if (length > 0) {
      PgCopyBuffer owner(buffer);
      auto* bytes = reinterpret_cast<const std::byte*>(buffer);
      out.assign(bytes, bytes + length);
      last_received_ = Clock::now();
      probe_sent_ = false;
      co_return true;
    }
    if (length == -1) co_return fail(co_await stream_end_error());
    if (length < 0) co_return fail(connection_.connection_error("reading the replication stream"));
    auto now = Clock::now();
    if (now >= deadline) {
      if (auto silence = co_await check_silence(); !silence) co_return fail(silence.error());
      co_return false;
    }
    auto ready = co_await connection_.wait_readable_for(
        std::chrono::ceil<std::chrono::milliseconds>(deadline - now));
    if (!ready) co_return fail(ready.error());
  }
}

Task<Status> ReplicationConnection::check_silence() {
  auto silent = Clock::now() - last_received_;
  if (silent >= kLostAfterSilence) {
    co_return fail(Error{ErrorKind::kRuntime,
                         connection_.label() + ": replication stream silent for " +
                             std::to_string(kLostAfterSilence.count()) +
                             " s, also after a status update that asked for a reply "
                             "(connection lost)",
                         {},
                         true});
  }
  if (silent < kProbeAfterSilence || probe_sent_) co_return Status{};
  probe_sent_ = true;
  auto probe = replication::standby_status(status_written_, status_flushed_, status_applied_,
                                           replication::postgres_now_us(),
                                           /*reply_requested=*/true);
  co_return co_await connection_.write_copy(probe);
}

Task<Error> ReplicationConnection::stream_end_error() {
  PGconn* conn = connection_.raw();
  // The server says why (ErrorResponse), then either waits for the next command (ReadyForQuery)
  // or closes the connection (FATAL). Once the socket is closed, PQgetResult returns at once with
  // what libpq read before.
  while (PQisBusy(conn)) {
    auto ready = co_await connection_.wait_readable_for(kEndReasonWait);
    if (!ready) {
      if (PQstatus(conn) != CONNECTION_BAD) co_return ready.error();
      break;
    }
    if (!*ready) {
      co_return Error{ErrorKind::kRuntime,
                      connection_.label() + ": the replication stream ended without a reason",
                      {},
                      true};
    }
  }
  // Only the first result: after a CopyDone from the server, libpq repeats a COPY IN result.
  PgResult result(PQgetResult(conn));
  auto status = result ? PQresultStatus(result.get()) : PGRES_EMPTY_QUERY;
  // Without an error, a walsender ends a stream we did not end only when its server shuts down
  // (a restart, a switchover: it sends CopyDone and exits): worth a retry like a lost connection.
  Error error{ErrorKind::kRuntime,
              connection_.label() + ": the server ended the replication stream",
              {},
              true};
  if (status == PGRES_FATAL_ERROR || status == PGRES_BAD_RESPONSE) {
    error = error_from_result(result.get(), connection_.label());
  }
  // A FATAL error ends the session: the server closes the connection right after it (libpq may
  // not have seen the end of the socket yet).
  const char* severity =
      result ? PQresultErrorField(result.get(), PG_DIAG_SEVERITY_NONLOCALIZED) : nullptr;
  bool session_ended =
      severity && (std::string_view(severity) == "FATAL" || std::string_view(severity) == "PANIC");
  if (session_ended || PQstatus(conn) == CONNECTION_BAD) error.connection_lost = true;
  co_return error;
}

Task<Status> ReplicationConnection::send(std::span<const std::byte> copy_data) {
  if (copy_data.size() == kStandbyStatusSize && copy_data[0] == std::byte{'r'}) {
    status_written_ = read_lsn(copy_data, 1);
    status_flushed_ = read_lsn(copy_data, 9);
    status_applied_ = read_lsn(copy_data, 17);
  }
  co_return co_await connection_.write_copy(copy_data);
}

}  // namespace pgshift::pg
