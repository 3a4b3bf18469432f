#include "connectors/sqlite/jsonb_text.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <utility>
#include <vector>

#include "connectors/sqlite/decimal.hpp"
#include "connectors/sqlite/jsonb_fast_path.hpp"

namespace pgshift::sqlite {
namespace {

constexpr int kMaxDepth = 2000;

struct Member;

struct Node {
  enum class Type : std::uint8_t { kNull, kTrue, kFalse, kNumber, kString, kArray, kObject };
  Type type = Type::kNull;
  std::string text;  // number: numeric_out form; string: decoded UTF-8
  std::vector<Node> items;
  // Not std::pair<std::string, Node>: a pair of an incomplete type is not allowed (clang 14
  // rejects it), a vector of an incomplete struct is.
  std::vector<Member> members;
};

struct Member {
  std::string key;
  Node value;
};

void append_utf8(std::string& out, std::uint32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

// Recursive descent over PostgreSQL's JSON grammar (src/common/jsonapi.c). With `build` false it
// only validates (json type: escapes are checked but kept, \u0000 allowed).
class Parser {
 public:
  Parser(std::string_view text, bool build) : text_(text), build_(build) {}

  Result<Node> parse_document() {
    Node root;
    if (auto parsed = parse_value(root, 0); !parsed) return fail(parsed.error());
    skip_blanks();
    if (at_ != text_.size()) return error("unexpected data after the JSON value");
    return root;
  }

 private:
  Unexpected<Error> error(const std::string& what) const {
    return fail(ErrorKind::kRuntime, "is not valid JSON: " + what);
  }

  void skip_blanks() {
    while (at_ < text_.size() &&
           (text_[at_] == ' ' || text_[at_] == '\t' || text_[at_] == '\n' || text_[at_] == '\r')) {
      ++at_;
    }
  }

  Status parse_value(Node& node, int depth) {
    if (depth > kMaxDepth) return error("nested too deeply");
    skip_blanks();
    if (at_ >= text_.size()) return error("unexpected end of input");
    char c = text_[at_];
    if (c == '{') return parse_object(node, depth);
    if (c == '[') return parse_array(node, depth);
    if (c == '"') {
      node.type = Node::Type::kString;
      return parse_string(node.text);
    }
    if (c == '-' || (c >= '0' && c <= '9')) return parse_number(node);
    if (keyword("true")) {
      node.type = Node::Type::kTrue;
      return {};
    }
    if (keyword("false")) {
      node.type = Node::Type::kFalse;
      return {};
    }
    if (keyword("null")) {
      node.type = Node::Type::kNull;
      return {};
    }
    return error("unexpected token");
  }

  bool keyword(std::string_view word) {
    if (text_.substr(at_, word.size()) != word) return false;
    std::size_t end = at_ + word.size();
    if (end < text_.size() && identifier_char(text_[end])) return false;
    at_ = end;
    return true;
  }

  static bool identifier_char(char c) {
    auto u = static_cast<unsigned char>(c);
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           u >= 0x80;
  }

  Status parse_object(Node& node, int depth) {
    node.type = Node::Type::kObject;
    ++at_;
    skip_blanks();
    if (at_ < text_.size() && text_[at_] == '}') {
      ++at_;
      return {};
    }
    while (true) {
      skip_blanks();
      if (at_ >= text_.size() || text_[at_] != '"') return error("expected a string key");
      std::string key;
      if (auto parsed = parse_string(key); !parsed) return parsed;
      skip_blanks();
      if (at_ >= text_.size() || text_[at_] != ':') return error("expected ':'");
      ++at_;
      Node value;
      if (auto parsed = parse_value(value, depth + 1); !parsed) return parsed;
      if (build_) node.members.push_back(Member{std::move(key), std::move(value)});
      skip_blanks();
      if (at_ < text_.size() && text_[at_] == ',') {
        ++at_;
        continue;
      }
      if (at_ < text_.size() && text_[at_] == '}') {
        ++at_;
        return {};
      }
      return error("expected ',' or '}'");
    }
  }

  Status parse_array(Node& node, int depth) {
    node.type = Node::Type::kArray;
    ++at_;
    skip_blanks();
    if (at_ < text_.size() && text_[at_] == ']') {
      ++at_;
      return {};
    }
    while (true) {
      Node value;
      if (auto parsed = parse_value(value, depth + 1); !parsed) return parsed;
      if (build_) node.items.push_back(std::move(value));
      skip_blanks();
      if (at_ < text_.size() && text_[at_] == ',') {
        ++at_;
        continue;
      }
      if (at_ < text_.size() && text_[at_] == ']') {
        ++at_;
        return {};
      }
      return error("expected ',' or ']'");
    }
  }

  Status parse_number(Node& node) {
    std::size_t start = at_;
    if (text_[at_] == '-') ++at_;
    auto digits = [&] {
      std::size_t begin = at_;
      while (at_ < text_.size() && text_[at_] >= '0' && text_[at_] <= '9') ++at_;
      return at_ - begin;
    };
    if (at_ < text_.size() && text_[at_] == '0') {
      ++at_;
    } else if (digits() == 0) {
      return error("bad number");
    }
    if (at_ < text_.size() && text_[at_] == '.') {
      ++at_;
      if (digits() == 0) return error("bad number");
    }
    if (at_ < text_.size() && (text_[at_] == 'e' || text_[at_] == 'E')) {
      ++at_;
      if (at_ < text_.size() && (text_[at_] == '+' || text_[at_] == '-')) ++at_;
      if (digits() == 0) return error("bad number");
    }
    if (at_ < text_.size() && identifier_char(text_[at_])) return error("bad number");
    node.type = Node::Type::kNumber;
    if (build_) {
      auto number = parse_decimal(text_.substr(start, at_ - start));
      if (!number) return error("number " + number.error().message);
      node.text = decimal_text(*number);
    }
    return {};
  }

  static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  Status read_hex4(std::uint32_t& code) {
    if (text_.size() - at_ < 4) return error("bad \\u escape");
    code = 0;
    for (int i = 0; i < 4; ++i) {
      int v = hex_value(text_[at_ + static_cast<std::size_t>(i)]);
      if (v < 0) return error("bad \\u escape");
      code = code * 16 + static_cast<std::uint32_t>(v);
    }
    at_ += 4;
    return {};
  }

  Status parse_string(std::string& out) {
    ++at_;  // opening quote
    while (true) {
      if (at_ >= text_.size()) return error("unterminated string");
      char c = text_[at_];
      if (c == '"') {
        ++at_;
        return {};
      }
      if (static_cast<unsigned char>(c) < 0x20) {
        return error("control character in a string must be escaped");
      }
      if (c != '\\') {
        // A run of plain characters at once.
        std::size_t end = at_ + 1;
        while (end < text_.size() && text_[end] != '"' && text_[end] != '\\' &&
               static_cast<unsigned char>(text_[end]) >= 0x20) {
          ++end;
        }
        if (build_) out.append(text_, at_, end - at_);
        at_ = end;
        continue;
      }
      ++at_;
      if (at_ >= text_.size()) return error("unterminated string");
      char e = text_[at_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          if (build_) out += e;
          break;
        case 'b':
          if (build_) out += '\b';
          break;
        case 'f':
          if (build_) out += '\f';
          break;
        case 'n':
          if (build_) out += '\n';
          break;
        case 'r':
          if (build_) out += '\r';
          break;
        case 't':
          if (build_) out += '\t';
          break;
        case 'u': {
          std::uint32_t code = 0;
          if (auto read = read_hex4(code); !read) return read;
          if (code >= 0xD800 && code <= 0xDBFF) {
            if (text_.substr(at_, 2) != "\\u") return error("lone high surrogate in \\u escape");
            at_ += 2;
            std::uint32_t low = 0;
            if (auto read = read_hex4(low); !read) return read;
            if (low < 0xDC00 || low > 0xDFFF) return error("bad surrogate pair in \\u escape");
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
          } else if (code >= 0xDC00 && code <= 0xDFFF) {
            return error("lone low surrogate in \\u escape");
          }
          if (build_) {
            if (code == 0) return error("\\u0000 cannot be stored in jsonb");
            append_utf8(out, code);
          }
          break;
        }
        default:
          return error("bad escape sequence");
      }
    }
  }

  std::string_view text_;
  bool build_;
  std::size_t at_ = 0;
};

void print_string(std::string& out, std::string_view value) {
  out += '"';
  for (char c : value) {
    switch (c) {
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

bool key_less(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return a.size() < b.size();
  return std::memcmp(a.data(), b.data(), a.size()) < 0;
}

void print(std::string& out, Node& node) {
  switch (node.type) {
    case Node::Type::kNull:
      out += "null";
      return;
    case Node::Type::kTrue:
      out += "true";
      return;
    case Node::Type::kFalse:
      out += "false";
      return;
    case Node::Type::kNumber:
      out += node.text;
      return;
    case Node::Type::kString:
      print_string(out, node.text);
      return;
    case Node::Type::kArray: {
      out += '[';
      bool first = true;
      for (auto& item : node.items) {
        if (!first) out += ", ";
        first = false;
        print(out, item);
      }
      out += ']';
      return;
    }
    case Node::Type::kObject: {
      // Sort by key; among equal keys the last one written wins (uniqueifyJsonbObject).
      auto& members = node.members;
      std::stable_sort(members.begin(), members.end(),
                       [](const auto& a, const auto& b) { return key_less(a.key, b.key); });
      out += '{';
      bool first = true;
      for (std::size_t i = 0; i < members.size(); ++i) {
        if (i + 1 < members.size() && members[i + 1].key == members[i].key) continue;
        if (!first) out += ", ";
        first = false;
        print_string(out, members[i].key);
        out += ": ";
        print(out, members[i].value);
      }
      out += '}';
      return;
    }
  }
}

}  // namespace

Result<std::string> canonical_jsonb_text(std::string_view json) {
  std::string out;
  out.reserve(json.size() + 8);
  if (auto appended = append_canonical_jsonb_text(json, out); !appended) {
    return fail(appended.error());
  }
  return out;
}

Status append_canonical_jsonb_text(std::string_view json, std::string& out) {
  if (append_fast_canonical_jsonb_text(json, out)) return {};
  auto parsed = parsed_canonical_jsonb_text(json);
  if (!parsed) return fail(parsed.error());
  out += *parsed;
  return {};
}

Result<std::string> parsed_canonical_jsonb_text(std::string_view json) {
  Parser parser(json, true);
  auto root = parser.parse_document();
  if (!root) return fail(root.error());
  std::string out;
  out.reserve(json.size() + json.size() / 8);
  print(out, *root);
  return out;
}

Status validate_json(std::string_view json) {
  Parser parser(json, false);
  auto root = parser.parse_document();
  if (!root) return fail(root.error());
  return {};
}

}  // namespace pgshift::sqlite
