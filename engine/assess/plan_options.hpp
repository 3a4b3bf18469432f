// What `pgshift plan` (and `migrate --dry-run`) is told: the migrate run it assesses, and how
// closely to look.
#pragma once

#include "engine/migrate/migrate_options.hpp"

namespace pgshift {

struct PlanOptions : MigrateOptions {
  bool exact_counts = false;  // --exact: count(*) every table instead of the statistics
};

}  // namespace pgshift
