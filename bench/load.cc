#include "load.h"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <memory>
#include <thread>

namespace cangku::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Conn {
  int fd = -1;
  size_t next_path = 0;
  std::string in;                    // received, not yet consumed
  const std::string* out = nullptr;  // request being sent
  size_t out_off = 0;
  ResponseHead head;
  size_t head_len = 0;  // 0 until the head of the current response is parsed
  Clock::time_point sent;  // when the request was sent or, paced, was due
  Clock::time_point due;   // paced: when the next request is due
  bool idle = false;       // paced: waiting for `due`
  bool want_write = false;
};

struct ThreadStats {
  std::vector<uint32_t> latencies_us;
  uint64_t errors = 0;
  uint64_t bytes = 0;
  std::map<int, uint64_t> statuses;
  std::string first_error;
};

class Worker {
 public:
  Worker(const LoadOptions& options, const std::vector<std::string>& requests, int first_conn,
         int conns, Clock::time_point measure_from, Clock::time_point end)
      : options_(options),
        requests_(requests),
        measure_from_(measure_from),
        end_(end),
        conns_(static_cast<size_t>(conns)) {
    const Clock::time_point start = Clock::now();
    if (options.rate > 0) {
      interval_ = std::chrono::duration_cast<Clock::duration>(
          std::chrono::duration<double>(options.connections / options.rate));
    }
    for (int i = 0; i < conns; ++i) {
      Conn& c = conns_[static_cast<size_t>(i)];
      c.next_path = (static_cast<size_t>(first_conn + i) * requests.size()) /
                    static_cast<size_t>(options.connections);
      // Paced connections start spread over one interval, not all at once.
      c.due = start + interval_ * (first_conn + i) / options.connections;
    }
  }
  ~Worker() {
    for (Conn& c : conns_) {
      if (c.fd >= 0) ::close(c.fd);
    }
    if (epoll_ >= 0) ::close(epoll_);
  }

