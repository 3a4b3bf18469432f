// The HOST:PORT of a listening endpoint (--metrics-listen), parsed without touching the network.
// Accepted forms:
//   127.0.0.1:9187     an IPv4 address
//   [::1]:9187         an IPv6 address, always in brackets (an unbracketed "::1:9187" is refused)
//   localhost:9187     a host name, resolved when the server starts (first address that binds)
//   :9187              every interface: IPv6 "::" accepting IPv4 too, or 0.0.0.0 without IPv6
// PORT is decimal 0..65535; 0 lets the system pick a free port. A bare "9187" is refused (it is
// not clear whether it meant a host or a port). Errors are kUsage and quote the text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/core/result.hpp"

namespace pgshift {

struct ListenAddress {
  std::string host;  // without brackets; empty = every interface
  std::uint16_t port = 0;

  bool all_interfaces() const { return host.empty(); }
  // Back to the accepted text form: "127.0.0.1:9187", "[::1]:9187", ":9187".
  std::string display() const;
};

Result<ListenAddress> parse_listen_address(std::string_view text);

}  // namespace pgshift
