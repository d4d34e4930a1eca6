// cangku-loadgen: the client side of the Cangku benchmarks (see BENCHMARKS.md).
//
//   load         keep-alive GET/HEAD load over epoll; requests/s and latency percentiles
//   push-blob    one file as a blob: monolithic PUT or PATCH chunks
//   pull-blob    one blob over N parallel GET streams
//   push-images  many small images, one per repository (seeding, push storm)
//   loopback     raw TCP sendfile throughput, the ceiling for any pull
//   seed-distribution-fs  repositories written straight into a Distribution store
//
// Every subcommand prints one JSON object on stdout and exits 1 if anything failed.

#include <CLI/CLI.hpp>
#include <chrono>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "blob.h"
#include "distribution_seed.h"
#include "images.h"
#include "load.h"

namespace cangku::bench {
namespace {

using nlohmann::json;

json ToJson(const TransferResult& r) {
  return {{"bytes", r.bytes},   {"seconds", r.seconds},   {"mb_s", r.mb_s},
          {"errors", r.errors}, {"requests", r.requests}, {"error", r.error}};
}

int Print(const json& j, bool ok) {
  std::cout << j.dump() << std::endl;
  return ok ? 0 : 1;
}

bool ParseHeader(const std::string& text, Headers* headers) {
  const size_t colon = text.find(':');
  if (colon == std::string::npos) return false;
  std::string value = text.substr(colon + 1);
  value.erase(0, value.find_first_not_of(' '));
  headers->emplace_back(text.substr(0, colon), value);
  return true;
}

// Reads targets, one a line; absolute URLs set the endpoint if --url was not given.
bool ReadUrlList(const std::string& file, LoadOptions* o, bool have_endpoint) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::string host, target;
    uint16_t port = 0;
    if (!SplitUrl(line, &host, &port, &target)) return false;
    if (!have_endpoint && !host.empty()) {
      o->endpoint = {host, port};
      have_endpoint = true;
    }
    o->paths.push_back(target);
  }
  return have_endpoint && !o->paths.empty();
}

}  // namespace

