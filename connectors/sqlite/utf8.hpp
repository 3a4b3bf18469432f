// Strict UTF-8 checks as PostgreSQL applies them to text in a UTF8 database: no overlong forms, no
// UTF-16 surrogates, nothing above U+10FFFF, and (for text values) no NUL byte. Pure.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace pgshift::sqlite {

// The byte offset of the first invalid sequence, or nothing when `text` is valid UTF-8. Where the
// CPU has AVX2, texts of 32 bytes or more are checked 32 bytes at a time; everything else goes
// through first_invalid_utf8_portable.
std::optional<std::size_t> first_invalid_utf8(std::string_view text);

// The same answer without SIMD (an ASCII word path and a byte automaton): what machines without
// AVX2 run, and what tests compare the AVX2 path with.
std::optional<std::size_t> first_invalid_utf8_portable(std::string_view text);

// Code points in valid UTF-8 `text`.
std::size_t utf8_length(std::string_view text);

// The longest prefix of `text` of at most `max_bytes` bytes that does not split a sequence.
std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes);

}  // namespace pgshift::sqlite
