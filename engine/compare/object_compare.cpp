#include "engine/compare/object_compare.hpp"

#include "verify/large_objects.hpp"
#include "verify/matviews.hpp"

namespace pgshift {

Task<Result<std::vector<verify::ReportTable>>> compare_other_objects(
    pg::Connection& source, const pg::TypeShapes& source_shapes, pg::Connection& target,
    const pg::TypeShapes& target_shapes, const pg::TableFilter& filter) {
  auto out =
      co_await verify::compare_matviews(source, source_shapes, target, target_shapes, filter);
  if (!out) co_return fail(out.error());
  auto left = co_await verify::digest_large_objects(source);
  if (!left) co_return fail(std::move(left.error()).within("source"));
  auto right = co_await verify::digest_large_objects(target);
  if (!right) co_return fail(std::move(right.error()).within("target"));
  auto differences = verify::compare_large_objects(*left, *right);
  if (!left->empty() || !right->empty()) {
    std::uint64_t bytes = 0;
    for (const auto& [oid, digest] : *left) bytes += digest.bytes;
    out->push_back(
        verify::large_objects_report(left->size(), right->size(), bytes, differences, true));
  }
  co_return std::move(*out);
}

}  // namespace pgshift
