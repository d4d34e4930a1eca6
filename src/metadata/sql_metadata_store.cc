#include "metadata/sql_metadata_store.h"

#include <soci/soci.h>

#include <algorithm>

#include "metadata/sql_session.h"

namespace cangku::metadata {
namespace {

constexpr std::string_view kSqliteMemory = "sqlite::memory:";
constexpr std::string_view kSqlitePrefix = "sqlite://";

struct Target {
  SqlDialect dialect;
  std::string connect;  // what the SOCI backend is opened with
  int pool_size;
};

StatusOr<Target> ParseUrl(const std::string& url, int pool_size) {
  if (pool_size < 1) return InvalidArgumentError("metadata pool size must be at least 1");
  if (url == kSqliteMemory) return Target{SqlDialect::kSqlite, ":memory:", 1};
  if (url.starts_with(kSqlitePrefix)) {
    std::string path = url.substr(kSqlitePrefix.size());
    if (!path.starts_with('/') || path.find('"') != std::string::npos) {
      return InvalidArgumentError("sqlite metadata url needs an absolute path without '\"': " +
                                  url);
    }
    return Target{SqlDialect::kSqlite, "db=\"" + path + "\"", pool_size};
  }
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    ASSIGN_OR_RETURN(std::string connect, PostgresConnectString(url));
    return Target{SqlDialect::kPostgres, std::move(connect), pool_size};
  }
  return InvalidArgumentError(
      "metadata url must start with sqlite://, sqlite::memory:, postgresql:// or postgres://");
}

}  // namespace

SqlMetadataStore::SqlMetadataStore(std::unique_ptr<SessionPool> pool, SqlDialect dialect,
                                   int applied_migrations)
    : pool_(std::move(pool)), dialect_(dialect), applied_migrations_(applied_migrations) {}

SqlMetadataStore::~SqlMetadataStore() = default;

StatusOr<std::unique_ptr<SqlMetadataStore>> SqlMetadataStore::Create(const std::string& url,
                                                                     int pool_size) {
  ASSIGN_OR_RETURN(Target target, ParseUrl(url, pool_size));
  std::unique_ptr<SessionPool> pool;
  try {
    pool = std::make_unique<SessionPool>(static_cast<size_t>(target.pool_size), target.dialect,
                                         target.connect);
  } catch (const std::exception& e) {
    return SqlError("create metadata pool", e);
  }
  // One session connects now, so that a database that cannot be reached fails the start; the
  // others connect when first used.
  try {
    soci::session sql(pool->sessions());
    pool->Connect(sql);
  } catch (const std::exception& e) {
    return UnavailableError(std::string("cannot open metadata database: ") + e.what());
  }
  ASSIGN_OR_RETURN(int applied, WithSession(*pool, "migrate", [&](soci::session& sql) {
                     return ApplyMigrations(sql, target.dialect, EmbeddedMigrations());
                   }));
  return std::unique_ptr<SqlMetadataStore>(
      new SqlMetadataStore(std::move(pool), target.dialect, applied));
}

std::unique_lock<std::mutex> SqlMetadataStore::WriterLock() {
  if (dialect_ != SqlDialect::kSqlite) return {};
  return std::unique_lock<std::mutex>(sqlite_writers_);
}

StatusOr<std::vector<std::string>> SqlMetadataStore::ListRepositories(const PageRequest& page) {
  return WithSession(
      *pool_, "list repositories", [&](soci::session& sql) -> StatusOr<std::vector<std::string>> {
        int limit = std::max(page.limit, 1);
        soci::rowset<std::string> rows =
            (sql.prepare << "SELECT r.name FROM repositories r WHERE r.name > :last AND ("
                            "EXISTS (SELECT 1 FROM blob_links b WHERE b.repository_id = r.id) OR "
                            "EXISTS (SELECT 1 FROM manifests m WHERE m.repository_id = r.id)) "
                            "ORDER BY r.name LIMIT :limit",
             soci::use(page.last), soci::use(limit));
        return std::vector<std::string>(rows.begin(), rows.end());
      });
}

Status SqlMetadataStore::LinkBlob(std::string_view repository, const oci::Digest& digest,
                                  int64_t size, int64_t now) {
  auto writer = WriterLock();
  return WithSession(*pool_, "link blob", [&](soci::session& sql) -> Status {
    std::string repo(repository);
    long long bytes = size;
    long long created_at = now;
    WriteTransaction tx(sql, dialect_);
    long long repo_id = EnsureRepository(sql, repo);
    // Re-linking refreshes the time, so a blob pushed again starts a new grace period.
    sql << "INSERT INTO blob_links (repository_id, digest, size, created_at) "
           "VALUES (:r, :d, :s, :t) ON CONFLICT (repository_id, digest) DO UPDATE SET "
           "created_at = excluded.created_at",
        soci::use(repo_id), soci::use(digest.str()), soci::use(bytes), soci::use(created_at);
    tx.Commit();
    return OkStatus();
  });
}

