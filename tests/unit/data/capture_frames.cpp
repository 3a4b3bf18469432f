// The frame capture behind tests/unit/data/capture_frames.sh (not part of the build): streams a
// logical slot over a replication connection and prints every CopyData message the server sends,
// as "frame HEX", until it has seen a Commit and a keepalive that asks for a reply. It then answers
// with pgshift's own standby status update (replication::standby_status) acknowledging the
// Commit's end LSN, prints it as "status HEX", and waits until the server shows that LSN as the
// slot's confirmed_flush_lsn ("confirmed LSN"): the server accepted the encoding.
//   capture_frames REPLICATION_CONNINFO SQL_CONNINFO SLOT
#include <libpq-fe.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <variant>

#include "connectors/pg/replication/pgoutput.hpp"
#include "connectors/pg/replication/wire_frames.hpp"

namespace {

using namespace pgshift::pg;

std::string hex(const void* data, std::size_t size) {
  std::string out;
  char pair[3];
  for (std::size_t i = 0; i < size; ++i) {
    std::snprintf(pair, sizeof pair, "%02x", static_cast<const unsigned char*>(data)[i]);
    out += pair;
  }
  return out;
}

int die(const char* what, PGconn* conn) {
  std::fprintf(stderr, "capture_frames: %s: %s\n", what, PQerrorMessage(conn));
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: capture_frames REPLICATION_CONNINFO SQL_CONNINFO SLOT\n");
    return 2;
  }
  PGconn* stream = PQconnectdb(argv[1]);
  PGconn* sql = PQconnectdb(argv[2]);
  if (PQstatus(stream) != CONNECTION_OK) return die("replication connection", stream);
  if (PQstatus(sql) != CONNECTION_OK) return die("SQL connection", sql);
  std::string start = std::string("START_REPLICATION SLOT ") + argv[3] +
                      " LOGICAL 0/0 (proto_version '1', publication_names 'pub', messages 'true')";
  PGresult* result = PQexec(stream, start.c_str());
  if (PQresultStatus(result) != PGRES_COPY_BOTH) return die("START_REPLICATION", stream);
  PQclear(result);

  Lsn commit_end;
  bool reply_requested = false;
  while (!commit_end.valid() || !reply_requested) {
    char* buffer = nullptr;
    int size = PQgetCopyData(stream, &buffer, 0);
    if (size < 0) return die("reading the stream", stream);
    std::printf("frame %s\n", hex(buffer, static_cast<std::size_t>(size)).c_str());
    auto frame =
        replication::parse_frame(std::as_bytes(std::span(buffer, static_cast<std::size_t>(size))));
    if (!frame) return die(frame.error().message.c_str(), stream);
    if (auto* keepalive = std::get_if<replication::Keepalive>(&*frame)) {
      reply_requested = reply_requested || keepalive->reply_requested;
    } else {
      auto message = pgoutput::decode(std::get<replication::XLogData>(*frame).payload);
      if (!message) return die(message.error().message.c_str(), stream);
      if (auto* commit = std::get_if<pgoutput::Commit>(&*message)) commit_end = commit->end_lsn;
    }
    PQfreemem(buffer);
  }

  auto status = replication::standby_status(commit_end, commit_end, commit_end,
                                            replication::postgres_now_us());
  std::printf("status %s\n", hex(status.data(), status.size()).c_str());
  if (PQputCopyData(stream, reinterpret_cast<const char*>(status.data()),
                    static_cast<int>(status.size())) != 1 ||
      PQflush(stream) != 0) {
    return die("sending the standby status", stream);
  }
  std::string query = std::string("SELECT confirmed_flush_lsn FROM pg_replication_slots ") +
                      "WHERE slot_name = '" + argv[3] + "'";
  for (int attempt = 0; attempt < 100; ++attempt) {
    result = PQexec(sql, query.c_str());
    std::string confirmed = PQntuples(result) == 1 ? PQgetvalue(result, 0, 0) : "";
    PQclear(result);
    if (Lsn::parse(confirmed) == commit_end) {
      std::printf("confirmed %s\n", confirmed.c_str());
      PQfinish(stream);
      PQfinish(sql);
      return 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::fprintf(stderr, "capture_frames: the server never confirmed %s\n",
               commit_end.text().c_str());
  return 1;
}
