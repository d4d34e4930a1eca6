#include "server/cangku_server.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <stop_token>
#include <thread>

#include "api/api_handler.h"
#include "common/clock.h"
#include "common/random.h"
#include "http/buffer_pool.h"
#include "http/server.h"
#include "http/worker_pool.h"
#include "metadata/sql_metadata_store.h"
#include "registry/pull_recorder.h"
#include "registry/registry.h"
#include "server/auth_parts.h"
#include "server/scheduled_jobs.h"
#include "storage/filesystem/filesystem_blob_store.h"
#ifdef CANGKU_FEATURE_POLICY
#include "features/policy/policy_service.h"
#endif

namespace cangku::server {

struct CangkuServer::Parts {
  std::shared_ptr<Logger> logger;
  std::shared_ptr<Logger> access_logger;
  SystemClock clock;
  SystemRandom random;
  std::unique_ptr<storage::BlobStore> blobs;
  std::unique_ptr<metadata::SqlMetadataStore> metadata;
#ifdef CANGKU_FEATURE_POLICY
  std::unique_ptr<policy::PolicyService> policy;
#endif
  std::unique_ptr<registry::PullRecorder> pulls;
  std::unique_ptr<registry::Registry> registry;
  std::unique_ptr<http::WorkerPool> pool;
  std::unique_ptr<http::WorkerPool> body_pool;
  std::unique_ptr<http::BufferPool> body_buffers;
  std::unique_ptr<AuthParts> auth;  // null when authentication is off
  std::unique_ptr<MaintenanceRuns> maintenance;
  std::unique_ptr<api::AuthContext> auth_context;
  std::unique_ptr<api::admin::AdminApiContext> admin_context;
  std::unique_ptr<api::ApiHandler> handler;
  std::unique_ptr<Scheduler> scheduler;  // null when nothing is scheduled
  std::unique_ptr<http::Server> http;
  // Writes the noted pulls and audit events every kFlushPeriod; declared last, so it stops
  // first.
  std::mutex flusher_mu;
  std::condition_variable_any flusher_cv;
  std::jthread flusher;
  uint64_t audit_dropped_reported = 0;  // used by the flusher only
  std::chrono::milliseconds expiry_period{60000};
};

CangkuServer::CangkuServer(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}
CangkuServer::~CangkuServer() = default;

namespace {

size_t Cores() { return std::max(1u, std::thread::hardware_concurrency()); }

// Blocking work is mostly short database calls and fsyncs: more threads than that on few cores
// only add switching (and a malloc arena and a database connection each).
size_t WorkerThreads(const Config& config) {
  if (config.worker_threads > 0) return static_cast<size_t>(config.worker_threads);
  return std::max<size_t>(4, 2 * Cores());
}

// Every database call runs on a worker thread (or one of the few background threads), so more
// connections than worker threads would never be used.
size_t MetadataConnections(const Config& config) {
  if (config.metadata_pool_size > 0) return static_cast<size_t>(config.metadata_pool_size);
  return WorkerThreads(config);
}

StatusOr<http::ServerOptions> HttpOptions(const Config& config) {
  http::ServerOptions o;
  size_t colon = config.addr.rfind(':');
  o.address = config.addr.substr(0, colon);
  if (o.address.size() >= 2 && o.address.front() == '[') {
    o.address = o.address.substr(1, o.address.size() - 2);
  }
  o.port = static_cast<uint16_t>(std::stoi(config.addr.substr(colon + 1)));
  o.io_threads = static_cast<size_t>(config.io_threads);
  o.idle_timeout = std::chrono::seconds(config.idle_timeout_s);
  o.io_timeout = std::chrono::seconds(config.io_timeout_s);
  o.drain_timeout = std::chrono::seconds(config.drain_timeout_s);
  o.max_connections = static_cast<size_t>(config.max_connections);
  o.access_log = config.access_log;
  o.log_format = config.log_format;
  o.tls_cert_file = config.tls_cert;
  o.tls_key_file = config.tls_key;
  o.tls_client_ca_file = config.tls_client_ca;
  return o;
}

// Says at start whether clients connect over HTTPS and must present certificates.
void LogTransport(Logger& logger, const Config& config) {
  if (config.tls_cert.empty()) {
    if (config.allow_insecure) {
      logger.warn("HTTPS off: plain HTTP on {} (http.allow_insecure)", config.addr);
    } else {
      logger.info("HTTPS off: plain HTTP on loopback address {}", config.addr);
    }
  } else if (config.tls_client_ca.empty()) {
    logger.info("HTTPS on (certificate {}); mTLS off", config.tls_cert);
  } else {
    logger.info("HTTPS on (certificate {}); mTLS on: client certificates must verify against {}",
                config.tls_cert, config.tls_client_ca);
  }
}

constexpr std::chrono::seconds kFlushPeriod{1};
// How often body buffers left idle for a whole period are freed.
constexpr std::chrono::seconds kTrimPeriod{10};
// How often a serving registry looks for upload sessions older than uploads.expiry (sessions in
// use are skipped): every minute, or twice per expiry time when that is shorter.
std::chrono::milliseconds ExpiryPeriod(const Config& config) {
  return std::clamp(std::chrono::milliseconds(config.upload_expiry_s * 500),
                    std::chrono::milliseconds(1000), std::chrono::milliseconds(60000));
}

}  // namespace

void CangkuServer::ExpireUploads(Parts& p) {
  StatusOr<size_t> removed = p.registry->ExpireUploads(/*at_startup=*/false);
  if (!removed.ok()) {
    p.logger->warn("cannot expire abandoned uploads: {}", removed.status().ToString());
  } else if (*removed > 0) {
    p.logger->info("removed {} abandoned uploads", *removed);
  }
}

void CangkuServer::FlushRecords(Parts& p) {
  if (Status s = p.pulls->Flush(); !s.ok()) {
    p.logger->warn("cannot record manifest pulls: {}", s.ToString());
  }
  if (!p.auth) return;
  if (Status s = p.auth->audit->Flush(); !s.ok()) {
    p.logger->warn("cannot write the audit log: {}", s.ToString());
  }
  uint64_t dropped = p.auth->audit->dropped();
  if (dropped > p.audit_dropped_reported) {
    p.logger->error("audit log: {} events dropped (the store could not keep up)", dropped);
    p.audit_dropped_reported = dropped;
  }
}

StatusOr<std::unique_ptr<CangkuServer>> CangkuServer::Create(const Config& config) {
  auto p = std::make_unique<Parts>();
  p->logger = MakeStderrLogger("cangku", config.log_format, config.log_level);
  p->access_logger = MakeStderrLogger("access", config.log_format, config.log_level,
                                      /*fields_message=*/true);
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) return InternalError("cannot create " + config.data_dir + ": " + ec.message());
  std::string root = std::filesystem::absolute(config.data_dir).lexically_normal().string();

