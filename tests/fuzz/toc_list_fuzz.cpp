// Fuzz target: pg_restore's table of contents and SQL output. Whatever pg_restore -l prints, the
// filtered list keeps one line per entry (commented out or not), every sequence it names as
// created is an entry of the listing, and stripping psql meta-commands never grows the script.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "connectors/pg/toc_list.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto entries = pgshift::pg::parse_toc(text);
  std::set<std::pair<std::uint32_t, std::uint32_t>> skip;
  std::set<std::uint32_t> oids;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (i % 3 == 0) skip.insert({entries[i].catalog_oid, entries[i].object_oid});
    oids.insert(entries[i].object_oid);
  }
  auto filtered = pgshift::pg::filtered_toc(entries, skip);
  std::size_t newlines = 0;
  for (char c : filtered) newlines += c == '\n';
  // An entry line holding a newline cannot come out of getline, so lines == entries.
  if (newlines != entries.size()) std::abort();
  for (auto oid : pgshift::pg::created_sequences(entries, skip)) {
    if (!oids.count(oid)) std::abort();
  }
  auto script = pgshift::pg::script_without_meta_commands(text);
  if (script && script->size() > text.size() + 1) std::abort();
  return 0;
}

std::vector<std::vector<std::uint8_t>> fuzz_seeds() {
  std::vector<std::string> texts = {
      ";\n; Archive created at 2025-11-22 02:50:01 UTC\n;\n"
      "6; 2615 16385 SCHEMA - shop postgres\n"
      "2; 3079 13590 EXTENSION - plpgsql \n"
      "4001; 0 0 COMMENT - EXTENSION plpgsql \n"
      "214; 1259 16386 TABLE shop orders postgres\n"
      "215; 1259 16391 SEQUENCE shop orders_id_seq postgres\n"
      "216; 0 0 SEQUENCE OWNED BY shop orders_id_seq postgres\n"
      "3280; 2606 16398 CONSTRAINT shop orders orders_pkey postgres\n",
      "--\n-- PostgreSQL database dump\n--\n\\restrict abc123\nSET x = 1;\n"
      "CREATE TABLE t (a int);\n\\unrestrict abc123\n",
      "-1; x y z\n99999999999999999999; 1 2 W\n3; 4294967296 1 TABLE a b c\n",
  };
  std::vector<std::vector<std::uint8_t>> seeds;
  for (const auto& text : texts) seeds.emplace_back(text.begin(), text.end());
  return seeds;
}
