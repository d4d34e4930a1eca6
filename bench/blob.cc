#include "blob.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

namespace cangku::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

void Finish(TransferResult* r, Clock::time_point t0) {
  r->seconds = Since(t0);
  r->mb_s = r->seconds > 0 ? static_cast<double>(r->bytes) / 1e6 / r->seconds : 0;
}

std::string WithQuery(const std::string& location, const std::string& query) {
  return location + (location.find('?') == std::string::npos ? "?" : "&") + query;
}

// Checks the status of a response; on a mismatch says what failed and how, in *error.
bool Expect(const Response& r, int status, std::string_view what, std::string* error) {
  if (r.head.status == status) return true;
  *error =
      std::string(what) + ": status " + std::to_string(r.head.status) + " " + r.body.substr(0, 300);
  return false;
}

}  // namespace

bool PushBlob(const PushOptions& o, TransferResult* result) {
  *result = TransferResult();
  const int fd = ::open(o.file.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st {};
  if (fd < 0 || ::fstat(fd, &st) != 0) {
    result->error = "cannot open " + o.file;
    if (fd >= 0) ::close(fd);
    return false;
  }
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  HttpConn conn(o.endpoint);
  Response r;
  std::string& error = result->error;
  const Headers octets = {{"Content-Type", "application/octet-stream"}};
  const Clock::time_point t0 = Clock::now();
  bool ok = conn.Do("POST", "/v2/" + o.repo + "/blobs/uploads/", {}, {}, true, &r, &error) &&
            Expect(r, 202, "POST upload", &error);
  std::string location(r.head.Get("location"));
  if (ok && o.chunk_bytes == 0) {
    RequestBody body;
    body.fd = fd;
    body.length = size;
    ok =
        conn.Do("PUT", WithQuery(location, "digest=" + o.digest), octets, body, true, &r, &error) &&
        Expect(r, 201, "PUT monolithic", &error);
  } else if (ok) {
    for (uint64_t off = 0; ok && off < size; off += o.chunk_bytes) {
      const uint64_t len = std::min(o.chunk_bytes, size - off);
      Headers h = octets;
      h.emplace_back("Content-Range", std::to_string(off) + "-" + std::to_string(off + len - 1));
      RequestBody body;
      body.fd = fd;
      body.offset = off;
      body.length = len;
      ok = conn.Do("PATCH", location, h, body, true, &r, &error) &&
           Expect(r, 202, "PATCH chunk", &error);
      if (ok) location = std::string(r.head.Get("location"));
    }
    ok = ok &&
         conn.Do("PUT", WithQuery(location, "digest=" + o.digest), octets, {}, true, &r, &error) &&
         Expect(r, 201, "PUT close", &error);
  }
  result->bytes = ok ? size : 0;
  Finish(result, t0);
  ::close(fd);
  result->requests = conn.requests();
  result->errors = ok ? 0 : 1;
  return ok;
}

bool PullBlob(const PullOptions& o, TransferResult* result) {
  *result = TransferResult();
  std::atomic<uint64_t> bytes{0}, errors{0};
  std::mutex mu;
  const std::string target = "/v2/" + o.repo + "/blobs/" + o.digest;
  const Clock::time_point t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < o.streams; ++i) {
    threads.emplace_back([&] {
      HttpConn conn(o.endpoint);
      Response r;
      std::string error;
      EVP_MD_CTX* sha = o.verify ? EVP_MD_CTX_new() : nullptr;
      if (sha) {
        EVP_DigestInit_ex(sha, EVP_sha256(), nullptr);
        conn.SetBodySink([sha](std::string_view b) { EVP_DigestUpdate(sha, b.data(), b.size()); });
      }
      bool ok = conn.Do("GET", target, {}, {}, false, &r, &error) &&
                Expect(r, 200, "GET blob", &error) &&
                (r.head.content_length < 0 ||
                 r.body_bytes == static_cast<uint64_t>(r.head.content_length));
      if (sha) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int len = 0;
        EVP_DigestFinal_ex(sha, md, &len);
        EVP_MD_CTX_free(sha);
        std::string hex;
        for (unsigned int i = 0; i < len; ++i) {
          hex.push_back("0123456789abcdef"[md[i] >> 4]);
          hex.push_back("0123456789abcdef"[md[i] & 15]);
        }
        if (ok && "sha256:" + hex != o.digest) {
          ok = false;
          error = "body does not match the digest: got sha256:" + hex;
        }
      }
      bytes += r.body_bytes;
      if (!ok) {
        ++errors;
        std::lock_guard lock(mu);
        if (result->error.empty()) result->error = error.empty() ? "short body" : error;
      }
    });
  }
  for (auto& t : threads) t.join();
  result->bytes = bytes;
  result->errors = errors;
  result->requests = static_cast<uint64_t>(o.streams);
  Finish(result, t0);
  return errors == 0;
}

bool Loopback(const std::string& file, int streams, TransferResult* result) {
  *result = TransferResult();
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st {};
  if (fd < 0 || ::fstat(fd, &st) != 0) {
    result->error = "cannot open " + file;
    if (fd >= 0) ::close(fd);
    return false;
  }
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  const int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(lfd, streams) != 0 ||
      ::getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    result->error = std::string("listen: ") + std::strerror(errno);
    ::close(lfd);
    ::close(fd);
    return false;
  }
  const Endpoint ep{"127.0.0.1", ntohs(addr.sin_port)};
  std::atomic<uint64_t> bytes{0}, errors{0};
  std::vector<std::thread> threads;
  const Clock::time_point t0 = Clock::now();
  for (int i = 0; i < streams; ++i) {
    threads.emplace_back([&] {  // server side of one stream
      const int s = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
      if (s < 0) return;
      off_t off = 0;
      while (static_cast<uint64_t>(off) < size) {
        if (::sendfile(s, fd, &off, size - static_cast<uint64_t>(off)) <= 0) break;
      }
      ::close(s);
    });
    threads.emplace_back([&] {  // client side, the same read loop as a blob GET
      std::string error;
      const int s = ConnectTcp(ep, &error);
      if (s < 0) {
        ++errors;
        return;
      }
      std::vector<char> buf(1 << 20);
      for (;;) {
        const ssize_t n = ::recv(s, buf.data(), buf.size(), 0);
        if (n <= 0) break;
        bytes += static_cast<uint64_t>(n);
      }
      ::close(s);
    });
  }
  for (auto& t : threads) t.join();
  ::close(lfd);
  ::close(fd);
  result->bytes = bytes;
  result->errors = errors + (bytes == size * static_cast<uint64_t>(streams) ? 0 : 1);
  result->requests = static_cast<uint64_t>(streams);
  Finish(result, t0);
  return result->errors == 0;
}

}  // namespace cangku::bench
