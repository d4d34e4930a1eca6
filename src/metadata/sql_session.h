#pragma once

// Internal to src/metadata: helpers shared by the SqlMetadataStore sources. Includes SOCI.

#include <soci/soci.h>

#include <exception>
#include <string>
#include <string_view>
#include <utility>

#include "common/status.h"
#include "metadata/migrations.h"
#include "metadata/postgres_url.h"
#include "oci/digest.h"

namespace cangku::metadata {

// A write transaction on `sql`, rolled back by the destructor unless committed. On SQLite it
// is BEGIN IMMEDIATE: the write lock is taken up front (waiting up to busy_timeout), so a
// read-then-write transaction never fails on a stale snapshot under concurrent writers.
class WriteTransaction {
 public:
  WriteTransaction(soci::session& sql, SqlDialect dialect);
  ~WriteTransaction();
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;

  void Commit();

 private:
  soci::session& sql_;
  bool done_ = false;
};

// Reconnects a session whose connection was lost, so the pool does not keep a dead session.
void RecoverSession(soci::session& sql) noexcept;

// Internal error for a failed `what`, from an exception.
Status SqlError(std::string_view what, const std::exception& e);

// A digest read back from the database. Errors: kDataLoss if it does not parse.
StatusOr<oci::Digest> ParseStoredDigest(const std::string& text);

// The store's sessions: a fixed SOCI pool whose sessions connect when first leased, so an idle
// registry holds the connection it used, not pool_size of them (each SQLite connection cost
// about 130 KiB of memory before its first query). Thread-safe, like the SOCI pool.
class SessionPool {
 public:
  SessionPool(size_t size, SqlDialect dialect, std::string connect)
      : sessions_(size), dialect_(dialect), connect_(std::move(connect)) {}

  soci::connection_pool& sessions() { return sessions_; }
  // Opens `sql`, a session leased from this pool, if it never was. Throws as SOCI does.
  void Connect(soci::session& sql) const;

 private:
  soci::connection_pool sessions_;
  const SqlDialect dialect_;
  const std::string connect_;  // what the SOCI backend is opened with
};

// Runs fn(session) on a session leased from `pool`; any exception becomes kInternal.
template <typename Fn>
auto WithSession(SessionPool& pool, std::string_view what, Fn&& fn)
    -> decltype(fn(std::declval<soci::session&>())) {
  try {
    soci::session sql(pool.sessions());
    pool.Connect(sql);
    try {
      return fn(sql);
    } catch (const std::exception& e) {
      RecoverSession(sql);
      return SqlError(what, e);
    }
  } catch (const std::exception& e) {
    return SqlError(what, e);
  } catch (...) {
    return InternalError(std::string(what) + ": unknown exception");
  }
}

// The id of `repository`, creating the row if needed. Call inside a WriteTransaction.
long long EnsureRepository(soci::session& sql, const std::string& repository);

// The id of `repository`, or false if it has no row.
bool FindRepository(soci::session& sql, const std::string& repository, long long* id);

}  // namespace cangku::metadata
