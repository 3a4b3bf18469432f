// The expression translator is recursive descent over text from a user's SQLite file: nesting
// (parentheses, NOT, unary signs) past a bound is refused with a reason instead of overflowing the
// stack (sqlite_expression_fuzz found ~370 open parentheses crashing it; the reproducer is in
// tests/fuzz/corpus/sqlite_expression_fuzz/crash-nested-parentheses).
#include <gtest/gtest.h>

#include <string>

#include "connectors/sqlite/sql_expression.hpp"
#include "connectors/sqlite/sql_tokens.hpp"

namespace pgshift::sqlite {
namespace {

pgshift::Result<TranslatedExpr> translate(const std::string& sql) {
  ExprContext context;
  context.columns = {{"id", TargetKind::kInt8}};
  auto tokens = tokenize_sql(sql);
  EXPECT_TRUE(tokens.has_value());
  return translate_expression(*tokens, context);
}

std::string repeat(const std::string& text, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += text;
  return out;
}

TEST(SqliteExpressionNesting, ModestNestingTranslates) {
  EXPECT_TRUE(translate(repeat("(", 50) + "id + 1" + repeat(")", 50)).has_value());
  EXPECT_TRUE(translate("id > 0 AND " + repeat("NOT ", 20) + "id = 2").has_value());
  EXPECT_TRUE(translate(repeat("- ", 20) + "id").has_value());
}

TEST(SqliteExpressionNesting, DeepNestingIsRefusedNotACrash) {
  for (const std::string& sql :
       {repeat("(", 100000) + "id" + repeat(")", 100000), repeat("NOT ", 100000) + "id",
        repeat("- ", 100000) + "id", repeat("(NOT -", 50000) + "id" + repeat(")", 50000)}) {
    auto translated = translate(sql);
    ASSERT_FALSE(translated.has_value());
    EXPECT_NE(translated.error().message.find("nested more than 100 deep"), std::string::npos)
        << translated.error().message;
  }
}

}  // namespace
}  // namespace pgshift::sqlite
