// A small stand-in for C++23 std::expected / std::unexpected, used by result.hpp only where the
// standard library has none (__cpp_lib_expected undefined: clang 14 with libstdc++ 12, which the
// libFuzzer build uses). With g++ 12 -std=c++23 the project aliases stay std::expected, so this
// type is compiled there only by its unit test (tests/unit/expected_compat_test.cpp).
//
// Contract: the subset of std::expected the code base uses, with the same meaning:
//   - Expected<T, E> holds a T or an E; Expected<void, E> holds nothing or an E.
//   - constructed from a value (implicitly when T is convertible from it), in place
//     (std::in_place / compat::unexpect), from an Unexpected<G> (E constructible from G), or from
//     an Expected<U, G> of convertible types; copy and move follow T and E.
//   - has_value(), explicit operator bool, operator*, operator->, value() (throws
//     BadExpectedAccess<E> holding the error), error() (&, const&, &&, const&& overloads),
//     value_or(), emplace(), swap(), == against another Expected, a value or an Unexpected.
//   - Unexpected<E>: error() (all four overloads), ==, deduction from its argument.
// Not provided: the monadic operations (and_then, transform, or_else, transform_error) and
// constexpr-ness beyond what std::variant allows; add them here (and to the test) if code needs
// them.
#pragma once

#include <concepts>
#include <exception>
#include <initializer_list>
#include <type_traits>
#include <utility>
#include <variant>

namespace pgshift::compat {

template <class E>
class Unexpected {
 public:
  template <class G = E>
  requires(!std::same_as<std::remove_cvref_t<G>, Unexpected> &&
           !std::same_as<std::remove_cvref_t<G>, std::in_place_t> &&
           std::constructible_from<E, G>) explicit Unexpected(G&& error)
      : error_(std::forward<G>(error)) {}
  template <class... Args>
  requires std::constructible_from<E, Args...>
  explicit Unexpected(std::in_place_t, Args&&... args) : error_(std::forward<Args>(args)...) {}

  E& error() & noexcept { return error_; }
  const E& error() const& noexcept { return error_; }
  E&& error() && noexcept { return std::move(error_); }
  const E&& error() const&& noexcept { return std::move(error_); }

  void swap(Unexpected& other) noexcept(std::is_nothrow_swappable_v<E>) {
    using std::swap;
    swap(error_, other.error_);
  }

  template <class G>
  friend bool operator==(const Unexpected& left, const Unexpected<G>& right) {
    return left.error() == right.error();
  }

 private:
  E error_;
};

template <class E>
Unexpected(E) -> Unexpected<E>;

struct UnexpectT {
  explicit UnexpectT() = default;
};
inline constexpr UnexpectT unexpect{};

template <class E>
class BadExpectedAccess : public std::exception {
 public:
  explicit BadExpectedAccess(E error) : error_(std::move(error)) {}
  const char* what() const noexcept override { return "bad access to Expected without value"; }
  E& error() & noexcept { return error_; }
  const E& error() const& noexcept { return error_; }
  E&& error() && noexcept { return std::move(error_); }

 private:
  E error_;
};

template <class T, class E>
class Expected;

namespace detail {
template <class X>
inline constexpr bool kIsUnexpected = false;
template <class G>
inline constexpr bool kIsUnexpected<Unexpected<G>> = true;
template <class X>
inline constexpr bool kIsExpected = false;
template <class U, class G>
inline constexpr bool kIsExpected<Expected<U, G>> = true;
template <class U>
using ErrorOf = decltype(std::declval<U>().error());
}  // namespace detail

template <class T, class E>
class Expected {
 public:
  using value_type = T;
  using error_type = E;
  using unexpected_type = Unexpected<E>;

  Expected() requires std::default_initializable<T> : storage_(std::in_place_index<0>) {}
  Expected(const Expected&) = default;
  Expected(Expected&&) = default;
  Expected& operator=(const Expected&) = default;
  Expected& operator=(Expected&&) = default;

  template <class U = T>
  requires(!std::same_as<std::remove_cvref_t<U>, Expected> &&
           !std::same_as<std::remove_cvref_t<U>, std::in_place_t> &&
           !std::same_as<std::remove_cvref_t<U>, UnexpectT> &&
           !detail::kIsUnexpected<std::remove_cvref_t<U>> &&
           !detail::kIsExpected<std::remove_cvref_t<U>> &&
           std::constructible_from<T, U>) explicit(!std::is_convertible_v<U, T>) Expected(U&& value)
      : storage_(std::in_place_index<0>, std::forward<U>(value)) {}

