#include "server/admin_exchange.h"

// Boost 1.74's Asio headers need <utility> first (see http/task.h).
// clang-format off
#include <utility>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
// clang-format on

#include <strings.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <filesystem>
#include <vector>

#include "api/admin/admin_api.h"
#include "auth/admin/admin_context.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/random.h"
#include "http/worker_pool.h"
#include "metadata/sql_metadata_store.h"
#include "server/auth_parts.h"
#include "server/curl_library.h"
#include "server/project_commands.h"

namespace cangku::server {
namespace {

constexpr std::string_view kLocalAddress = "local";

// A request held in memory.
class MemoryRequest final : public http::Request {
 public:
  explicit MemoryRequest(const AdminRequest& r) : r_(r) {}
  std::string_view method() const override { return r_.method; }
  std::string_view target() const override { return r_.target; }
  std::optional<std::string_view> header(std::string_view name) const override {
    if (name.size() == 12 && strncasecmp(name.data(), "content-type", 12) == 0) {
      return std::string_view(r_.content_type);
    }
    return std::nullopt;
  }
  const std::string& remote_address() const override { return address_; }
  std::optional<uint64_t> content_length() const override { return r_.body.size(); }
  bool has_body() const override { return !r_.body.empty(); }
  http::Task<StatusOr<size_t>> ReadBody(std::span<char> buf) override {
    size_t n = std::min(buf.size(), r_.body.size() - offset_);
    std::memcpy(buf.data(), r_.body.data() + offset_, n);
    offset_ += n;
    co_return n;
  }

 private:
  const AdminRequest& r_;
  const std::string address_{kLocalAddress};
  size_t offset_ = 0;
};

// A response collected in memory (the admin API sends whole bodies only).
class MemoryResponse final : public http::Response {
 public:
  void SetHeader(std::string_view, std::string_view) override {}
  http::Task<Status> Send(int status, std::string body) override {
    answer_.status = status;
    answer_.body = std::move(body);
    co_return OkStatus();
  }
  http::Task<Status> SendFile(int, int, uint64_t, uint64_t) override {
    co_return UnimplementedError("no files in memory");
  }
  http::Task<Status> SendStream(int, uint64_t, uint64_t, http::ReadAtFn) override {
    co_return UnimplementedError("no streams in memory");
  }
  bool sent() const override { return answer_.status != 0; }
  int status() const override { return answer_.status; }
  AdminAnswer& answer() { return answer_; }

 private:
  AdminAnswer answer_;
};

// Whether any repository's name is `project` or starts with "<project>/".
}  // namespace

struct LocalAdmin::Parts {
  SystemClock clock;
  SystemRandom random;
  std::shared_ptr<Logger> logger;
  std::unique_ptr<metadata::SqlMetadataStore> store;
  std::unique_ptr<AuthParts> auth;
  std::unique_ptr<http::WorkerPool> pool;
  std::unique_ptr<api::admin::AdminApiContext> api;
};

LocalAdmin::LocalAdmin(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

LocalAdmin::~LocalAdmin() {
  Parts& p = *parts_;
  p.pool->Join();
  if (Status s = p.auth->audit->Flush(); !s.ok()) p.logger->warn("audit log: {}", s.ToString());
  p.logger->flush();
}

StatusOr<std::unique_ptr<LocalAdmin>> LocalAdmin::Open(const Config& config) {
  auto p = std::make_unique<Parts>();
  p->logger = MakeStderrLogger("cangku", config.log_format, "warn");
  ASSIGN_OR_RETURN(p->store, OpenMetadata(config));
  std::string root = std::filesystem::absolute(config.data_dir).lexically_normal().string();
  ASSIGN_OR_RETURN(p->auth, AuthParts::Create(config, root, *p->store, p->clock, p->random));
  p->pool = std::make_unique<http::WorkerPool>(1);
  p->api =
      std::make_unique<api::admin::AdminApiContext>(p->auth->AdminContext(*p->pool, *p->logger));
  return std::unique_ptr<LocalAdmin>(new LocalAdmin(std::move(p)));
}

AdminAnswer LocalAdmin::Exchange(const AdminRequest& request) {
  boost::asio::io_context io;
  MemoryRequest req(request);
  MemoryResponse resp;
  auth::Principal system = auth::admin::SystemActor(std::string(kLocalAddress)).principal;
  std::exception_ptr failure;
  boost::asio::co_spawn(io, api::admin::HandleAdmin(*parts_->api, system, req, resp),
                        [&failure](std::exception_ptr e) { failure = e; });
  io.run();
  if (failure || !resp.sent()) {
    return AdminAnswer{500, R"({"errors":[{"code":"UNKNOWN","message":"no answer"}]})"};
  }
  return std::move(resp.answer());
}

namespace {

size_t AppendBody(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// Frees what libcurl allocated, whatever path leaves RemoteExchange.
struct CurlHandles {
  explicit CurlHandles(const CurlLibrary& lib) : lib(lib), curl(lib.easy_init()) {}
  ~CurlHandles() {
    lib.slist_free_all(headers);
    lib.easy_cleanup(curl);
  }
  const CurlLibrary& lib;
  CURL* curl;
  curl_slist* headers = nullptr;
};

}  // namespace

StatusOr<AdminAnswer> RemoteExchange(const std::string& server_url, const std::string& username,
                                     const std::string& password, const AdminRequest& request) {
  ASSIGN_OR_RETURN(std::unique_ptr<CurlLibrary> lib, CurlLibrary::Load());
  lib->global_init(CURL_GLOBAL_DEFAULT);
  CurlHandles h(*lib);
  if (h.curl == nullptr) return InternalError("curl_easy_init failed");
  std::string url = server_url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  url += request.target;
  AdminAnswer answer;
  std::string content_type = "Content-Type: " + request.content_type;
  h.headers = lib->slist_append(h.headers, content_type.c_str());
  lib->easy_setopt(h.curl, CURLOPT_URL, url.c_str());
  lib->easy_setopt(h.curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  lib->easy_setopt(h.curl, CURLOPT_HTTPHEADER, h.headers);
  if (request.method != "GET" && request.method != "DELETE") {
    lib->easy_setopt(h.curl, CURLOPT_POSTFIELDS, request.body.data());
    lib->easy_setopt(h.curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  }
  if (!username.empty()) {
    lib->easy_setopt(h.curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    lib->easy_setopt(h.curl, CURLOPT_USERNAME, username.c_str());
    lib->easy_setopt(h.curl, CURLOPT_PASSWORD, password.c_str());
  }
  lib->easy_setopt(h.curl, CURLOPT_WRITEFUNCTION, AppendBody);
  lib->easy_setopt(h.curl, CURLOPT_WRITEDATA, &answer.body);
  lib->easy_setopt(h.curl, CURLOPT_TIMEOUT, 120L);
  lib->easy_setopt(h.curl, CURLOPT_NOSIGNAL, 1L);
  CURLcode rc = lib->easy_perform(h.curl);
  if (rc != CURLE_OK) {
    return UnavailableError(url + ": " + lib->easy_strerror(rc));
  }
  long status = 0;
  lib->easy_getinfo(h.curl, CURLINFO_RESPONSE_CODE, &status);
  answer.status = static_cast<int>(status);
  return answer;
}

}  // namespace cangku::server
