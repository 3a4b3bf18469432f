// Fuzz target: the SQLite SQL tokenizer and expression translator, which read the CREATE
// statements and defaults stored in a user's file. Whatever the text, tokenizing and translating
// end with a value (a translation or a reason), and a translation is never empty SQL. Tokens must
// lie inside the text, in order.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/sqlite/sql_expression.hpp"
#include "connectors/sqlite/sql_tokens.hpp"

using namespace pgshift::sqlite;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view sql(reinterpret_cast<const char*>(data), size);
  auto tokens = tokenize_sql(sql);
  if (!tokens) return 0;
  std::size_t end = 0;
  for (const auto& token : *tokens) {
    if (token.offset < end || token.offset + token.length > sql.size()) std::abort();
    end = token.offset + token.length;
  }
  ExprContext context;
  context.columns = {{"id", TargetKind::kInt8},     {"name", TargetKind::kText},
                     {"active", TargetKind::kBool}, {"price", TargetKind::kFloat8},
                     {"born", TargetKind::kDate},   {"doc", TargetKind::kJsonb}};
  for (bool for_index : {false, true}) {
    context.for_index = for_index;
    auto expression = translate_expression(*tokens, context);
    if (expression && expression->sql.empty()) std::abort();
    auto condition = translate_condition(*tokens, context);
    if (condition && condition->sql.empty()) std::abort();
  }
  split_top_level(*tokens);
  return 0;
}

std::vector<std::vector<std::uint8_t>> fuzz_seeds() {
  std::vector<std::string> texts = {
      "price >= 0 AND length(name) BETWEEN 1 AND 80",
      "CASE WHEN active THEN lower(name) ELSE 'x' || id END",
      "typeof(id) = 'integer' AND name NOT LIKE '%test%' ESCAPE '\\'",
      "coalesce(nullif(trim(name), ''), \"name\") IN ('a', 'b', [name], `name`)",
      "born > date('now') OR born IS NULL OR id ISNULL",
      "json_valid(doc) AND CAST(price AS INTEGER) % 2 == 1",
      "x'00ff' <> substr(name, 2, 3) COLLATE BINARY -- comment\n /* block */",
      "-(-1.5e3) + 0x1F * .5 / ?1 - :name",
      "((((id))))",
  };
  std::vector<std::vector<std::uint8_t>> seeds;
  for (const auto& text : texts) seeds.emplace_back(text.begin(), text.end());
  return seeds;
}
