// The AuditStore methods of SqlMetadataStore: the append-only audit log.
//
// Ids come from the table's auto-assigned key. On SQLite appends are serialized, so ids are also
// in commit order. On PostgreSQL two concurrent appends may commit in the other order than their
// ids were drawn, so a reader can briefly see id n+1 without n; pages by before_id are still
// consistent, since they only look at lower ids.

#include <soci/soci.h>

#include <algorithm>
#include <string>
#include <vector>

#include "metadata/sql_metadata_store.h"
#include "metadata/sql_session.h"

namespace cangku::metadata {
namespace {

// The parameters of an audit query, in the types SOCI binds; they must outlive the statement.
struct AuditParams {
  explicit AuditParams(const AuditQuery& q)
      : query(q),
        before_id(q.before_id),
        since(q.since),
        until(q.until),
        limit(std::max(q.limit, 1)) {}

  const AuditQuery& query;
  long long before_id;
  long long since;
  long long until;
  int limit;
};

// Binds to `st` the parameters of the filters `p` sets, in the order of the returned query text.
// Only the filters in use appear in the text, so each engine can pick the index that fits.
std::string BindAuditQuery(soci::statement& st, AuditParams& p) {
  std::vector<std::string> conditions;
  if (p.before_id > 0) {
    conditions.push_back("id < :before");
    st.exchange(soci::use(p.before_id));
  }
  const std::pair<const std::string*, const char*> texts[] = {
      {&p.query.actor, "actor = :actor"},
      {&p.query.project, "project = :project"},
      {&p.query.action, "action = :action"}};
  for (const auto& [value, condition] : texts) {
    if (value->empty()) continue;
    conditions.push_back(condition);
    st.exchange(soci::use(*value));
  }
  if (p.since != 0) {
    conditions.push_back("time >= :since");
    st.exchange(soci::use(p.since));
  }
  if (p.until != 0) {
    conditions.push_back("time < :until");
    st.exchange(soci::use(p.until));
  }
  std::string text =
      "SELECT id, time, actor, address, action, project, resource, result, detail FROM audit_log";
  for (size_t i = 0; i < conditions.size(); ++i) {
    text += (i == 0 ? " WHERE " : " AND ") + conditions[i];
  }
  st.exchange(soci::use(p.limit));
  return text + " ORDER BY id DESC LIMIT :limit";
}

}  // namespace

Status SqlMetadataStore::AppendAudit(const std::vector<AuditRecord>& records) {
  if (records.empty()) return OkStatus();
  auto writer = WriterLock();
  return WithSession(*pool_, "append audit", [&](soci::session& sql) -> Status {
    AuditRecord row;
    long long time = 0;
    WriteTransaction tx(sql, dialect_);
    soci::statement st =
        (sql.prepare << "INSERT INTO audit_log (time, actor, address, action, project, resource, "
                        "result, detail) VALUES (:t, :ac, :ad, :an, :p, :r, :re, :d)",
         soci::use(time), soci::use(row.actor), soci::use(row.address), soci::use(row.action),
         soci::use(row.project), soci::use(row.resource), soci::use(row.result),
         soci::use(row.detail));
    for (const AuditRecord& record : records) {
      row = record;
      time = record.time;
      st.execute(true);
    }
    tx.Commit();
    return OkStatus();
  });
}

StatusOr<std::vector<AuditRecord>> SqlMetadataStore::QueryAudit(const AuditQuery& query) {
  return WithSession(
      *pool_, "query audit", [&](soci::session& sql) -> StatusOr<std::vector<AuditRecord>> {
        AuditParams params(query);
        AuditRecord row;
        long long id = 0, time = 0;
        soci::statement st(sql);
        std::string text = BindAuditQuery(st, params);
        st.exchange(soci::into(id));
        st.exchange(soci::into(time));
        for (std::string* field : {&row.actor, &row.address, &row.action, &row.project,
                                   &row.resource, &row.result, &row.detail}) {
          st.exchange(soci::into(*field));
        }
        st.alloc();
        st.prepare(text);
        st.define_and_bind();
        st.execute();
        std::vector<AuditRecord> records;
        while (st.fetch()) {
          row.id = id;
          row.time = time;
          records.push_back(row);
        }
        return records;
      });
}

}  // namespace cangku::metadata
