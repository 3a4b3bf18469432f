#include "connectors/pg/pg_source_session.hpp"

#include "connectors/pg/pg_row_source.hpp"
#include "connectors/pg/session.hpp"
#include "engine/model/pg_quote.hpp"

namespace pgshift::pg {
namespace {

class PgSourceSession final : public SourceSession {
 public:
  explicit PgSourceSession(Connection connection)
      : connection_(std::move(connection)), rows_(connection_) {}
  RowSource& rows() override { return rows_; }

 private:
  Connection connection_;
  PgRowSource rows_;
};

}  // namespace

SourceSessionFactory snapshot_session_factory(const Endpoint& source, const std::string& snapshot) {
  return [&source, &snapshot]() -> Task<Result<std::unique_ptr<SourceSession>>> {
    auto connection = co_await open_session(source, "source");
    if (!connection) co_return fail(connection.error());
    auto begun = co_await connection->query(
        "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT " +
        pg::quote_literal(snapshot));
    if (!begun) co_return fail(std::move(begun.error()).within("importing the run's snapshot"));
    co_return std::make_unique<PgSourceSession>(std::move(*connection));
  };
}

}  // namespace pgshift::pg
