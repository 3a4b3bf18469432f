// Which hosting provider runs a server, from what a client can see: the host name it connects to,
// provider-specific settings (rds.*, azure.*), and provider roles and schemas. Also each provider's
// own way to do what the zero-downtime path needs. Pure functions; unit-tested.
#pragma once

#include <string>

#include "engine/assess/facts.hpp"

namespace pgshift::assess {

enum class Provider { kSelfHosted, kSupabase, kRailway, kRds, kAzure, kRender };

struct Detection {
  Provider provider = Provider::kSelfHosted;
  std::string evidence;  // "host *.supabase.co", "rds.* settings", ...
};

const char* provider_name(Provider provider);
Detection detect_provider(const ServerFacts& server);

// One line: how to turn on wal_level=logical with this provider.
std::string wal_level_fix(Provider provider);
// One line: how `user` gets the right to replicate with this provider.
std::string replication_privilege_fix(Provider provider, const std::string& user);
// Whether the server's user may open replication connections (superuser, REPLICATION, or the
// provider's replication role).
bool can_replicate(const ServerFacts& server);

}  // namespace pgshift::assess
