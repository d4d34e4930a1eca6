#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "metadata/audit_store.h"
#include "metadata/identity_store.h"
#include "metadata/lifecycle_store.h"
#include "metadata/metadata_store.h"
#include "metadata/migrations.h"
#include "metadata/policy_store.h"
#include "oci/digest.h"

namespace cangku::metadata {

class SessionPool;  // sql_session.h

// MetadataStore (and LifecycleStore, for garbage collection and scrub; PolicyStore; IdentityStore;
// AuditStore) over SQL through SOCI: SQLite (embedded, WAL) or PostgreSQL (scale-out).
// Thread-safe: each call leases one session from a fixed pool (blocking while all are in use);
// a session connects when first used.
// Every SOCI/driver exception is caught here and returned as kInternal.
class SqlMetadataStore final : public MetadataStore,
                               public LifecycleStore,
                               public PolicyStore,
                               public IdentityStore,
                               public AuditStore {
 public:
  // Opens the database and applies pending migrations. `url` is one of
  //   sqlite:///abs/path/metadata.db   a file (created if absent), `pool_size` connections
  //   sqlite::memory:                  a private in-memory database (tests); since every SQLite
  //                                    :memory: connection is its own database, the pool has
  //                                    one session whatever `pool_size` says
  //   postgresql://... or postgres://...  passed to libpq as a connection URI
  // Errors: kInvalidArgument (bad url or pool_size < 1), kUnavailable (cannot connect),
  // kInternal (migration failure), kFailedPrecondition (schema newer than this binary).
  static StatusOr<std::unique_ptr<SqlMetadataStore>> Create(const std::string& url, int pool_size);
  ~SqlMetadataStore() override;
  SqlMetadataStore(const SqlMetadataStore&) = delete;
  SqlMetadataStore& operator=(const SqlMetadataStore&) = delete;

  // How many migrations Create applied (0 when the schema was already current).
  int applied_migrations() const { return applied_migrations_; }

  StatusOr<std::vector<std::string>> ListRepositories(const PageRequest& page) override;

  Status LinkBlob(std::string_view repository, const oci::Digest& digest, int64_t size,
                  int64_t now) override;
  StatusOr<int64_t> GetBlobLink(std::string_view repository, const oci::Digest& digest) override;
  StatusOr<int64_t> FindBlob(const oci::Digest& digest) override;
  Status UnlinkBlob(std::string_view repository, const oci::Digest& digest) override;

  Status PutManifest(const ManifestWrite& write) override;
  StatusOr<ManifestRecord> GetManifest(std::string_view repository,
                                       const oci::Digest& digest) override;
  StatusOr<ManifestRecord> GetTaggedManifest(std::string_view repository,
                                             std::string_view tag) override;
  using MetadataStore::DeleteManifest;
  Status DeleteManifest(std::string_view repository, const oci::Digest& digest,
                        const TagPredicate& is_protected) override;
  Status DeleteTag(std::string_view repository, std::string_view tag) override;
  StatusOr<std::vector<std::string>> ListTags(std::string_view repository,
                                              const PageRequest& page) override;
  StatusOr<std::vector<ManifestRecord>> ListReferrers(std::string_view repository,
                                                      const oci::Digest& subject,
                                                      std::string_view artifact_type) override;

  Status CreateUpload(const UploadRecord& upload) override;
  StatusOr<UploadRecord> GetUpload(std::string_view id) override;
  Status DeleteUpload(std::string_view id) override;
  StatusOr<std::vector<UploadRecord>> ListUploadsBefore(int64_t before) override;

  // LifecycleStore (sql_lifecycle.cc).
  Status ForEachLink(const std::function<Status(const LinkRow&)>& fn) override;
  Status ForEachManifest(const std::function<Status(const ManifestNode&)>& fn) override;
  Status ForEachManifestRef(const std::function<Status(const ManifestRef&)>& fn) override;
  StatusOr<bool> IsLinked(const oci::Digest& digest) override;
  StatusOr<std::vector<LinkRow>> DeleteUnreferencedLinks(const std::vector<LinkRow>& links,
                                                         int64_t before) override;
  StatusOr<bool> DeleteManifestIfUnreachable(const std::string& repository,
                                             const oci::Digest& digest, int64_t before) override;
  Status ForEachTag(const std::function<Status(const TagRow&)>& fn) override;
  Status RecordPulls(const std::vector<PullRow>& pulls, int64_t now) override;
  StatusOr<bool> DeleteTagIfUnchanged(const TagRow& tag) override;

  StatusOr<std::optional<std::string>> GetProjectPolicy(std::string_view project) override;
  StatusOr<int64_t> ProjectUsage(std::string_view project) override;
  Status PutProjectPolicy(std::string_view project, std::string_view policy_json,
                          int64_t now) override;

  // IdentityStore: users, projects and members (sql_identity.cc), robots (sql_robots.cc).
  Status CreateUser(const UserRecord& user) override;
  StatusOr<UserRecord> GetUser(std::string_view name) override;
  StatusOr<std::vector<UserRecord>> ListUsers(const PageRequest& page) override;
  Status UpdateUser(const UserRecord& user) override;
  Status DeleteUser(std::string_view name) override;

  Status CreateProject(const ProjectRecord& project) override;
  StatusOr<ProjectRecord> GetProject(std::string_view name) override;
  StatusOr<std::vector<ProjectRecord>> ListProjects(const PageRequest& page) override;
  Status UpdateProject(const ProjectRecord& project) override;
  Status DeleteProject(std::string_view name) override;

  Status PutMember(const MemberRecord& member) override;
  Status DeleteMember(std::string_view project, std::string_view user) override;
  StatusOr<std::vector<MemberRecord>> ListMembers(std::string_view project) override;
  StatusOr<std::vector<MemberRecord>> ListMemberships(std::string_view user) override;

  Status CreateRobot(const RobotRecord& robot) override;
  StatusOr<RobotRecord> GetRobot(std::string_view name) override;
  StatusOr<std::vector<RobotRecord>> ListRobots(std::string_view project) override;
  Status UpdateRobot(const RobotRecord& robot) override;
  Status DeleteRobot(std::string_view name) override;

  // AuditStore (sql_audit.cc).
  Status AppendAudit(const std::vector<AuditRecord>& records) override;
  StatusOr<std::vector<AuditRecord>> QueryAudit(const AuditQuery& query) override;

 private:
  SqlMetadataStore(std::unique_ptr<SessionPool> pool, SqlDialect dialect, int applied_migrations);

  // Serializes this process's writers on SQLite, which allows one writer at a time: waiting
  // here hands the lock over at once, where SQLite's busy handler would sleep and retry.
  // Empty (no lock) on PostgreSQL.
  std::unique_lock<std::mutex> WriterLock();

  // Constant after construction; the pool itself is thread-safe.
  const std::unique_ptr<SessionPool> pool_;
  const SqlDialect dialect_;
  const int applied_migrations_;

  std::mutex sqlite_writers_;
};

}  // namespace cangku::metadata
