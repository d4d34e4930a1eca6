#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace cangku::oci {

enum class DigestAlgorithm { kSha256, kSha512 };

// A content digest "<algorithm>:<encoded>" as the OCI image spec defines it. Only sha256 and
// sha512 are supported. Immutable value type; always valid once constructed.
class Digest {
 public:
  // Parses and validates. Errors: kInvalidArgument for text that is not a digest at all or whose
  // encoded part has the wrong length or characters (uppercase hex included); kUnimplemented for
  // a well-formed digest of an algorithm other than sha256/sha512 (e.g. "md5:...", "blake3:...").
  static StatusOr<Digest> Parse(std::string_view text);
  // The SHA-256 digest of `data`.
  static Digest Sha256Of(std::string_view data);

  DigestAlgorithm algorithm() const { return algorithm_; }
  std::string_view algorithm_name() const;          // "sha256" / "sha512"
  std::string_view hex() const;                     // the encoded part
  const std::string& str() const { return text_; }  // "sha256:<hex>"

  friend bool operator==(const Digest& a, const Digest& b) { return a.text_ == b.text_; }
  friend auto operator<=>(const Digest& a, const Digest& b) { return a.text_ <=> b.text_; }

 private:
  Digest(DigestAlgorithm algorithm, std::string text)
      : algorithm_(algorithm), text_(std::move(text)) {}
  friend class Digester;
  DigestAlgorithm algorithm_;
  std::string text_;
};

// Incremental hash over streamed bytes (OpenSSL EVP; uses SHA-NI where the CPU has it).
// Not thread-safe; movable, not copyable.
class Digester {
 public:
  explicit Digester(DigestAlgorithm algorithm = DigestAlgorithm::kSha256);
  ~Digester();
  Digester(Digester&&) noexcept;
  Digester& operator=(Digester&&) noexcept;
  Digester(const Digester&) = delete;
  Digester& operator=(const Digester&) = delete;

  void Update(const void* data, size_t size);
  void Update(std::string_view data) { Update(data.data(), data.size()); }
  // The digest of everything so far. Does not end the stream: Update may follow.
  Digest Current() const;
  DigestAlgorithm algorithm() const { return algorithm_; }

 private:
  DigestAlgorithm algorithm_;
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

}  // namespace cangku::oci

template <>
struct std::hash<cangku::oci::Digest> {
  size_t operator()(const cangku::oci::Digest& d) const noexcept {
    return std::hash<std::string>()(d.str());
  }
};
