#include "metadata/sql_test_fixture.h"

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>

#include "metadata/sql_session.h"

namespace cangku::metadata::testing {
namespace {

// libpq URI with search_path set to `schema`.
std::string WithSchema(const std::string& dsn, const std::string& schema) {
  return dsn + (dsn.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" +
         schema;
}

void RunPg(const std::string& dsn, const std::string& statement) {
  auto connect = PostgresConnectString(dsn);
  ASSERT_TRUE(connect.ok()) << connect.status().ToString();
  soci::session sql(soci::postgresql, *connect);
  sql << "SET client_min_messages TO warning";
  sql << statement;
}

}  // namespace

std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  switch (info.param) {
    case Backend::kSqliteFile:
      return "SqliteFile";
    case Backend::kSqliteMemory:
      return "SqliteMemory";
    case Backend::kPostgres:
      return "Postgres";
  }
  return "Unknown";
}

void SqlStoreTest::SetUp() {
  switch (GetParam()) {
    case Backend::kSqliteFile: {
      std::string templ = (std::filesystem::temp_directory_path() / "cangku-md-XXXXXX").string();
      ASSERT_NE(mkdtemp(templ.data()), nullptr);
      dir_ = templ;
      url_ = "sqlite://" + dir_ + "/metadata.db";
      break;
    }
    case Backend::kSqliteMemory:
      url_ = "sqlite::memory:";
      break;
    case Backend::kPostgres: {
      const char* dsn = std::getenv("CANGKU_TEST_PG_DSN");
      if (dsn == nullptr || *dsn == '\0') GTEST_SKIP() << "CANGKU_TEST_PG_DSN not set";
      static std::atomic<int> counter{0};
      pg_dsn_ = dsn;
      pg_schema_ = "cangku_test_" + std::to_string(getpid()) + "_" + std::to_string(++counter);
      RunPg(pg_dsn_, "CREATE SCHEMA " + pg_schema_);
      url_ = WithSchema(pg_dsn_, pg_schema_);
      break;
    }
  }
  store_ = Open();
  ASSERT_NE(store_, nullptr);
}

void SqlStoreTest::TearDown() {
  store_.reset();
  if (!dir_.empty()) std::filesystem::remove_all(dir_);
  if (!pg_schema_.empty()) RunPg(pg_dsn_, "DROP SCHEMA " + pg_schema_ + " CASCADE");
}

std::unique_ptr<SqlMetadataStore> SqlStoreTest::Open(int pool_size) {
  auto store = SqlMetadataStore::Create(url_, pool_size);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

void SqlStoreTest::Link(const std::string& repo, const oci::Digest& blob, int64_t size) {
  Status status = store_->LinkBlob(repo, blob, size, 0);
  ASSERT_TRUE(status.ok()) << status.ToString();
}

ManifestWrite SqlStoreTest::Manifest(const std::string& repo, std::string_view seed,
                                     std::vector<oci::Digest> blobs,
                                     std::optional<std::string> tag) {
  std::string content = "{\"seed\":\"" + std::string(seed) + "\"}";
  ManifestRecord record{.repository = repo,
                        .digest = oci::Digest::Sha256Of(content),
                        .media_type = "application/vnd.oci.image.manifest.v1+json",
                        .content = content,
                        .size = static_cast<int64_t>(content.size()),
                        .created_at = 1000};
  return ManifestWrite{.manifest = std::move(record), .blobs = std::move(blobs), .tag = tag};
}

}  // namespace cangku::metadata::testing
