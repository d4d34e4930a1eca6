#include "synthetic_image.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <utility>

namespace cangku::bench {

std::string Sha256Digest(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "sha256:";
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 15]);
  }
  return out;
}

namespace {

Blob MakeBlob(std::string data) {
  Blob b;
  b.digest = Sha256Digest(data);
  b.data = std::move(data);
  return b;
}

void PutOctal(char* field, size_t width, uint64_t value) {
  std::snprintf(field, width, "%0*llo", static_cast<int>(width - 1),
                static_cast<unsigned long long>(value));
}

// A POSIX tar archive holding one regular file, data.bin, of `size` pseudo-random bytes.
std::string MakeTarLayer(uint64_t seed, uint64_t size) {
  std::string tar(512, '\0');
  char* h = tar.data();
  std::snprintf(h, 100, "data.bin");
  PutOctal(h + 100, 8, 0644);
  PutOctal(h + 108, 8, 0);
  PutOctal(h + 116, 8, 0);
  PutOctal(h + 124, 12, size);
  PutOctal(h + 136, 12, 0);
  std::memset(h + 148, ' ', 8);
  h[156] = '0';
  std::memcpy(h + 257,
              "ustar\0"
              "00",
              8);
  unsigned sum = 0;
  for (size_t i = 0; i < 512; ++i) sum += static_cast<unsigned char>(h[i]);
  std::snprintf(h + 148, 8, "%06o", sum);
  const size_t off = tar.size();
  tar.resize(off + (size + 511) / 512 * 512 + 1024, '\0');
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;  // splitmix64
  for (uint64_t i = 0; i < size; i += 8) {
    uint64_t z = (x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    std::memcpy(tar.data() + off + i, &z, std::min<uint64_t>(8, size - i));
  }
  return tar;
}

}  // namespace

std::string RepoName(const std::string& prefix, uint64_t index) {
  char n[24];
  std::snprintf(n, sizeof n, "%06llu", static_cast<unsigned long long>(index));
  return prefix + n;
}

Image MakeImage(const ImageSpec& o, uint64_t index) {
  Image img;
  img.repo = RepoName(o.prefix, index);
  const std::string id = o.shared ? "shared" : img.repo;
  img.layer = MakeBlob(MakeTarLayer(o.shared || o.shared_layer ? 0 : index + 1, o.layer_bytes));
  img.config =
      MakeBlob(R"({"architecture":"amd64","os":"linux","config":{"Labels":{"bench.image":")" + id +
               R"("}},"rootfs":{"type":"layers","diff_ids":[")" + img.layer.digest +
               R"("]},"history":[{"created_by":"cangku-loadgen"}]})");
  img.manifest =
      MakeBlob(R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
               R"("config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" +
               img.config.digest + R"(","size":)" + std::to_string(img.config.data.size()) +
               R"(},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":")" +
               img.layer.digest + R"(","size":)" + std::to_string(img.layer.data.size()) + "}]}");
  return img;
}

}  // namespace cangku::bench
