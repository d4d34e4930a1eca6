#pragma once

#include <string>

#include "common/status.h"

namespace cangku::metadata {

// Converts a PostgreSQL connection URI
//   postgresql://[user[:password]@][host][:port][/dbname][?keyword=value&...]
// into the keyword/value form that SOCI's PostgreSQL backend hands to libpq intact (SOCI 4.0
// re-tokenizes what it is given and would mangle a URI). Parsed here rather than by libpq so
// that libpq is loaded only when a PostgreSQL store is opened. Errors: kInvalidArgument for a
// malformed URI, an unknown keyword, or a value containing '"'.
StatusOr<std::string> PostgresConnectString(const std::string& url);

}  // namespace cangku::metadata
