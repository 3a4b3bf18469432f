#include "connectors/pg/session.hpp"

namespace pgshift::pg {

Task<Result<Connection>> open_session(const Endpoint& endpoint, std::string label) {
  auto connection = co_await Connection::open(endpoint, std::move(label));
  if (!connection) co_return fail(connection.error());
  auto setup = co_await connection->query(kSessionSetup);
  if (!setup) co_return fail(setup.error());
  co_return std::move(*connection);
}

}  // namespace pgshift::pg
