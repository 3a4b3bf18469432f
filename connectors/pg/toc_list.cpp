#include "connectors/pg/toc_list.hpp"

#include <sstream>

namespace pgshift::pg {

std::vector<TocEntry> parse_toc(const std::string& listing) {
  std::vector<TocEntry> entries;
  std::istringstream in(listing);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == ';') continue;
    TocEntry entry;
    entry.line = line;
    auto semicolon = line.find(';');
    if (semicolon == std::string::npos) continue;
    std::istringstream fields(line.substr(semicolon + 1));
    std::string rest;
    try {
      entry.dump_id = std::stoi(line.substr(0, semicolon));
      unsigned long catalog = 0, object = 0;
      fields >> catalog >> object;
      if (!fields) continue;
      entry.catalog_oid = static_cast<std::uint32_t>(catalog);
      entry.object_oid = static_cast<std::uint32_t>(object);
    } catch (const std::exception&) {
      continue;
    }
    std::getline(fields, rest);
    auto start = rest.find_first_not_of(' ');
    entry.description = start == std::string::npos ? "" : rest.substr(start);
    entries.push_back(std::move(entry));
  }
  return entries;
}

std::string filtered_toc(const std::vector<TocEntry>& entries,
                         const std::set<std::pair<std::uint32_t, std::uint32_t>>& skip) {
  std::string out;
  for (const auto& entry : entries) {
    bool skipped = skip.count({entry.catalog_oid, entry.object_oid}) > 0 ||
                   entry.description.starts_with("COMMENT - EXTENSION ");
    out += (skipped ? ";" : "") + entry.line + "\n";
  }
  return out;
}

std::vector<std::uint32_t> created_sequences(
    const std::vector<TocEntry>& entries,
    const std::set<std::pair<std::uint32_t, std::uint32_t>>& skip) {
  std::vector<std::uint32_t> out;
  for (const auto& entry : entries) {
    // "SEQUENCE OWNED BY" and "SEQUENCE SET" entries name a sequence created by another entry.
    if (!entry.description.starts_with("SEQUENCE ") ||
        entry.description.starts_with("SEQUENCE OWNED BY ") ||
        entry.description.starts_with("SEQUENCE SET ") ||
        skip.count({entry.catalog_oid, entry.object_oid})) {
      continue;
    }
    out.push_back(entry.object_oid);
  }
  return out;
}

Result<std::string> script_without_meta_commands(const std::string& script) {
  // pg_dump puts "\\restrict KEY" before any SQL (after its header comments) and
  // "\\unrestrict KEY" at the end, KEY random; only those exact lines are removed, so SQL
  // (literals included) is never reinterpreted.
  std::string out;
  out.reserve(script.size());
  std::string key;
  bool before_sql = true;  // only comments and blank lines so far
  std::size_t start = 0;
  while (start < script.size()) {
    auto end = script.find('\n', start);
    if (end == std::string::npos) end = script.size();
    std::string_view line(script.data() + start, end - start);
    bool meta = false;
    if (key.empty() && before_sql && line.starts_with("\\restrict ")) {
      key = std::string(line.substr(10));
      meta = true;
    } else if (!key.empty() && line == "\\unrestrict " + key) {
      meta = true;
    }
    if (!meta && !line.empty() && !line.starts_with("--")) before_sql = false;
    if (!meta) {
      out.append(line);
      out += '\n';
    }
    start = end + 1;
  }
  return out;
}

}  // namespace pgshift::pg
