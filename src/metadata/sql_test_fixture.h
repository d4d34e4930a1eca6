#pragma once

// Internal to the metadata tests: one fixture runs every test on SQLite (file), SQLite
// (:memory:) and, when CANGKU_TEST_PG_DSN is set, PostgreSQL (a fresh schema per test).

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "metadata/sql_metadata_store.h"
#include "oci/digest.h"

namespace cangku::metadata::testing {

enum class Backend { kSqliteFile, kSqliteMemory, kPostgres };

std::string BackendName(const ::testing::TestParamInfo<Backend>& info);

class SqlStoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Opens (another) store on this test's database.
  std::unique_ptr<SqlMetadataStore> Open(int pool_size = 4);

  static oci::Digest D(std::string_view seed) { return oci::Digest::Sha256Of(seed); }

  // Links `blob` into `repo`, failing the test on error.
  void Link(const std::string& repo, const oci::Digest& blob, int64_t size = 10);

  // A manifest of `repo` over `blobs` with content "{\"seed\":\"<seed>\"}".
  static ManifestWrite Manifest(const std::string& repo, std::string_view seed,
                                std::vector<oci::Digest> blobs,
                                std::optional<std::string> tag = std::nullopt);

  std::unique_ptr<SqlMetadataStore> store_;
  std::string url_;
  std::string dir_;        // SQLite file backend
  std::string pg_schema_;  // PostgreSQL backend
  std::string pg_dsn_;
};

// Each test runs on every backend.
#define CANGKU_SQL_BACKENDS()                                            \
  ::testing::Values(::cangku::metadata::testing::Backend::kSqliteFile,   \
                    ::cangku::metadata::testing::Backend::kSqliteMemory, \
                    ::cangku::metadata::testing::Backend::kPostgres),    \
      ::cangku::metadata::testing::BackendName

}  // namespace cangku::metadata::testing
