#include "metadata/sql_session.h"

#include <soci/sqlite3/soci-sqlite3.h>

#include <memory>

namespace cangku::metadata {

WriteTransaction::WriteTransaction(soci::session& sql, SqlDialect dialect) : sql_(sql) {
  sql_ << (dialect == SqlDialect::kSqlite ? "BEGIN IMMEDIATE" : "BEGIN");
}

WriteTransaction::~WriteTransaction() {
  if (done_) return;
  try {
    sql_ << "ROLLBACK";
  } catch (const std::exception&) {
    // The connection is gone; the server discards the transaction with it.
    RecoverSession(sql_);
  }
}

void WriteTransaction::Commit() {
  sql_ << "COMMIT";
  done_ = true;
}

void SessionPool::Connect(soci::session& sql) const {
  if (sql.get_backend() != nullptr) return;
  if (dialect_ == SqlDialect::kSqlite) {
    sql.open(soci::sqlite3, connect_);
    std::string mode;
    sql << "PRAGMA journal_mode=WAL", soci::into(mode);
    sql << "PRAGMA synchronous=NORMAL";
    sql << "PRAGMA foreign_keys=ON";
    int timeout = 0;
    sql << "PRAGMA busy_timeout=5000", soci::into(timeout);
    // 256 KiB of page cache per connection instead of SQLite's 2 MiB: the file's pages are in
    // the OS page cache anyway, and hot manifests in the registry's own cache. Eight connections
    // with full caches were 16 MiB of a serving registry's memory; reads that miss the manifest
    // cache lost about a tenth of their throughput.
    sql << "PRAGMA cache_size=-256";
  } else {
    // By name: SOCI loads the PostgreSQL backend (and libpq) only when one is used.
    sql.open("postgresql", connect_);
  }
}

void RecoverSession(soci::session& sql) noexcept {
  try {
    if (!sql.is_connected()) sql.reconnect();
  } catch (const std::exception&) {
    // Still down; the next caller of this session gets the error and tries again.
  }
}

Status SqlError(std::string_view what, const std::exception& e) {
  return InternalError(std::string(what) + ": " + e.what());
}

StatusOr<oci::Digest> ParseStoredDigest(const std::string& text) {
  auto digest = oci::Digest::Parse(text);
  if (!digest.ok()) return DataLossError("stored digest \"" + text + "\" is invalid");
  return digest;
}

long long EnsureRepository(soci::session& sql, const std::string& repository) {
  sql << "INSERT INTO repositories (name) VALUES (:name) ON CONFLICT DO NOTHING",
      soci::use(repository);
  long long id = 0;
  sql << "SELECT id FROM repositories WHERE name = :name", soci::use(repository), soci::into(id);
  return id;
}

bool FindRepository(soci::session& sql, const std::string& repository, long long* id) {
  sql << "SELECT id FROM repositories WHERE name = :name", soci::use(repository), soci::into(*id);
  return sql.got_data();
}

}  // namespace cangku::metadata
