#include "metadata/sql_session.h"

#include <libpq-fe.h>

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

StatusOr<std::string> PostgresConnectString(const std::string& url) {
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
      PQconninfoParse(url.c_str(), &error), &PQconninfoFree);
  if (options == nullptr) {
    std::string message = error != nullptr ? error : "out of memory";
    PQfreemem(error);
    return InvalidArgumentError("bad PostgreSQL connection string: " + message);
  }
  std::string out;
  for (const PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    std::string value = o->val;
    if (value.find('"') != std::string::npos) {
      return InvalidArgumentError(std::string("PostgreSQL connection parameter ") + o->keyword +
                                  " may not contain '\"'");
    }
    // libpq quoting ('...' with \\ and \' escapes) inside SOCI quoting ("...").
    std::string quoted = "\"'";
    for (char c : value) {
      if (c == '\\' || c == '\'') quoted += '\\';
      quoted += c;
    }
    quoted += "'\"";
    if (!out.empty()) out += ' ';
    out += std::string(o->keyword) + "=" + quoted;
  }
  return out;
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
