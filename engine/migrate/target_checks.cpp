#include "engine/migrate/target_checks.hpp"

#include "engine/assess/checks.hpp"
#include "engine/assess/target_reader.hpp"

namespace pgshift {

Task<Status> check_target_empty(RunContext& context, pg::Connection* coordinator,
                                pg::Connection& target) {
  auto target_tables = co_await assess::read_target_tables(target);
  if (!target_tables) co_return fail(target_tables.error());
  std::vector<std::pair<std::string, std::string>> wanted;
  for (const auto& table : context.tables) wanted.push_back({table.schema, table.name});
  std::vector<std::string> source_schemas, target_schemas;
  // With --table pg_dump creates no schema; a SQLite source (no coordinator) creates none either.
  if (coordinator && context.options.filter.include_tables.empty()) {
    auto schemas = co_await assess::read_user_schemas(*coordinator);
    if (!schemas) co_return fail(schemas.error());
    for (const auto& schema : *schemas) {
      if (context.options.filter.accepts_schema(schema)) source_schemas.push_back(schema);
    }
    auto existing = co_await assess::read_user_schemas(target);
    if (!existing) co_return fail(existing.error());
    target_schemas = std::move(*existing);
  }
  auto findings =
      assess::check_target_empty(*target_tables, wanted, target_schemas, source_schemas);
  if (!findings.empty()) co_return fail(ErrorKind::kRefused, findings.front().refusal());
  co_return Status{};
}

}  // namespace pgshift