  ASSIGN_OR_RETURN(p->blobs, storage::FilesystemBlobStore::Create(root));
  std::string url =
      config.metadata_url.empty() ? "sqlite://" + root + "/metadata.db" : config.metadata_url;
  ASSIGN_OR_RETURN(p->metadata,
                   metadata::SqlMetadataStore::Create(url, MetadataConnections(config)));
  registry::RegistryOptions options;
  options.max_manifest_bytes = static_cast<size_t>(config.max_manifest_bytes);
  options.max_page_size = config.max_page_size;
  options.manifest_cache_entries = static_cast<size_t>(config.manifest_cache_entries);
  options.upload_expiry = std::chrono::seconds(config.upload_expiry_s);
  p->pulls = std::make_unique<registry::PullRecorder>(*p->metadata, p->clock);
  options.pull_recorder = p->pulls.get();
#ifdef CANGKU_FEATURE_POLICY
  p->policy = policy::PolicyService::Create(*p->metadata, p->clock);
  options.push_policy = p->policy.get();
#endif
  p->registry =
      std::make_unique<registry::Registry>(*p->blobs, *p->metadata, p->clock, p->random, options);
  ASSIGN_OR_RETURN(size_t removed, p->registry->ExpireUploads(/*at_startup=*/true));
  if (removed) p->logger->info("removed {} abandoned uploads", removed);