int Main(int argc, char** argv) {
  CLI::App app{"cangku-loadgen: HTTP load and blob transfer client for the Cangku benchmarks"};
  app.require_subcommand(1);
  std::string url;

  LoadOptions load;
  std::string path, url_list;
  std::vector<std::string> header_texts;
  auto* load_cmd = app.add_subcommand("load", "keep-alive GET/HEAD load");
  load_cmd->add_option("--url", url, "base URL, http://127.0.0.1:PORT");
  load_cmd->add_option("--path", path, "one request target, e.g. /v2/");
  load_cmd->add_option("--url-list", url_list, "file of targets or URLs, one a line");
  load_cmd->add_option("--method", load.method)->check(CLI::IsMember({"GET", "HEAD"}));
  load_cmd->add_option("--connections", load.connections)->check(CLI::Range(1, 100000));
  load_cmd->add_option("--threads", load.threads)->check(CLI::Range(1, 256));
  load_cmd->add_option("--duration", load.duration_s, "measured seconds")
      ->check(CLI::Range(0.1, 3600.0));
  load_cmd->add_option("--warmup", load.warmup_s, "unmeasured seconds first")
      ->check(CLI::Range(0.0, 600.0));
  load_cmd->add_option("--rate", load.rate,
                       "paced: requests/s over all connections, latency from the scheduled "
                       "send (default 0: closed loop)")
      ->check(CLI::Range(0.0, 1e7));
  load_cmd->add_option("--header", header_texts, "extra header 'Name: value' (repeatable)");

  PushOptions push;
  std::string push_url;
  uint64_t chunk_mib = 0;
  auto* push_cmd = app.add_subcommand("push-blob", "push one file as a blob");
  push_cmd->add_option("--url", push_url)->required();
  push_cmd->add_option("--repo", push.repo)->required();
  push_cmd->add_option("--file", push.file)->required()->check(CLI::ExistingFile);
  push_cmd->add_option("--digest", push.digest, "sha256:<hex> of the file")->required();
  push_cmd->add_option("--chunk-mib", chunk_mib, "PATCH chunk size; 0: monolithic PUT");

  PullOptions pull;
  std::string pull_url;
  auto* pull_cmd = app.add_subcommand("pull-blob", "GET one blob on N parallel streams");
  pull_cmd->add_option("--url", pull_url)->required();
  pull_cmd->add_option("--repo", pull.repo)->required();
  pull_cmd->add_option("--digest", pull.digest)->required();
  pull_cmd->add_option("--streams", pull.streams)->check(CLI::Range(1, 1024));
  pull_cmd->add_flag("--verify", pull.verify, "check each stream's bytes against the digest");

  ImagePushOptions images;
  std::string images_url;
  bool no_head_check = false;
  auto* images_cmd = app.add_subcommand("push-images", "push small images, one per repository");
  images_cmd->add_option("--url", images_url)->required();
  images_cmd->add_option("--prefix", images.spec.prefix, "repository name prefix");
  images_cmd->add_option("--start", images.start, "first index");
  images_cmd->add_option("--count", images.count)->required();
  images_cmd->add_option("--concurrency", images.concurrency)->check(CLI::Range(1, 1024));
  images_cmd->add_option("--layer-bytes", images.spec.layer_bytes);
  images_cmd->add_flag("--shared", images.spec.shared, "same content in every repository");
  images_cmd->add_flag("--shared-layer", images.spec.shared_layer, "same layer, distinct configs");
  images_cmd->add_option("--mount-from", images.mount_from, "mount blobs from this repository");
  images_cmd->add_flag("--no-head-check", no_head_check, "do not HEAD blobs before upload");
  images_cmd->add_option("--tag", images.tag);
  images_cmd->add_option("--max-seconds", images.max_seconds, "start no image after this");
  images_cmd->add_option("--out", images.out, "write 'repo tag digest' lines here");

  std::string loop_file;
  int loop_streams = 1;
  auto* loop_cmd = app.add_subcommand("loopback", "raw TCP sendfile throughput");
  loop_cmd->add_option("--file", loop_file)->required()->check(CLI::ExistingFile);
  loop_cmd->add_option("--streams", loop_streams)->check(CLI::Range(1, 1024));

  DistributionSeedOptions fs_seed;
  auto* fs_cmd = app.add_subcommand("seed-distribution-fs",
                                    "write repositories into a Distribution filesystem store");
  fs_cmd->add_option("--root", fs_seed.root, "the store's rootdirectory")->required();
  fs_cmd->add_option("--prefix", fs_seed.prefix, "repository name prefix");
  fs_cmd->add_option("--start", fs_seed.start, "first index");
  fs_cmd->add_option("--count", fs_seed.count)->required();
  fs_cmd->add_option("--tag", fs_seed.tag);

  CLI11_PARSE(app, argc, argv);

  if (*load_cmd) {
    for (const std::string& h : header_texts) {
      if (!ParseHeader(h, &load.headers)) {
        std::cerr << "bad --header: " << h << "\n";
        return 2;
      }
    }
    const bool have_endpoint = !url.empty() && ParseEndpoint(url, &load.endpoint);
    if (!path.empty()) load.paths.push_back(path);
    if (!url_list.empty() && !ReadUrlList(url_list, &load, have_endpoint)) {
      std::cerr << "cannot use --url-list " << url_list << "\n";
      return 2;
    }
    if (load.paths.empty() || (!have_endpoint && url_list.empty())) {
      std::cerr << "load needs --url and --path, or --url-list\n";
      return 2;
    }
    LoadResult r;
    std::string error;
    const bool ok = RunLoad(load, &r, &error);
    json statuses = json::object();
    for (const auto& [code, n] : r.statuses) statuses[std::to_string(code)] = n;
    return Print({{"method", load.method},
                  {"connections", load.connections},
                  {"threads", load.threads},
                  {"requests", r.requests},
                  {"errors", r.errors},
                  {"seconds", r.seconds},
                  {"rps", r.rps},
                  {"rate", load.rate},
                  {"p50_ms", r.p50_ms},
                  {"p90_ms", r.p90_ms},
                  {"p99_ms", r.p99_ms},
                  {"p999_ms", r.p999_ms},
                  {"max_ms", r.max_ms},
                  {"mean_ms", r.mean_ms},
                  {"bytes", r.bytes},
                  {"statuses", statuses},
                  {"error", error}},
                 ok && r.errors == 0 && r.requests > 0);
  }
  if (*push_cmd) {
    if (!ParseEndpoint(push_url, &push.endpoint)) return 2;
    push.chunk_bytes = chunk_mib << 20;
    TransferResult r;
    const bool ok = PushBlob(push, &r);
    json j = ToJson(r);
    j["mode"] = push.chunk_bytes ? "patch" : "put";
    return Print(j, ok);
  }
  if (*pull_cmd) {
    if (!ParseEndpoint(pull_url, &pull.endpoint)) return 2;
    TransferResult r;
    const bool ok = PullBlob(pull, &r);
    json j = ToJson(r);
    j["streams"] = pull.streams;
    return Print(j, ok);
  }
  if (*images_cmd) {
    if (!ParseEndpoint(images_url, &images.endpoint)) return 2;
    images.head_check = !no_head_check;
    ImagePushResult r;
    const bool ok = PushImages(images, &r);
    return Print({{"images", r.images},
                  {"errors", r.errors},
                  {"requests", r.requests},
                  {"bytes", r.bytes},
                  {"seconds", r.seconds},
                  {"images_s", r.images_s},
                  {"deadline_hit", r.deadline_hit},
                  {"error", r.error}},
                 ok && r.errors == 0);
  }
  if (*fs_cmd) {
    std::string error;
    const auto t0 = std::chrono::steady_clock::now();
    const bool ok = SeedDistributionStore(fs_seed, &error);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return Print({{"repositories", ok ? fs_seed.count : 0}, {"seconds", s}, {"error", error}}, ok);
  }
  TransferResult r;
  const bool ok = Loopback(loop_file, loop_streams, &r);
  json j = ToJson(r);
  j["streams"] = loop_streams;
  return Print(j, ok);
}

}  // namespace cangku::bench

int main(int argc, char** argv) { return cangku::bench::Main(argc, argv); }