StatusOr<int64_t> SqlMetadataStore::GetBlobLink(std::string_view repository,
                                                const oci::Digest& digest) {
  return WithSession(*pool_, "get blob link", [&](soci::session& sql) -> StatusOr<int64_t> {
    std::string repo(repository);
    long long size = 0;
    sql << "SELECT b.size FROM blob_links b JOIN repositories r ON r.id = b.repository_id "
           "WHERE r.name = :name AND b.digest = :digest",
        soci::use(repo), soci::use(digest.str()), soci::into(size);
    if (!sql.got_data()) {
      return NotFoundError("blob " + digest.str() + " unknown to repository " + repo);
    }
    return static_cast<int64_t>(size);
  });
}

StatusOr<int64_t> SqlMetadataStore::FindBlob(const oci::Digest& digest) {
  return WithSession(*pool_, "find blob", [&](soci::session& sql) -> StatusOr<int64_t> {
    long long size = 0;
    sql << "SELECT size FROM blob_links WHERE digest = :digest LIMIT 1", soci::use(digest.str()),
        soci::into(size);
    if (!sql.got_data()) return NotFoundError("blob " + digest.str() + " unknown");
    return static_cast<int64_t>(size);
  });
}

Status SqlMetadataStore::UnlinkBlob(std::string_view repository, const oci::Digest& digest) {
  auto writer = WriterLock();
  return WithSession(*pool_, "unlink blob", [&](soci::session& sql) -> Status {
    std::string repo(repository);
    soci::statement st =
        (sql.prepare << "DELETE FROM blob_links WHERE digest = :digest AND repository_id = "
                        "(SELECT id FROM repositories WHERE name = :name)",
         soci::use(digest.str()), soci::use(repo));
    st.execute(true);
    if (st.get_affected_rows() == 0) {
      return NotFoundError("blob " + digest.str() + " unknown to repository " + repo);
    }
    return OkStatus();
  });
}

Status SqlMetadataStore::CreateUpload(const UploadRecord& upload) {
  auto writer = WriterLock();
  return WithSession(*pool_, "create upload", [&](soci::session& sql) -> Status {
    long long created_at = upload.created_at;
    soci::statement st =
        (sql.prepare << "INSERT INTO uploads (id, repository, created_at) VALUES (:id, :repo, "
                        ":created_at) ON CONFLICT DO NOTHING",
         soci::use(upload.id), soci::use(upload.repository), soci::use(created_at));
    st.execute(true);
    if (st.get_affected_rows() == 0) {
      return AlreadyExistsError("upload " + upload.id + " already exists");
    }
    return OkStatus();
  });
}

StatusOr<UploadRecord> SqlMetadataStore::GetUpload(std::string_view id) {
  return WithSession(*pool_, "get upload", [&](soci::session& sql) -> StatusOr<UploadRecord> {
    UploadRecord upload{.id = std::string(id)};
    long long created_at = 0;
    sql << "SELECT repository, created_at FROM uploads WHERE id = :id", soci::use(upload.id),
        soci::into(upload.repository), soci::into(created_at);
    if (!sql.got_data()) return NotFoundError("upload " + upload.id + " unknown");
    upload.created_at = created_at;
    return upload;
  });
}

Status SqlMetadataStore::DeleteUpload(std::string_view id) {
  auto writer = WriterLock();
  return WithSession(*pool_, "delete upload", [&](soci::session& sql) -> Status {
    std::string key(id);
    soci::statement st = (sql.prepare << "DELETE FROM uploads WHERE id = :id", soci::use(key));
    st.execute(true);
    if (st.get_affected_rows() == 0) return NotFoundError("upload " + key + " unknown");
    return OkStatus();
  });
}

StatusOr<std::vector<UploadRecord>> SqlMetadataStore::ListUploadsBefore(int64_t before) {
  return WithSession(
      *pool_, "list uploads", [&](soci::session& sql) -> StatusOr<std::vector<UploadRecord>> {
        long long cutoff = before;
        UploadRecord upload;
        long long created_at = 0;
        soci::statement st = (sql.prepare << "SELECT id, repository, created_at FROM uploads "
                                             "WHERE created_at < :before ORDER BY created_at, id",
                              soci::use(cutoff), soci::into(upload.id),
                              soci::into(upload.repository), soci::into(created_at));
        st.execute();
        std::vector<UploadRecord> uploads;
        while (st.fetch()) {
          upload.created_at = created_at;
          uploads.push_back(upload);
        }
        return uploads;
      });
}

}  // namespace cangku::metadata