  template <class U, class G>
  requires(!std::same_as<Expected<U, G>, Expected> && std::constructible_from<T, const U&> &&
           std::constructible_from<E, const G&>) explicit(!std::is_convertible_v<const U&, T> ||
                                                          !std::is_convertible_v<const G&, E>)
      Expected(const Expected<U, G>& other)
      : storage_(make_storage(other)) {}
  template <class U, class G>
  requires(!std::same_as<Expected<U, G>, Expected> && std::constructible_from<T, U> &&
           std::constructible_from<E, G>) explicit(!std::is_convertible_v<U, T> ||
                                                   !std::is_convertible_v<G, E>)
      Expected(Expected<U, G>&& other)
      : storage_(make_storage(std::move(other))) {}

  // From an Unexpected<G> (copied from an lvalue, moved from an rvalue).
  template <class U>
  requires detail::kIsUnexpected<std::remove_cvref_t<U>> &&
      std::constructible_from<E, detail::ErrorOf<U>>
  explicit(!std::is_convertible_v<detail::ErrorOf<U>, E>) Expected(U&& unexpected)
      : storage_(std::in_place_index<1>, std::forward<U>(unexpected).error()) {}

  template <class... Args>
  requires std::constructible_from<T, Args...>
  explicit Expected(std::in_place_t, Args&&... args)
      : storage_(std::in_place_index<0>, std::forward<Args>(args)...) {}
  template <class U, class... Args>
  requires std::constructible_from < T, std::initializer_list<U>
  &, Args... > explicit Expected(std::in_place_t, std::initializer_list<U> list, Args&&... args)
      : storage_(std::in_place_index<0>, list, std::forward<Args>(args)...) {}
  template <class... Args>
  requires std::constructible_from<E, Args...>
  explicit Expected(UnexpectT, Args&&... args)
      : storage_(std::in_place_index<1>, std::forward<Args>(args)...) {}

  template <class U = T>
  requires(!std::same_as<std::remove_cvref_t<U>, Expected> &&
           !detail::kIsUnexpected<std::remove_cvref_t<U>> && std::constructible_from<T, U> &&
           std::is_assignable_v<T&, U>) Expected&
  operator=(U&& value) {
    if (has_value())
      std::get<0>(storage_) = std::forward<U>(value);
    else
      storage_.template emplace<0>(std::forward<U>(value));
    return *this;
  }
  template <class G>
  Expected& operator=(const Unexpected<G>& unexpected) {
    if (has_value())
      storage_.template emplace<1>(unexpected.error());
    else
      std::get<1>(storage_) = unexpected.error();
    return *this;
  }
  template <class G>
  Expected& operator=(Unexpected<G>&& unexpected) {
    if (has_value())
      storage_.template emplace<1>(std::move(unexpected).error());
    else
      std::get<1>(storage_) = std::move(unexpected).error();
    return *this;
  }

  template <class... Args>
  T& emplace(Args&&... args) {
    return storage_.template emplace<0>(std::forward<Args>(args)...);
  }
  void swap(Expected& other) { storage_.swap(other.storage_); }
  friend void swap(Expected& left, Expected& right) { left.swap(right); }

