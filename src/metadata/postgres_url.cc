#include "metadata/postgres_url.h"

#include <set>
#include <string_view>
#include <utility>
#include <vector>

#include "common/text.h"

namespace cangku::metadata {
namespace {

// The connection keywords libpq 15 accepts in a URI's query string.
const std::set<std::string_view>& Keywords() {
  static const std::set<std::string_view> keywords = {"host",
                                                      "hostaddr",
                                                      "port",
                                                      "dbname",
                                                      "user",
                                                      "password",
                                                      "passfile",
                                                      "channel_binding",
                                                      "connect_timeout",
                                                      "client_encoding",
                                                      "options",
                                                      "application_name",
                                                      "fallback_application_name",
                                                      "keepalives",
                                                      "keepalives_idle",
                                                      "keepalives_interval",
                                                      "keepalives_count",
                                                      "tcp_user_timeout",
                                                      "replication",
                                                      "gssencmode",
                                                      "sslmode",
                                                      "requiressl",
                                                      "sslcompression",
                                                      "sslcert",
                                                      "sslkey",
                                                      "sslpassword",
                                                      "sslrootcert",
                                                      "sslcrl",
                                                      "sslcrldir",
                                                      "sslsni",
                                                      "requirepeer",
                                                      "ssl_min_protocol_version",
                                                      "ssl_max_protocol_version",
                                                      "krbsrvname",
                                                      "gsslib",
                                                      "service",
                                                      "target_session_attrs"};
  return keywords;
}

Status Add(std::vector<std::pair<std::string, std::string>>& out, std::string keyword,
           std::string_view raw) {
  std::optional<std::string> value = PercentDecode(raw);
  if (!value) return InvalidArgumentError("bad %-escape in PostgreSQL URI " + keyword);
  if (value->find('"') != std::string::npos) {
    return InvalidArgumentError("PostgreSQL connection parameter " + keyword +
                                " may not contain '\"'");
  }
  if (!value->empty()) out.emplace_back(std::move(keyword), std::move(*value));
  return OkStatus();
}

// host, [v6host] or host:port (a list of them, comma-separated, is passed through).
Status AddHostPort(std::vector<std::pair<std::string, std::string>>& out, std::string_view hp) {
  if (hp.starts_with('[')) {
    size_t close = hp.find(']');
    if (close == std::string_view::npos) return InvalidArgumentError("unclosed [ in host");
    RETURN_IF_ERROR(Add(out, "host", hp.substr(1, close - 1)));
    hp = hp.substr(close + 1);
    if (hp.empty()) return OkStatus();
    if (!hp.starts_with(':')) return InvalidArgumentError("junk after ] in host");
    return Add(out, "port", hp.substr(1));
  }
  size_t colon = hp.rfind(':');
  if (colon == std::string_view::npos || hp.find(',') != std::string_view::npos) {
    return Add(out, "host", hp);
  }
  RETURN_IF_ERROR(Add(out, "host", hp.substr(0, colon)));
  return Add(out, "port", hp.substr(colon + 1));
}

Status AddQuery(std::vector<std::pair<std::string, std::string>>& out, std::string_view query) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos) return InvalidArgumentError("query parameter without '='");
    std::string keyword(pair.substr(0, eq));
    if (!Keywords().count(keyword)) {
      return InvalidArgumentError("unknown PostgreSQL connection parameter " + keyword);
    }
    RETURN_IF_ERROR(Add(out, keyword, pair.substr(eq + 1)));
  }
  return OkStatus();
}

}  // namespace

StatusOr<std::string> PostgresConnectString(const std::string& url) {
  std::string_view rest(url);
  for (std::string_view scheme : {"postgresql://", "postgres://"}) {
    if (rest.starts_with(scheme)) rest.remove_prefix(scheme.size());
  }
  if (rest.size() == url.size()) return InvalidArgumentError("not a postgresql:// URI");
  std::vector<std::pair<std::string, std::string>> params;
  size_t q = rest.find('?');
  std::string_view query = q == std::string_view::npos ? "" : rest.substr(q + 1);
  rest = rest.substr(0, q);
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    size_t colon = userinfo.find(':');
    RETURN_IF_ERROR(Add(params, "user", userinfo.substr(0, colon)));
    if (colon != std::string_view::npos) {
      RETURN_IF_ERROR(Add(params, "password", userinfo.substr(colon + 1)));
    }
    authority = authority.substr(at + 1);
  }
  if (!authority.empty()) RETURN_IF_ERROR(AddHostPort(params, authority));
  if (slash != std::string_view::npos) {
    RETURN_IF_ERROR(Add(params, "dbname", rest.substr(slash + 1)));
  }
  RETURN_IF_ERROR(AddQuery(params, query));
  std::string out;
  for (const auto& [keyword, value] : params) {
    // libpq quoting ('...' with \\ and \' escapes) inside SOCI quoting ("...").
    std::string quoted = "\"'";
    for (char c : value) {
      if (c == '\\' || c == '\'') quoted += '\\';
      quoted += c;
    }
    quoted += "'\"";
    if (!out.empty()) out += ' ';
    out += keyword + "=" + quoted;
  }
  return out;
}

}  // namespace cangku::metadata