  p->expiry_period = ExpiryPeriod(config);
  p->pool = std::make_unique<http::WorkerPool>(WorkerThreads(config));
  // One body thread per I/O thread: each I/O thread reads while its uploads are written.
  p->body_pool = std::make_unique<http::WorkerPool>(
      config.io_threads > 0 ? static_cast<size_t>(config.io_threads) : Cores());
  // 1 MiB reads; up to 8 idle buffers (8 MiB) are kept after a burst of pushes.
  p->body_buffers = std::make_unique<http::BufferPool>(1 << 20, 32);
  if (config.auth_enabled) {
    ASSIGN_OR_RETURN(p->auth, AuthParts::Create(config, root, *p->metadata, p->clock, p->random));
    RETURN_IF_ERROR(p->auth->Bootstrap(config, root, *p->logger));
    p->auth_context = std::make_unique<api::AuthContext>(p->auth->AuthContext(config));
  } else {
    p->logger->warn("authentication is off (auth.enabled: false): anyone may push and delete");
  }
  policy::PolicyService* policies = nullptr;
#ifdef CANGKU_FEATURE_POLICY
  policies = p->policy.get();
#endif
  JobDeps jobs{
      *p->blobs, *p->metadata, *p->registry, policies, p->auth ? p->auth->audit.get() : nullptr,
      p->clock,  *p->logger};
  p->maintenance = std::make_unique<MaintenanceRuns>(jobs);
  if (p->auth) {
    p->admin_context = std::make_unique<api::admin::AdminApiContext>(
        p->auth->AdminContext(*p->pool, *p->logger, AdminHooks(*p->maintenance)));
  }
  p->handler = std::make_unique<api::ApiHandler>(
      api::v2::Context{*p->registry, *p->pool, *p->body_pool, *p->body_buffers, *p->logger},
      p->auth_context.get(), p->admin_context.get());
  ASSIGN_OR_RETURN(p->scheduler, MakeScheduler(config, *p->maintenance));
  ASSIGN_OR_RETURN(http::ServerOptions http_options, HttpOptions(config));
  ASSIGN_OR_RETURN(p->http,
                   http::Server::Create(http_options, *p->handler, p->logger, p->access_logger));
  LogTransport(*p->logger, config);
  p->logger->info("data in {}, metadata at {}", root,
                  config.metadata_url.empty() ? url : "(configured url)");
  return std::unique_ptr<CangkuServer>(new CangkuServer(std::move(p)));
}

Status CangkuServer::Run() {
  Parts& p = *parts_;
  // Flushes the noted pulls and audit events every kFlushPeriod until stopped, then once more;
  // frees idle body buffers every kTrimPeriod; expires abandoned upload sessions every
  // expiry_period.
  p.flusher = std::jthread([&p](std::stop_token stop) {
    auto next_expiry = std::chrono::steady_clock::now() + p.expiry_period;
    auto next_trim = std::chrono::steady_clock::now() + kTrimPeriod;
    while (!stop.stop_requested()) {
      {
        std::unique_lock lock(p.flusher_mu);
        p.flusher_cv.wait_for(lock, stop, kFlushPeriod, [] { return false; });
      }
      FlushRecords(p);
      if (std::chrono::steady_clock::now() >= next_trim) {
        p.body_buffers->Trim();
        next_trim = std::chrono::steady_clock::now() + kTrimPeriod;
      }
      if (std::chrono::steady_clock::now() >= next_expiry && !stop.stop_requested()) {
        ExpireUploads(p);
        next_expiry = std::chrono::steady_clock::now() + p.expiry_period;
      }
    }
  });
  if (p.scheduler) p.scheduler->Start();
  parts_->http->Run();
  if (p.scheduler) p.scheduler->Stop();
  parts_->pool->Join();
  p.flusher.request_stop();
  p.flusher.join();
  p.body_pool->Join();
  parts_->logger->flush();
  parts_->access_logger->flush();
  return OkStatus();
}

}  // namespace cangku::server
