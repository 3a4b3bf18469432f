#include "engine/observe/listen_address.hpp"

#include <charconv>

namespace pgshift {
namespace {

Unexpected<Error> bad(std::string_view text, std::string_view why) {
  return fail(ErrorKind::kUsage, "listen address \"" + std::string(text) +
                                     "\": " + std::string(why) +
                                     " (expected HOST:PORT, [IPv6]:PORT or :PORT)");
}

}  // namespace

std::string ListenAddress::display() const {
  std::string port_text = std::to_string(port);
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + port_text;
  return host + ":" + port_text;
}

Result<ListenAddress> parse_listen_address(std::string_view text) {
  std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return bad(text, "no port");
  std::string_view host = text.substr(0, colon);
  std::string_view port = text.substr(colon + 1);

  if (host.starts_with('[')) {
    if (!host.ends_with(']')) return bad(text, "unclosed '['");
    host = host.substr(1, host.size() - 2);
    if (host.empty()) return bad(text, "empty IPv6 address in brackets");
    if (host.find(':') == std::string_view::npos) return bad(text, "brackets are for IPv6 only");
  } else if (host.find(':') != std::string_view::npos) {
    return bad(text, "an IPv6 address needs brackets, as in [::1]:9187");
  } else if (host.find_first_of("[]") != std::string_view::npos) {
    return bad(text, "stray bracket");
  }
  if (host.find_first_of(" \t/") != std::string_view::npos) return bad(text, "bad host");

  if (port.empty()) return bad(text, "no port");
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc{} || end != port.data() + port.size() || value > 65535) {
    return bad(text, "port must be a number from 0 to 65535");
  }
  return ListenAddress{std::string(host), static_cast<std::uint16_t>(value)};
}

}  // namespace pgshift
