#include "images.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "synthetic_image.h"

namespace cangku::bench {
namespace {

using Clock = std::chrono::steady_clock;

bool Check(const Response& r, int want, std::string_view step, std::string* error) {
  if (r.head.status == want) return true;
  *error =
      std::string(step) + ": status " + std::to_string(r.head.status) + " " + r.body.substr(0, 200);
  return false;
}

bool PushOneBlob(HttpConn& c, const ImagePushOptions& o, const std::string& repo, const Blob& b,
                 std::string* error) {
  Response r;
  const std::string base = "/v2/" + repo + "/blobs/";
  if (o.head_check) {
    if (!c.Do("HEAD", base + b.digest, {}, {}, false, &r, error)) return false;
    if (r.head.status == 200) return true;
    if (!Check(r, 404, "HEAD blob", error)) return false;
  }
  std::string post = base + "uploads/";
  if (!o.mount_from.empty()) post += "?mount=" + b.digest + "&from=" + o.mount_from;
  if (!c.Do("POST", post, {}, {}, true, &r, error)) return false;
  if (r.head.status == 201 && !o.mount_from.empty()) return true;
  if (!Check(r, 202, "POST upload", error)) return false;
  std::string location(r.head.Get("location"));
  location += (location.find('?') == std::string::npos ? "?digest=" : "&digest=") + b.digest;
  RequestBody body;
  body.data = b.data;
  return c.Do("PUT", location, {{"Content-Type", "application/octet-stream"}}, body, true, &r,
              error) &&
         Check(r, 201, "PUT blob", error);
}

bool PushOneImage(HttpConn& c, const ImagePushOptions& o, const Image& img, std::string* error) {
  if (!PushOneBlob(c, o, img.repo, img.layer, error) ||
      !PushOneBlob(c, o, img.repo, img.config, error)) {
    return false;
  }
  Response r;
  RequestBody body;
  body.data = img.manifest.data;
  return c.Do("PUT", "/v2/" + img.repo + "/manifests/" + o.tag,
              {{"Content-Type", "application/vnd.oci.image.manifest.v1+json"}}, body, true, &r,
              error) &&
         Check(r, 201, "PUT manifest", error);
}

}  // namespace

bool PushImages(const ImagePushOptions& o, ImagePushResult* result) {
  *result = ImagePushResult();
  // Small runs (the push storm) are generated before the clock starts, so that only the
  // registry is timed; big seeding runs generate as they go.
  std::vector<std::optional<Image>> pre;
  if (o.count * (o.spec.layer_bytes + 4096) <= (1ull << 30)) {
    pre.resize(o.count);
    for (uint64_t i = 0; i < o.count; ++i) pre[i] = MakeImage(o.spec, o.start + i);
  }
  std::vector<std::string> digests(o.count);
  std::atomic<uint64_t> next{0}, images{0}, errors{0}, requests{0}, bytes{0};
  std::atomic<bool> deadline_hit{false};
  std::mutex mu;
  const Clock::time_point t0 = Clock::now();
  const auto deadline = t0 + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(o.max_seconds));
  std::vector<std::thread> threads;
  for (int t = 0; t < o.concurrency; ++t) {
    threads.emplace_back([&] {
      HttpConn conn(o.endpoint);
      for (;;) {
        const uint64_t i = next++;
        if (i >= o.count) break;
        if (o.max_seconds > 0 && Clock::now() >= deadline) {
          deadline_hit = true;
          break;
        }
        const Image img = pre.empty() ? MakeImage(o.spec, o.start + i) : std::move(*pre[i]);
        std::string error;
        if (PushOneImage(conn, o, img, &error)) {
          ++images;
          bytes += img.layer.data.size() + img.config.data.size() + img.manifest.data.size();
          digests[i] = img.repo + " " + o.tag + " " + img.manifest.digest;
        } else {
          ++errors;
          std::lock_guard lock(mu);
          if (result->error.empty()) result->error = img.repo + ": " + error;
        }
      }
      requests += conn.requests();
    });
  }
  for (auto& t : threads) t.join();
  result->seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  result->images = images;
  result->errors = errors;
  result->requests = requests;
  result->bytes = bytes;
  result->deadline_hit = deadline_hit;
  result->images_s = result->seconds > 0 ? static_cast<double>(images) / result->seconds : 0;
  if (!o.out.empty()) {
    std::ofstream out(o.out);
    for (const std::string& line : digests) {
      if (!line.empty()) out << line << "\n";
    }
    if (!out) {
      result->error = "cannot write " + o.out;
      return false;
    }
  }
  return true;
}

}  // namespace cangku::bench
