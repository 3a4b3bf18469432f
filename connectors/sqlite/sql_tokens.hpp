// A tokenizer for the SQL that SQLite keeps in sqlite_master (CREATE TABLE / CREATE INDEX) and in
// column defaults: identifiers (bare, "double", [bracket], `backtick` quoted), string and blob
// literals, numbers, operators and punctuation; comments and blanks are dropped. Keywords are
// bare identifiers (compare with is_keyword). Pure; tokens own their text.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/result.hpp"

namespace pgshift::sqlite {

struct Token {
  enum class Kind : std::uint8_t {
    kIdentifier,        // bare word: a name or a keyword
    kQuotedIdentifier,  // "x", [x] or `x`: always a name (text is unquoted)
    kString,            // 'x' (text is the value, quotes undone)
    kBlob,              // x'00ff' (text is the hex digits)
    kNumber,            // 12, 1.5e3, .5, 0x1F (text as written)
    kOperator,          // || -> ->> * / % + - << >> & | < <= > >= = == != <> ~
    kPunctuation,       // ( ) , ; .
    kVariable,          // ? ?1 :name @name $name
  };
  Kind kind = Kind::kIdentifier;
  std::string text;
  std::size_t offset = 0;  // in the tokenized SQL
  std::size_t length = 0;
};

Result<std::vector<Token>> tokenize_sql(std::string_view sql);

// A bare identifier spelling `keyword` (ASCII case-insensitive).
bool is_keyword(const Token& token, std::string_view keyword);
bool is_punctuation(const Token& token, char c);
// Any identifier (bare or quoted), the way it names a table, column, index or collation.
bool is_name(const Token& token);

// The tokens between the '(' at `open` and its matching ')' (exclusive); `close` receives the
// index of that ')'. Fails when the parenthesis is not closed.
Result<std::span<const Token>> parenthesized(std::span<const Token> tokens, std::size_t open,
                                             std::size_t& close);

// Splits `tokens` at commas outside parentheses.
std::vector<std::span<const Token>> split_top_level(std::span<const Token> tokens);

// The original SQL text the tokens cover (from the first token's start to the last one's end).
std::string_view source_text(std::string_view sql, std::span<const Token> tokens);

}  // namespace pgshift::sqlite
