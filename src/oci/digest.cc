#include "oci/digest.h"

#include <openssl/evp.h>

#include <string>
#include <utility>

#include "common/text.h"

namespace cangku::oci {
namespace {

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool IsLowerHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

bool IsAlgorithmSeparator(char c) { return c == '+' || c == '.' || c == '_' || c == '-'; }

bool IsEncodedChar(char c) {
  return IsLowerAlnum(c) || (c >= 'A' && c <= 'Z') || c == '=' || c == '_' || c == '-';
}

// algorithm ::= algorithm-component (algorithm-separator algorithm-component)*
// algorithm-component ::= [a-z0-9]+
bool IsWellFormedAlgorithm(std::string_view algorithm) {
  if (algorithm.empty()) return false;
  bool previous_was_separator = true;  // So a leading separator is refused.
  for (char c : algorithm) {
    if (IsLowerAlnum(c)) {
      previous_was_separator = false;
    } else if (IsAlgorithmSeparator(c)) {
      if (previous_was_separator) return false;
      previous_was_separator = true;
    } else {
      return false;
    }
  }
  return !previous_was_separator;
}

bool IsWellFormedEncoded(std::string_view encoded) {
  if (encoded.empty()) return false;
  for (char c : encoded) {
    if (!IsEncodedChar(c)) return false;
  }
  return true;
}

bool IsLowerHexOfLength(std::string_view encoded, size_t length) {
  if (encoded.size() != length) return false;
  for (char c : encoded) {
    if (!IsLowerHex(c)) return false;
  }
  return true;
}

const EVP_MD* EvpFor(DigestAlgorithm algorithm) {
  return algorithm == DigestAlgorithm::kSha512 ? EVP_sha512() : EVP_sha256();
}

std::string_view NameOf(DigestAlgorithm algorithm) {
  return algorithm == DigestAlgorithm::kSha512 ? "sha512" : "sha256";
}

std::string ToHex(const unsigned char* bytes, size_t size) {
  static constexpr char kHexDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out.push_back(kHexDigits[bytes[i] >> 4]);
    out.push_back(kHexDigits[bytes[i] & 0x0f]);
  }
  return out;
}

}  // namespace

StatusOr<Digest> Digest::Parse(std::string_view text) {
  size_t colon = text.find(':');
  if (colon == std::string_view::npos) {
    return InvalidArgumentError("invalid digest " + QuoteForMessage(text) + ": missing ':'");
  }
  std::string_view algorithm = text.substr(0, colon);
  std::string_view encoded = text.substr(colon + 1);
  if (!IsWellFormedAlgorithm(algorithm)) {
    return InvalidArgumentError("invalid digest " + QuoteForMessage(text) +
                                ": malformed algorithm");
  }
  if (!IsWellFormedEncoded(encoded)) {
    return InvalidArgumentError("invalid digest " + QuoteForMessage(text) +
                                ": malformed encoded part");
  }
  if (algorithm == "sha256") {
    if (!IsLowerHexOfLength(encoded, 64)) {
      return InvalidArgumentError("invalid digest " + QuoteForMessage(text) +
                                  ": sha256 needs 64 lowercase hex characters");
    }
    return Digest(DigestAlgorithm::kSha256, std::string(text));
  }
  if (algorithm == "sha512") {
    if (!IsLowerHexOfLength(encoded, 128)) {
      return InvalidArgumentError("invalid digest " + QuoteForMessage(text) +
                                  ": sha512 needs 128 lowercase hex characters");
    }
    return Digest(DigestAlgorithm::kSha512, std::string(text));
  }
  return UnimplementedError("unsupported digest algorithm " + QuoteForMessage(algorithm));
}

Digest Digest::Sha256Of(std::string_view data) {
  Digester digester(DigestAlgorithm::kSha256);
  digester.Update(data);
  return digester.Current();
}

std::string_view Digest::algorithm_name() const { return NameOf(algorithm_); }

std::string_view Digest::hex() const {
  std::string_view text = text_;
  return text.substr(text.find(':') + 1);
}

struct Digester::Ctx {
  EVP_MD_CTX* md = nullptr;
  ~Ctx() { EVP_MD_CTX_free(md); }
};

Digester::Digester(DigestAlgorithm algorithm)
    : algorithm_(algorithm), ctx_(std::make_unique<Ctx>()) {
  ctx_->md = EVP_MD_CTX_new();
  CANGKU_CHECK(ctx_->md != nullptr);
  CANGKU_CHECK(EVP_DigestInit_ex(ctx_->md, EvpFor(algorithm), nullptr) == 1);
}

Digester::~Digester() = default;
Digester::Digester(Digester&&) noexcept = default;
Digester& Digester::operator=(Digester&&) noexcept = default;

void Digester::Update(const void* data, size_t size) {
  CANGKU_CHECK(ctx_ != nullptr);  // Use after move is a bug.
  if (size == 0) return;
  CANGKU_CHECK(EVP_DigestUpdate(ctx_->md, data, size) == 1);
}

Digest Digester::Current() const {
  CANGKU_CHECK(ctx_ != nullptr);
  Ctx copy;
  copy.md = EVP_MD_CTX_new();
  CANGKU_CHECK(copy.md != nullptr);
  CANGKU_CHECK(EVP_MD_CTX_copy_ex(copy.md, ctx_->md) == 1);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int out_size = 0;
  CANGKU_CHECK(EVP_DigestFinal_ex(copy.md, out, &out_size) == 1);
  std::string text(NameOf(algorithm_));
  text += ':';
  text += ToHex(out, out_size);
  return Digest(algorithm_, std::move(text));
}

}  // namespace cangku::oci
