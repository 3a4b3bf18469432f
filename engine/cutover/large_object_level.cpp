#include "engine/cutover/large_object_level.hpp"

#include "connectors/pg/catalog.hpp"
#include "engine/migrate/large_object_copy.hpp"
#include "verify/large_objects.hpp"

namespace pgshift::cutover {

Task<Result<LargeObjectLevel>> level_large_objects(pg::Connection& source, pg::Connection& target) {
  LargeObjectLevel level;
  // Most databases hold none: two catalog reads, and nothing is digested.
  auto source_oids = co_await pg::read_large_object_oids(source);
  if (!source_oids) co_return fail(std::move(source_oids.error()).within("source"));
  auto target_oids = co_await pg::read_large_object_oids(target);
  if (!target_oids) co_return fail(std::move(target_oids.error()).within("target"));
  level.objects = source_oids->size();
  if (source_oids->empty() && target_oids->empty()) co_return level;
  auto on_source = co_await verify::digest_large_objects(source);
  if (!on_source) co_return fail(std::move(on_source.error()).within("source"));
  auto on_target = co_await verify::digest_large_objects(target);
  if (!on_target) co_return fail(std::move(on_target.error()).within("target"));
  for (const auto& difference : verify::compare_large_objects(*on_source, *on_target)) {
    if (difference.kind == "extra") {
      if (auto removed = co_await remove_large_object(target, difference.oid); !removed) {
        co_return fail(removed.error());
      }
      ++level.removed;
      continue;
    }
    auto copied = co_await copy_large_object(source, target, difference.oid);
    if (!copied) co_return fail(copied.error());
    ++level.copied;
    level.bytes_copied += copied->bytes;
  }
  co_return level;
}

}  // namespace pgshift::cutover
