#include "connectors/pg/pipeline.hpp"

namespace pgshift::pg {

Pipeline::Pipeline(Connection& connection, ResultHandler on_result, Limits limits)
    : connection_(connection), on_result_(std::move(on_result)), limits_(limits) {
  if (limits_.syncs_in_flight == 0) limits_.syncs_in_flight = 1;
}

Status Pipeline::sticky_error() const {
  if (error_) return fail(*error_);
  return Status{};
}

Status Pipeline::enter() {
  if (active_) return sticky_error();
  if (!PQenterPipelineMode(connection_.raw())) {
    return fail(connection_.connection_error("entering pipeline mode"));
  }
  active_ = true;
  return Status{};
}

Task<Status> Pipeline::prepare(const std::string& name, const std::string& sql,
                               std::span<const Oid> parameter_types, const std::string* label) {
  if (auto entered = enter(); !entered) co_return entered;
  if (!PQsendPrepare(connection_.raw(), name.c_str(), sql.c_str(),
                     static_cast<int>(parameter_types.size()), parameter_types.data())) {
    co_return fail(connection_.connection_error("preparing " + (label ? *label : name)));
  }
  co_return co_await queued(Pending{.is_prepare = true, .label = label}, sql.size());
}

Task<Status> Pipeline::execute_prepared(const std::string& name,
                                        std::span<const char* const> parameters,
                                        std::size_t parameter_bytes, std::uint32_t tag,
                                        const std::string* label) {
  if (auto entered = enter(); !entered) co_return entered;
  if (!PQsendQueryPrepared(connection_.raw(), name.c_str(), static_cast<int>(parameters.size()),
                           parameters.data(), nullptr, nullptr, 0)) {
    co_return fail(connection_.connection_error("sending " + (label ? *label : name)));
  }
  co_return co_await queued(Pending{.tag = tag, .label = label}, parameter_bytes);
}

Task<Status> Pipeline::execute(const std::string& sql, std::uint32_t tag,
                               const std::string* label) {
  if (auto entered = enter(); !entered) co_return entered;
  if (!PQsendQueryParams(connection_.raw(), sql.c_str(), 0, nullptr, nullptr, nullptr, nullptr,
                         0)) {
    co_return fail(connection_.connection_error("sending " + (label ? *label : sql)));
  }
  co_return co_await queued(Pending{.tag = tag, .label = label}, sql.size());
}

Task<Status> Pipeline::queued(Pending pending, std::size_t bytes) {
  pending_.push_back(pending);
  ++statements_since_sync_;
  bytes_since_sync_ += bytes;
  if (statements_since_sync_ < limits_.statements_per_sync &&
      bytes_since_sync_ < limits_.bytes_per_sync) {
    co_return Status{};
  }
  if (auto synced = sync(); !synced) co_return synced;
  // Sending and reading alternate per group: a group's results (a few dozen bytes a statement)
  // fit in the socket buffers, so the server never blocks writing while we block sending.
  if (auto flushed = co_await connection_.flush(); !flushed) co_return flushed;
  if (auto read = co_await read_results(true, limits_.syncs_in_flight - 1); !read) co_return read;
  co_return sticky_error();
}

Status Pipeline::sync() {
  if (!PQpipelineSync(connection_.raw())) {
    return fail(connection_.connection_error("syncing the pipeline"));
  }
  pending_.push_back(Pending{.is_sync = true});
  ++syncs_unanswered_;
  statements_since_sync_ = 0;
  bytes_since_sync_ = 0;
  return Status{};
}

Task<Status> Pipeline::read_results(bool wait, std::size_t keep) {
  PGconn* conn = connection_.raw();
  if (!PQconsumeInput(conn)) co_return fail(connection_.connection_error("reading"));
  for (;;) {
    // PQisBusy says whether PQgetResult would block; in pipeline mode a statement's result is
    // followed by a null result, a sync by none.
    while (!pending_.empty() && !PQisBusy(conn)) {
      PgResult result(PQgetResult(conn));
      if (!result && pending_.front().is_sync) {
        co_return fail(ErrorKind::kRuntime,
                       connection_.label() + ": pipeline out of step: no sync result");
      }
      handle(std::move(result));
    }
    if (!wait || pending_.empty() || syncs_unanswered_ <= keep) break;
    if (auto waited = co_await connection_.wait_readable(); !waited) co_return waited;
  }
  if (PQstatus(conn) == CONNECTION_BAD) co_return fail(connection_.connection_error("pipeline"));
  co_return Status{};
}

void Pipeline::handle(PgResult result) {
  Pending& front = pending_.front();
  if (front.is_sync) {
    pending_.pop_front();
    --syncs_unanswered_;
    return;
  }
  if (!result) {
    pending_.pop_front();  // the statement's results are complete
    return;
  }
  switch (PQresultStatus(result.get())) {
    case PGRES_FATAL_ERROR:
    case PGRES_BAD_RESPONSE:
      if (!error_) {
        auto error = error_from_result(result.get(), connection_.label());
        if (PQstatus(connection_.raw()) == CONNECTION_BAD) error.connection_lost = true;
        error_ = front.label ? std::move(error).within(*front.label) : std::move(error);
      }
      break;
    case PGRES_PIPELINE_ABORTED:  // skipped after an earlier error, which is kept
      break;
    default:
      if (!front.is_prepare && on_result_) on_result_(front.tag, result.get());
  }
}

Task<Status> Pipeline::drain() {
  if (!active_) co_return sticky_error();
  if (pending_.empty() || !pending_.back().is_sync) {
    if (auto synced = sync(); !synced) co_return synced;
  }
  if (auto flushed = co_await connection_.flush(); !flushed) co_return flushed;
  if (auto read = co_await read_results(true, 0); !read) co_return read;
  // Every result is in; should libpq still owe the null result that ends the pipeline, take it.
  if (!PQexitPipelineMode(connection_.raw())) {
    if (!PQisBusy(connection_.raw())) PgResult(PQgetResult(connection_.raw()));
    if (!PQexitPipelineMode(connection_.raw())) {
      co_return fail(connection_.connection_error("leaving pipeline mode"));
    }
  }
  active_ = false;
  auto status = sticky_error();
  error_.reset();
  co_return status;
}

}  // namespace pgshift::pg