  bool has_value() const noexcept { return storage_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T* operator->() noexcept { return std::get_if<0>(&storage_); }
  const T* operator->() const noexcept { return std::get_if<0>(&storage_); }
  T& operator*() & noexcept { return *std::get_if<0>(&storage_); }
  const T& operator*() const& noexcept { return *std::get_if<0>(&storage_); }
  T&& operator*() && noexcept { return std::move(*std::get_if<0>(&storage_)); }
  const T&& operator*() const&& noexcept { return std::move(*std::get_if<0>(&storage_)); }

  T& value() & {
    check();
    return **this;
  }
  const T& value() const& {
    check();
    return **this;
  }
  T&& value() && {
    check();
    return std::move(**this);
  }
  const T&& value() const&& {
    check();
    return std::move(**this);
  }

  E& error() & noexcept { return *std::get_if<1>(&storage_); }
  const E& error() const& noexcept { return *std::get_if<1>(&storage_); }
  E&& error() && noexcept { return std::move(*std::get_if<1>(&storage_)); }
  const E&& error() const&& noexcept { return std::move(*std::get_if<1>(&storage_)); }

  template <class U>
  T value_or(U&& fallback) const& {
    return has_value() ? **this : static_cast<T>(std::forward<U>(fallback));
  }
  template <class U>
  T value_or(U&& fallback) && {
    return has_value() ? std::move(**this) : static_cast<T>(std::forward<U>(fallback));
  }

  template <class U, class G>
  requires(!std::is_void_v<U>) friend bool operator==(const Expected& left,
                                                      const Expected<U, G>& right) {
    if (left.has_value() != right.has_value()) return false;
    return left.has_value() ? *left == *right : left.error() == right.error();
  }
  template <class U>
  requires(!detail::kIsExpected<U> && !detail::kIsUnexpected<U>) friend bool operator==(
      const Expected& left, const U& value) {
    return left.has_value() && *left == value;
  }
  template <class G>
  friend bool operator==(const Expected& left, const Unexpected<G>& unexpected) {
    return !left.has_value() && left.error() == unexpected.error();
  }

 private:
  template <class U, class G>
  static std::variant<T, E> make_storage(const Expected<U, G>& other) {
    if (other.has_value()) return std::variant<T, E>(std::in_place_index<0>, *other);
    return std::variant<T, E>(std::in_place_index<1>, other.error());
  }
  template <class U, class G>
  static std::variant<T, E> make_storage(Expected<U, G>&& other) {
    if (other.has_value()) return std::variant<T, E>(std::in_place_index<0>, *std::move(other));
    return std::variant<T, E>(std::in_place_index<1>, std::move(other).error());
  }
  void check() const {
    if (!has_value()) throw BadExpectedAccess<E>(error());
  }

  std::variant<T, E> storage_;
};

template <class E>
class Expected<void, E> {
 public:
  using value_type = void;
  using error_type = E;
  using unexpected_type = Unexpected<E>;

  Expected() noexcept : storage_(std::in_place_index<0>) {}
  Expected(const Expected&) = default;
  Expected(Expected&&) = default;
  Expected& operator=(const Expected&) = default;
  Expected& operator=(Expected&&) = default;

  // From an Unexpected<G> (copied from an lvalue, moved from an rvalue).
  template <class U>
  requires detail::kIsUnexpected<std::remove_cvref_t<U>> &&
      std::constructible_from<E, detail::ErrorOf<U>>
  explicit(!std::is_convertible_v<detail::ErrorOf<U>, E>) Expected(U&& unexpected)
      : storage_(std::in_place_index<1>, std::forward<U>(unexpected).error()) {}
  template <class G>
  requires std::constructible_from<E, G>
  explicit(!std::is_convertible_v<G, E>) Expected(Expected<void, G>&& other)
      : storage_(std::in_place_index<0>) {
    if (!other.has_value()) storage_.template emplace<1>(std::move(other).error());
  }
  explicit Expected(std::in_place_t) noexcept : storage_(std::in_place_index<0>) {}
  template <class... Args>
  requires std::constructible_from<E, Args...>
  explicit Expected(UnexpectT, Args&&... args)
      : storage_(std::in_place_index<1>, std::forward<Args>(args)...) {}

  template <class G>
  Expected& operator=(const Unexpected<G>& unexpected) {
    storage_.template emplace<1>(unexpected.error());
    return *this;
  }
  template <class G>
  Expected& operator=(Unexpected<G>&& unexpected) {
    storage_.template emplace<1>(std::move(unexpected).error());
    return *this;
  }

  void emplace() noexcept { storage_.template emplace<0>(); }
  void swap(Expected& other) { storage_.swap(other.storage_); }
  friend void swap(Expected& left, Expected& right) { left.swap(right); }

  bool has_value() const noexcept { return storage_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }
  void operator*() const noexcept {}
  void value() const& {
    if (!has_value()) throw BadExpectedAccess<E>(error());
  }
  void value() && {
    if (!has_value()) throw BadExpectedAccess<E>(std::move(error()));
  }

  E& error() & noexcept { return *std::get_if<1>(&storage_); }
  const E& error() const& noexcept { return *std::get_if<1>(&storage_); }
  E&& error() && noexcept { return std::move(*std::get_if<1>(&storage_)); }
  const E&& error() const&& noexcept { return std::move(*std::get_if<1>(&storage_)); }

  template <class G>
  friend bool operator==(const Expected& left, const Expected<void, G>& right) {
    if (left.has_value() != right.has_value()) return false;
    return left.has_value() || left.error() == right.error();
  }
  template <class G>
  friend bool operator==(const Expected& left, const Unexpected<G>& unexpected) {
    return !left.has_value() && left.error() == unexpected.error();
  }

 private:
  std::variant<std::monostate, E> storage_;
};

}  // namespace pgshift::compat
