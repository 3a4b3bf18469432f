#include "connectors/sqlite/sql_tokens.hpp"

#include <cctype>

#include "engine/core/ascii_text.hpp"

namespace pgshift::sqlite {
namespace {

bool identifier_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool identifier_char(char c) {
  return identifier_start(c) || std::isdigit(static_cast<unsigned char>(c)) || c == '$';
}

}  // namespace

Result<std::vector<Token>> tokenize_sql(std::string_view sql) {
  std::vector<Token> tokens;
  std::size_t at = 0;
  auto bad = [&](const std::string& what) {
    return fail(ErrorKind::kRuntime, what + " at offset " + std::to_string(at));
  };
  while (at < sql.size()) {
    char c = sql[at];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++at;
      continue;
    }
    if (c == '-' && at + 1 < sql.size() && sql[at + 1] == '-') {
      while (at < sql.size() && sql[at] != '\n') ++at;
      continue;
    }
    if (c == '/' && at + 1 < sql.size() && sql[at + 1] == '*') {
      auto end = sql.find("*/", at + 2);
      at = end == std::string_view::npos ? sql.size() : end + 2;
      continue;
    }
    Token token;
    token.offset = at;
    if ((c == 'x' || c == 'X') && at + 1 < sql.size() && sql[at + 1] == '\'') {
      auto end = sql.find('\'', at + 2);
      if (end == std::string_view::npos) return bad("unterminated blob literal");
      token.kind = Token::Kind::kBlob;
      token.text = std::string(sql.substr(at + 2, end - at - 2));
      at = end + 1;
    } else if (identifier_start(c)) {
      std::size_t start = at;
      while (at < sql.size() && identifier_char(sql[at])) ++at;
      token.kind = Token::Kind::kIdentifier;
      token.text = std::string(sql.substr(start, at - start));
    } else if (c == '\'' || c == '"' || c == '`' || c == '[') {
      char close = c == '[' ? ']' : c;
      ++at;
      std::string text;
      while (true) {
        if (at >= sql.size()) return bad("unterminated quoted text");
        if (sql[at] == close) {
          if (close != ']' && at + 1 < sql.size() && sql[at + 1] == close) {
            text += close;
            at += 2;
            continue;
          }
          ++at;
          break;
        }
        text += sql[at++];
      }
      token.kind = c == '\'' ? Token::Kind::kString : Token::Kind::kQuotedIdentifier;
      token.text = std::move(text);
    } else if (std::isdigit(static_cast<unsigned char>(c)) ||
               (c == '.' && at + 1 < sql.size() &&
                std::isdigit(static_cast<unsigned char>(sql[at + 1])))) {
      std::size_t start = at;
      if (c == '0' && at + 1 < sql.size() && (sql[at + 1] == 'x' || sql[at + 1] == 'X')) {
        at += 2;
        while (at < sql.size() && std::isxdigit(static_cast<unsigned char>(sql[at]))) ++at;
      } else {
        while (at < sql.size() && std::isdigit(static_cast<unsigned char>(sql[at]))) ++at;
        if (at < sql.size() && sql[at] == '.') {
          ++at;
          while (at < sql.size() && std::isdigit(static_cast<unsigned char>(sql[at]))) ++at;
        }
        if (at < sql.size() && (sql[at] == 'e' || sql[at] == 'E')) {
          std::size_t exponent = at + 1;
          if (exponent < sql.size() && (sql[exponent] == '+' || sql[exponent] == '-')) {
            ++exponent;
          }
          if (exponent < sql.size() && std::isdigit(static_cast<unsigned char>(sql[exponent]))) {
            at = exponent;
            while (at < sql.size() && std::isdigit(static_cast<unsigned char>(sql[at]))) ++at;
          }
        }
      }
      if (at < sql.size() && identifier_start(sql[at])) return bad("malformed number");
      token.kind = Token::Kind::kNumber;
      token.text = std::string(sql.substr(start, at - start));
    } else if (c == '?' || c == ':' || c == '@' || c == '$') {
      std::size_t start = at++;
      while (at < sql.size() && identifier_char(sql[at])) ++at;
      token.kind = Token::Kind::kVariable;
      token.text = std::string(sql.substr(start, at - start));
    } else if (c == '(' || c == ')' || c == ',' || c == ';' || c == '.') {
      token.kind = Token::Kind::kPunctuation;
      token.text = std::string(1, c);
      ++at;
    } else {
      static constexpr std::string_view kOperators[] = {
          "->>", "||", "->", "<<", ">>", "<=", ">=", "==", "!=", "<>", "*",
          "/",   "%",  "+",  "-",  "&",  "|",  "<",  ">",  "=",  "~"};
      bool matched = false;
      for (std::string_view op : kOperators) {
        if (sql.substr(at, op.size()) == op) {
          token.kind = Token::Kind::kOperator;
          token.text = std::string(op);
          at += op.size();
          matched = true;
          break;
        }
      }
      if (!matched) return bad(std::string("unexpected character '") + c + "'");
    }
    token.length = at - token.offset;
    tokens.push_back(std::move(token));
  }
  return tokens;
}

bool is_keyword(const Token& token, std::string_view keyword) {
  return token.kind == Token::Kind::kIdentifier && iequals(token.text, keyword);
}

bool is_punctuation(const Token& token, char c) {
  return token.kind == Token::Kind::kPunctuation && token.text[0] == c;
}

bool is_name(const Token& token) {
  return token.kind == Token::Kind::kIdentifier || token.kind == Token::Kind::kQuotedIdentifier ||
         token.kind == Token::Kind::kString;  // SQLite accepts 'name' where a name is expected
}

Result<std::span<const Token>> parenthesized(std::span<const Token> tokens, std::size_t open,
                                             std::size_t& close) {
  if (open >= tokens.size() || !is_punctuation(tokens[open], '(')) {
    return fail(ErrorKind::kRuntime, "expected '('");
  }
  int depth = 0;
  for (std::size_t i = open; i < tokens.size(); ++i) {
    if (is_punctuation(tokens[i], '(')) ++depth;
    if (is_punctuation(tokens[i], ')') && --depth == 0) {
      close = i;
      return tokens.subspan(open + 1, i - open - 1);
    }
  }
  return fail(ErrorKind::kRuntime, "unbalanced parentheses");
}

std::vector<std::span<const Token>> split_top_level(std::span<const Token> tokens) {
  std::vector<std::span<const Token>> parts;
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (is_punctuation(tokens[i], '(')) ++depth;
    if (is_punctuation(tokens[i], ')')) --depth;
    if (depth == 0 && is_punctuation(tokens[i], ',')) {
      parts.push_back(tokens.subspan(start, i - start));
      start = i + 1;
    }
  }
  if (start < tokens.size()) parts.push_back(tokens.subspan(start));
  return parts;
}

std::string_view source_text(std::string_view sql, std::span<const Token> tokens) {
  if (tokens.empty()) return {};
  std::size_t begin = tokens.front().offset;
  std::size_t end = tokens.back().offset + tokens.back().length;
  if (end > sql.size() || begin > end) return {};
  return sql.substr(begin, end - begin);
}

}  // namespace pgshift::sqlite
