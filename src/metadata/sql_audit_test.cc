// AuditStore of SqlMetadataStore: appends, newest-first paging and filters, on every backend.

#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

#include "metadata/sql_metadata_store.h"
#include "metadata/sql_test_fixture.h"

namespace cangku::metadata {
namespace {

using testing::Backend;
using testing::SqlStoreTest;

class SqlAuditTest : public SqlStoreTest {
 protected:
  static AuditRecord Event(int64_t time, const std::string& actor, const std::string& action,
                           const std::string& project) {
    return AuditRecord{.time = time,
                       .actor = actor,
                       .address = "10.0.0.1",
                       .action = action,
                       .project = project,
                       .resource = project + "/app:" + std::to_string(time),
                       .result = "ok",
                       .detail = ""};
  }

  // Twelve events at times 1..12: actors alice/bob/"" in turn, actions push/pull/delete/login
  // in turn, projects lib, app, and "" for each login.
  void AppendTwelve() {
    const char* actors[] = {"alice", "bob", ""};
    const char* actions[] = {"push", "pull", "delete", "login"};
    std::vector<AuditRecord> records;
    for (int t = 1; t <= 12; ++t) {
      std::string action = actions[(t - 1) % 4];
      std::string project = action == "login" ? "" : (t % 2 == 1 ? "lib" : "app");
      records.push_back(Event(t, actors[(t - 1) % 3], action, project));
    }
    Status s = store_->AppendAudit(records);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  // The times of the records the query returns, in the store's order.
  std::vector<int64_t> TimesOf(const AuditQuery& query) {
    auto records = store_->QueryAudit(query);
    EXPECT_TRUE(records.ok()) << records.status().ToString();
    std::vector<int64_t> times;
    if (!records.ok()) return times;
    for (const AuditRecord& r : *records) times.push_back(r.time);
    return times;
  }
};

using Times = std::vector<int64_t>;

TEST_P(SqlAuditTest, EmptyLogAndEmptyAppend) {
  EXPECT_EQ(TimesOf({}), Times{});
  ASSERT_TRUE(store_->AppendAudit({}).ok());
  EXPECT_EQ(TimesOf({}), Times{});
}

TEST_P(SqlAuditTest, RecordsRoundTripNewestFirstWithIncreasingIds) {
  AuditRecord first{.id = 77,  // ignored
                    .time = 1000,
                    .actor = "alice",
                    .address = "192.0.2.7",
                    .action = "push",
                    .project = "lib",
                    .resource = "lib/debian:12",
                    .result = "denied",
                    .detail = "tag v1 is immutable"};
  AuditRecord second = Event(1001, "robot$lib+ci", "pull", "lib");
  ASSERT_TRUE(store_->AppendAudit({first, second}).ok());
  ASSERT_TRUE(store_->AppendAudit({Event(1002, "", "pull", "")}).ok());
  auto records = store_->QueryAudit({});
  ASSERT_TRUE(records.ok()) << records.status().ToString();
  ASSERT_EQ(records->size(), 3u);
  const AuditRecord& got = (*records)[2];
  EXPECT_EQ(got.time, 1000);
  EXPECT_EQ(got.actor, "alice");
  EXPECT_EQ(got.address, "192.0.2.7");
  EXPECT_EQ(got.action, "push");
  EXPECT_EQ(got.project, "lib");
  EXPECT_EQ(got.resource, "lib/debian:12");
  EXPECT_EQ(got.result, "denied");
  EXPECT_EQ(got.detail, "tag v1 is immutable");
  EXPECT_EQ((*records)[1].actor, "robot$lib+ci");
  EXPECT_EQ((*records)[0].actor, "");
  EXPECT_EQ((*records)[0].time, 1002);
  EXPECT_GT((*records)[0].id, (*records)[1].id);
  EXPECT_GT((*records)[1].id, (*records)[2].id);
  EXPECT_GT((*records)[2].id, 0);
}

TEST_P(SqlAuditTest, PagesByBeforeIdUntilEmpty) {
  AppendTwelve();
  std::vector<int64_t> seen;
  AuditQuery query{.limit = 5};
  for (int page = 0; page < 10; ++page) {
    auto records = store_->QueryAudit(query);
    ASSERT_TRUE(records.ok()) << records.status().ToString();
    EXPECT_LE(records->size(), 5u);
    if (records->empty()) break;
    for (const AuditRecord& r : *records) seen.push_back(r.time);
    query.before_id = records->back().id;
  }
  EXPECT_EQ(seen, (Times{12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1}));
  EXPECT_EQ(TimesOf({.limit = 3}), (Times{12, 11, 10}));
}

TEST_P(SqlAuditTest, BeforeIdIsExclusive) {
  AppendTwelve();
  auto all = store_->QueryAudit({});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 12u);
  int64_t id_of_9 = (*all)[3].id;  // times 12, 11, 10, 9, ...
  EXPECT_EQ(TimesOf({.before_id = id_of_9, .limit = 2}), (Times{8, 7}));
  EXPECT_EQ(TimesOf({.before_id = (*all)[11].id}), Times{});
}

TEST_P(SqlAuditTest, FiltersByActorProjectAndAction) {
  AppendTwelve();
  // actors: t%3==1 alice, t%3==2 bob, t%3==0 ""; actions: push 1,5,9 pull 2,6,10 delete 3,7,11
  // login 4,8,12; projects: lib odd, app even, "" for logins.
  EXPECT_EQ(TimesOf({.actor = "alice"}), (Times{10, 7, 4, 1}));
  EXPECT_EQ(TimesOf({.actor = "bob"}), (Times{11, 8, 5, 2}));
  EXPECT_EQ(TimesOf({.actor = "nobody"}), Times{});
  EXPECT_EQ(TimesOf({.project = "lib"}), (Times{11, 9, 7, 5, 3, 1}));
  EXPECT_EQ(TimesOf({.project = "app"}), (Times{10, 6, 2}));
  EXPECT_EQ(TimesOf({.action = "login"}), (Times{12, 8, 4}));
  EXPECT_EQ(TimesOf({.action = "push"}), (Times{9, 5, 1}));
  EXPECT_EQ(TimesOf({.actor = "alice", .project = "lib"}), (Times{7, 1}));
  EXPECT_EQ(TimesOf({.actor = "alice", .project = "lib", .action = "push"}), Times{1});
  EXPECT_EQ(TimesOf({.actor = "bob", .action = "login"}), Times{8});
}

TEST_P(SqlAuditTest, FiltersByTimeRange) {
  AppendTwelve();
  EXPECT_EQ(TimesOf({.since = 10}), (Times{12, 11, 10}));
  EXPECT_EQ(TimesOf({.until = 3}), (Times{2, 1}));
  EXPECT_EQ(TimesOf({.since = 4, .until = 7}), (Times{6, 5, 4}));
  EXPECT_EQ(TimesOf({.since = 7, .until = 7}), Times{});
  EXPECT_EQ(TimesOf({.project = "lib", .since = 4, .until = 10}), (Times{9, 7, 5}));
}

TEST_P(SqlAuditTest, FiltersCombineWithPaging) {
  AppendTwelve();
  AuditQuery query{.limit = 2, .project = "lib"};
  auto first = store_->QueryAudit(query);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[1].time, 9);
  query.before_id = first->back().id;
  EXPECT_EQ(TimesOf(query), (Times{7, 5}));
  query.limit = 100;
  query.action = "delete";
  EXPECT_EQ(TimesOf(query), (Times{7, 3}));
}

TEST_P(SqlAuditTest, IdsKeepIncreasingAcrossStores) {
  if (GetParam() == Backend::kSqliteMemory) GTEST_SKIP() << "each :memory: store is new";
  ASSERT_TRUE(store_->AppendAudit({Event(1, "alice", "push", "lib")}).ok());
  auto before = store_->QueryAudit({});
  ASSERT_TRUE(before.ok() && before->size() == 1u);
  store_.reset();
  store_ = Open();
  ASSERT_NE(store_, nullptr);
  ASSERT_TRUE(store_->AppendAudit({Event(2, "bob", "pull", "lib")}).ok());
  auto after = store_->QueryAudit({});
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), 2u);
  EXPECT_GT((*after)[0].id, (*before)[0].id);
  EXPECT_EQ((*after)[0].time, 2);
}

TEST_P(SqlAuditTest, ConcurrentAppendsAllLandWithDistinctIds) {
  constexpr int kThreads = 4;
  constexpr int kBatches = 10;
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      for (int b = 0; b < kBatches; ++b) {
        Status s = store_->AppendAudit(
            {Event(b, "actor" + std::to_string(i), "push", "lib"), Event(b, "x", "pull", "")});
        EXPECT_TRUE(s.ok()) << s.ToString();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  auto all = store_->QueryAudit({.limit = 1000});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), static_cast<size_t>(kThreads * kBatches * 2));
  std::set<int64_t> ids;
  for (const AuditRecord& r : *all) ids.insert(r.id);
  EXPECT_EQ(ids.size(), all->size());
  EXPECT_EQ(TimesOf({.actor = "actor2"}).size(), static_cast<size_t>(kBatches));
}

INSTANTIATE_TEST_SUITE_P(Backends, SqlAuditTest, CANGKU_SQL_BACKENDS());

}  // namespace
}  // namespace cangku::metadata
