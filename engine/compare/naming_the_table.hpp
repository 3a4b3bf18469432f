// verify's errors say which table they are about: naming_the_table() prefixes an error with
// "table schema.name", unless the message names the table already (a SQLite source's value error
// says "table staff key id=2 column n: ..."; a second prefix would say the table twice). Pure.
#pragma once

#include <string>

#include "engine/core/result.hpp"
#include "engine/model/table.hpp"

namespace pgshift {

inline Error naming_the_table(Error error, const Table& table) {
  for (const std::string& name : {table.schema + "." + table.name, table.name}) {
    if (error.message.starts_with("table " + name + " ") ||
        error.message.starts_with("table " + name + ":")) {
      return error;
    }
  }
  return std::move(error).within("table " + table.schema + "." + table.name);
}

}  // namespace pgshift
