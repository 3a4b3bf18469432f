// Rows too large to hold in memory whole, on a PostgreSQL side (pure SQL text; the reading is
// pg_row_source.cpp's). libpq hands a COPY row over as one message, held whole in its buffer and
// copied again to the caller, and a target's COPY IN buffers it whole once more: a row of 500 MB
// cost pgshift ~2.5 GB. So a row whose text/bytea/varchar values add up to more than
// kLargeRowBytes (octet_length: read from the TOAST pointer, no value is fetched to know it) is
// left out of the chunk's COPY and read on its own by ctid (stable under the reader's snapshot,
// and on a target that only pgshift writes): its other columns whole, then each of those values by
// one COPY whose rows are its slices of kLargeValueSliceBytes. That COPY detoasts the value once
// (text as convert_to(value, client encoding): the bytes binary COPY sends for it) and cuts it by
// bytes, so the server does O(value) work; `substring` per slice on the stored value decompresses
// or, for text, counts characters from its start every time (measured: 5 minutes for 500 MiB of
// text). The bytes must add up to octet_length, which holds while client_encoding is the
// database's, as pgshift leaves it (checked). A table can hold such a row only if its TOAST
// relation holds at least kLargeRowBytes / 256 (no compression PostgreSQL offers packs more than
// 256:1), so other tables are never scanned for them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/model/table.hpp"

namespace pgshift::pg {

inline constexpr std::int64_t kLargeRowBytes = 16 << 20;
inline constexpr std::int64_t kLargeValueSliceBytes = 16 << 20;
inline constexpr std::int64_t kMaxCompressionRatio = 256;

// A column whose values can be read in slices: bytea, and text and varchar (converted to bytes).
enum class SliceUnit { kNone, kBytes, kText };
SliceUnit slice_unit(const Column& column);
// Indexes into Table::copied_columns() of the columns that can be sliced.
std::vector<std::size_t> sliceable_columns(const Table& table);

// TOAST bytes of the table (by name; the same on either side).
std::string toast_bytes_sql(const Table& table);
// true for a row whose sliceable values add up to more than kLargeRowBytes (NULLs count 0).
std::string large_row_predicate(const Table& table, const std::vector<std::size_t>& sliceable);
// The ctids of the chunk's large rows.
std::string large_rows_sql(const Table& table, const Chunk& chunk, const std::string& predicate);
// One row by ctid: the copied columns, the sliceable ones as NULL (COPY binary), and then the
// byte lengths of the sliceable ones in a plain query.
std::string large_row_fields_sql(const Table& table, const std::vector<std::size_t>& sliceable,
                                 const std::string& ctid);
std::string large_row_lengths_sql(const Table& table, const std::vector<std::size_t>& sliceable,
                                  const std::string& ctid);
// COPY of one value's bytes as rows of one field, `slice_bytes` each (the last one shorter; no
// row for an empty value), in order.
std::string value_slices_sql(const Table& table, std::size_t copied_index, const std::string& ctid,
                             std::int64_t slice_bytes);

}  // namespace pgshift::pg