  void Run() {
    epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
    for (Conn& c : conns_) Open(&c);
    std::vector<epoll_event> events(256);
    scratch_.resize(64 * 1024);
    while (Clock::now() < end_) {
      for (Conn& c : conns_) {
        if (c.fd < 0) Open(&c);  // a connect that failed before: try again
      }
      const timespec wait = StartDue();
      const int n = ::epoll_pwait2(epoll_, events.data(), static_cast<int>(events.size()), &wait,
                                   nullptr);
      for (int i = 0; i < n; ++i) {
        Conn* c = static_cast<Conn*>(events[static_cast<size_t>(i)].data.ptr);
        const uint32_t ev = events[static_cast<size_t>(i)].events;
        if (c->fd < 0) continue;
        if ((ev & EPOLLOUT) && !Write(c)) continue;
        if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) Read(c);
      }
    }
  }

  ThreadStats& stats() { return stats_; }

 private:
  // Paced: sends the requests that are due, and returns how long to wait for the next one (at
  // most 20 ms, the wait of the closed loop).
  timespec StartDue() {
    Clock::duration wait = std::chrono::milliseconds(20);
    if (interval_ == Clock::duration::zero()) return ToTimespec(wait);
    const Clock::time_point now = Clock::now();
    for (Conn& c : conns_) {
      if (c.fd < 0 || !c.idle) continue;
      if (c.due <= now) {
        c.idle = false;
        StartRequest(&c);
      } else {
        wait = std::min(wait, c.due - now);
      }
    }
    return ToTimespec(wait);
  }

  static timespec ToTimespec(Clock::duration d) {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
    return timespec{static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
  }

  void Fail(Conn* c, const std::string& why) {
    if (Clock::now() >= measure_from_) {
      ++stats_.errors;
      if (stats_.first_error.empty()) stats_.first_error = why;
    }
    Reopen(c);
  }

  void Reopen(Conn* c) {
    if (c->fd >= 0) ::close(c->fd);
    c->fd = -1;
    if (Clock::now() < end_) Open(c);
  }

  void Open(Conn* c) {
    std::string error;
    c->in.clear();
    c->head_len = 0;
    c->fd = ConnectTcp(options_.endpoint, &error);
    if (c->fd < 0) {
      ++stats_.errors;
      if (stats_.first_error.empty()) stats_.first_error = error;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // bounded by end_
      return;
    }
    ::fcntl(c->fd, F_SETFL, ::fcntl(c->fd, F_GETFL) | O_NONBLOCK);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = c;
    ::epoll_ctl(epoll_, EPOLL_CTL_ADD, c->fd, &ev);
    c->want_write = false;
    if (interval_ == Clock::duration::zero()) {
      StartRequest(c);
    } else {
      c->idle = true;  // StartDue sends when due
    }
  }

  void StartRequest(Conn* c) {
    c->out = &requests_[c->next_path];
    c->next_path = (c->next_path + 1) % requests_.size();
    c->out_off = 0;
    if (interval_ == Clock::duration::zero()) {
      c->sent = Clock::now();
    } else {
      c->sent = c->due;
      c->due += interval_;
    }
    Write(c);
  }

  // Returns false if the connection failed (and was reopened).
  bool Write(Conn* c) {
    while (c->out_off < c->out->size()) {
      const ssize_t n =
          ::send(c->fd, c->out->data() + c->out_off, c->out->size() - c->out_off, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        SetWriteInterest(c, true);
        return true;
      }
      if (n < 0) {
        Fail(c, "send failed");
        return false;
      }
      c->out_off += static_cast<size_t>(n);
    }
    SetWriteInterest(c, false);
    return true;
  }

  void SetWriteInterest(Conn* c, bool on) {
    if (c->want_write == on) return;
    c->want_write = on;
    epoll_event ev{};
    ev.events = EPOLLIN | (on ? EPOLLOUT : 0u);
    ev.data.ptr = c;
    ::epoll_ctl(epoll_, EPOLL_CTL_MOD, c->fd, &ev);
  }

  void Read(Conn* c) {
    for (;;) {
      const ssize_t n = ::recv(c->fd, scratch_.data(), scratch_.size(), 0);
      if (n > 0) {
        c->in.append(scratch_.data(), static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      Fail(c, n == 0 ? "connection closed by server" : "recv failed");
      return;
    }
    // One request in flight per connection: at most one complete response is buffered.
    if (c->head_len == 0) {
      const size_t len = ParseResponseHead(c->in, &c->head);
      if (len == kIncomplete) return;
      if (len == kMalformed) return Fail(c, "malformed response head");
      c->head_len = len;
    }
    size_t body_len = 0;
    if (!HasNoBody(options_.method, c->head)) {
      if (c->head.chunked) {
        body_len = ChunkedBodyLength(std::string_view(c->in).substr(c->head_len));
        if (body_len == kIncomplete) return;
        if (body_len == kMalformed) return Fail(c, "malformed chunked body");
      } else if (c->head.content_length >= 0) {
        body_len = static_cast<size_t>(c->head.content_length);
        if (c->in.size() < c->head_len + body_len) return;
      } else {
        return Fail(c, "response without Content-Length");
      }
    }
    Complete(c, c->head_len + body_len);
  }

  void Complete(Conn* c, size_t total) {
    const Clock::time_point now = Clock::now();
    if (c->sent >= measure_from_ && now < end_) {
      const auto us = std::chrono::duration_cast<std::chrono::microseconds>(now - c->sent);
      stats_.latencies_us.push_back(static_cast<uint32_t>(us.count()));
      ++stats_.statuses[c->head.status];
      stats_.bytes += total;
      if (c->head.status >= 400) {
        ++stats_.errors;
        if (stats_.first_error.empty()) {
          stats_.first_error = "status " + std::to_string(c->head.status);
        }
      }
    }
    c->in.erase(0, total);
    c->head_len = 0;
    if (now >= end_) return;
    if (c->head.close) return Reopen(c);
    if (interval_ != Clock::duration::zero() && c->due > now) {
      c->idle = true;  // StartDue sends when due
      return;
    }
    StartRequest(c);
  }

  const LoadOptions& options_;
  const std::vector<std::string>& requests_;
  const Clock::time_point measure_from_;
  const Clock::time_point end_;
  std::vector<Conn> conns_;
  Clock::duration interval_{};  // paced: between two requests of one connection; 0: closed loop
  int epoll_ = -1;
  std::vector<char> scratch_;
  ThreadStats stats_;
};

std::vector<std::string> BuildRequests(const LoadOptions& o) {
  std::string common = " HTTP/1.1\r\nHost: " + o.endpoint.host + ":" +
                       std::to_string(o.endpoint.port) + "\r\nUser-Agent: cangku-loadgen\r\n";
  for (const auto& [k, v] : o.headers) common += k + ": " + v + "\r\n";
  common += "\r\n";
  std::vector<std::string> out;
  out.reserve(o.paths.size());
  for (const std::string& p : o.paths) out.push_back(o.method + " " + p + common);
  return out;
}

double Percentile(const std::vector<uint32_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  const size_t i = std::min(sorted.size() - 1, static_cast<size_t>(q * sorted.size()));
  return sorted[i] / 1000.0;
}

}  // namespace

bool RunLoad(const LoadOptions& options, LoadResult* result, std::string* error) {
  if (options.paths.empty() || options.connections < 1 || options.threads < 1) {
    *error = "need at least one path, connection and thread";
    return false;
  }
  {
    std::string probe_error;  // fail fast if nothing listens
    const int fd = ConnectTcp(options.endpoint, &probe_error);
    if (fd < 0) {
      *error = probe_error;
      return false;
    }
    ::close(fd);
  }
  const std::vector<std::string> requests = BuildRequests(options);
  const int threads = std::min(options.threads, options.connections);
  const Clock::time_point start = Clock::now();
  const auto to_dur = [](double s) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
  };
  const Clock::time_point measure_from = start + to_dur(options.warmup_s);
  const Clock::time_point end = measure_from + to_dur(options.duration_s);
  std::vector<std::unique_ptr<Worker>> workers;
  int first = 0;
  for (int t = 0; t < threads; ++t) {
    const int n = options.connections / threads + (t < options.connections % threads ? 1 : 0);
    workers.push_back(std::make_unique<Worker>(options, requests, first, n, measure_from, end));
    first += n;
  }
  std::vector<std::thread> running;
  for (auto& w : workers) running.emplace_back([&w] { w->Run(); });
  for (auto& t : running) t.join();

  std::vector<uint32_t> all;
  *result = LoadResult();
  for (auto& w : workers) {
    ThreadStats& s = w->stats();
    all.insert(all.end(), s.latencies_us.begin(), s.latencies_us.end());
    result->errors += s.errors;
    result->bytes += s.bytes;
    for (const auto& [code, n] : s.statuses) result->statuses[code] += n;
    if (error->empty() && !s.first_error.empty()) *error = s.first_error;
  }
  std::sort(all.begin(), all.end());
  result->requests = all.size();
  result->seconds = options.duration_s;
  result->rps = static_cast<double>(all.size()) / options.duration_s;
  result->p50_ms = Percentile(all, 0.50);
  result->p90_ms = Percentile(all, 0.90);
  result->p99_ms = Percentile(all, 0.99);
  result->p999_ms = Percentile(all, 0.999);
  result->max_ms = all.empty() ? 0 : all.back() / 1000.0;
  double sum = 0;
  for (uint32_t v : all) sum += v;
  result->mean_ms = all.empty() ? 0 : sum / static_cast<double>(all.size()) / 1000.0;
  return true;
}

}  // namespace cangku::bench
