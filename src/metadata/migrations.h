#pragma once

// Internal to src/metadata: numbered schema migrations, embedded at build time.

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace soci {
class session;
}

namespace cangku::metadata {

enum class SqlDialect { kSqlite, kPostgres };

// One file migrations/NNNN_name.sql.
struct Migration {
  int version;            // NNNN
  std::string_view name;  // "NNNN_name"
  std::string_view sql;   // the file, with {{...}} placeholders (see RenderMigration)
};

// All migrations compiled into the binary, by ascending version.
std::span<const Migration> EmbeddedMigrations();

// Substitutes the dialect placeholders {{AUTO_ID}} and {{BYTE_ORDER}}, and splits the text into
// statements on ';' at the end of a line. "--" comment lines and blank statements are dropped.
std::vector<std::string> RenderMigration(std::string_view sql, SqlDialect dialect);

// Applies every migration of `migrations` newer than the recorded schema version, in one
// transaction, recording each in schema_migrations. Safe against concurrent callers (SQLite:
// BEGIN IMMEDIATE; PostgreSQL: a transaction-scoped advisory lock). Returns how many were
// applied. Errors: kInternal (SQL failure; nothing is applied then), kFailedPrecondition when
// the database has a version newer than this binary knows.
StatusOr<int> ApplyMigrations(soci::session& sql, SqlDialect dialect,
                              std::span<const Migration> migrations);

}  // namespace cangku::metadata
