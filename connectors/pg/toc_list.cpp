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

Result<std::string> script_without_meta_commands(const std::string& script) {
  std::string out;
  out.reserve(script.size());
  std::size_t start = 0;
  bool in_dollar_quote = false;  // a line starting with '\\' inside a function body is SQL
  std::string dollar_tag;
  while (start < script.size()) {
    auto end = script.find('\n', start);
    if (end == std::string::npos) end = script.size();
    std::string_view line(script.data() + start, end - start);
    if (!in_dollar_quote && line.starts_with("\\")) {
      if (!line.starts_with("\\restrict") && !line.starts_with("\\unrestrict")) {
        return fail(ErrorKind::kRuntime,
                    "pg_restore produced a psql meta-command pgshift cannot run: " +
                        std::string(line.substr(0, 40)));
      }
    } else {
      out.append(line);
      out += '\n';
    }
    // Track $tag$ ... $tag$ bodies so their lines are never mistaken for meta-commands.
    for (std::size_t at = line.find('$'); at != std::string_view::npos; at = line.find('$', at + 1)) {
      auto close = line.find('$', at + 1);
      if (close == std::string_view::npos) break;
      std::string_view tag = line.substr(at, close - at + 1);
      bool valid = tag.find_first_of(" ;'()\"") == std::string_view::npos;
      if (!valid) continue;
      if (!in_dollar_quote) {
        in_dollar_quote = true;
        dollar_tag = std::string(tag);
      } else if (tag == dollar_tag) {
        in_dollar_quote = false;
      }
      at = close;
    }
    start = end + 1;
  }
  return out;
}

}  // namespace pgshift::pg
