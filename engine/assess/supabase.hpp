// Supabase sources: the schemas and roles Supabase itself owns (left out of a migration by
// default: they belong to the platform, not the application) and the user's objects that refer
// to them, judged as warnings with a fix each. Pure functions; unit-tested.
#pragma once

#include <string>
#include <vector>

#include "engine/assess/facts.hpp"
#include "engine/assess/finding.hpp"
#include "engine/assess/provider.hpp"

namespace pgshift::assess {

const std::vector<std::string>& supabase_internal_schemas();
const std::vector<std::string>& supabase_internal_roles();
bool is_supabase_role(const std::string& role);

// The schemas of `server` a migration leaves out: Supabase's internal ones that exist, on a
// Supabase source; none elsewhere.
std::vector<std::string> internal_schemas_to_leave_out(Provider provider,
                                                       const std::vector<std::string>& schemas);

// User objects depending on objects in left-out schemas (foreign keys, defaults, policies, ...).
std::vector<Finding> judge_references(const std::vector<Reference>& references);

// Policies naming roles that are Supabase's or missing on the target, and table grants to
// Supabase roles.
std::vector<Finding> judge_role_uses(const std::vector<PolicyFact>& policies,
                                     const std::vector<GrantFact>& grants,
                                     const std::vector<std::string>& target_roles,
                                     bool keep_owners);

}  // namespace pgshift::assess
