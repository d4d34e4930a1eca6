#include "auth/jwt.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cangku::auth {
namespace {

using nlohmann::json;

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
struct SigFree {
  void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using SigPtr = std::unique_ptr<ECDSA_SIG, SigFree>;

// Size of one P-256 coordinate, and of the JWS signature r||s.
constexpr int kCoordinateBytes = 32;
constexpr size_t kJoseSignatureBytes = 2 * kCoordinateBytes;
// A PEM key is well under 1 KiB; anything much larger is not a key file.
constexpr size_t kMaxKeyFileBytes = 64 * 1024;

// Without a callback OpenSSL would prompt on the terminal for the pass phrase of an encrypted key.
int RefusePassphrase(char*, int, int, void*) { return -1; }

std::string BioContents(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

// Dumps without throwing: invalid UTF-8 in a string is replaced instead of raising type_error.
std::string Dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

bool IsP256PrivateKey(EVP_PKEY* pkey) {
  if (!EVP_PKEY_is_a(pkey, "EC")) return false;
  char group[64];
  size_t length = 0;
  if (EVP_PKEY_get_group_name(pkey, group, sizeof(group), &length) != 1) return false;
  return std::string_view(group, length) == "prime256v1";
}

// RFC 4648 base32, no padding.
std::string Base32(const unsigned char* data, size_t n) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (size_t i = 0; i < n; ++i) {
    buffer = (buffer << 8) | data[i];
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push_back(kAlphabet[(buffer >> bits) & 31]);
    }
    buffer &= (1u << bits) - 1;
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (5 - bits)) & 31]);
  return out;
}

// Docker's libtrust key id: SHA-256 of the DER SubjectPublicKeyInfo, first 240 bits, base32,
// "ABCD:EFGH:...". Clients match it against the "kid" of tokens; it must be exactly this form.
std::string LibtrustKeyId(const EVP_PKEY* pkey) {
  unsigned char* der = nullptr;
  int der_length = i2d_PUBKEY(pkey, &der);
  CANGKU_CHECK(der_length > 0);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_length = 0;
  int ok = EVP_Digest(der, static_cast<size_t>(der_length), digest, &digest_length, EVP_sha256(),
                      nullptr);
  OPENSSL_free(der);
  CANGKU_CHECK(ok == 1 && digest_length == 32);
  std::string base32 = Base32(digest, 30);  // 240 bits: 48 characters.
  std::string id;
  for (size_t i = 0; i < base32.size(); i += 4) {
    if (i > 0) id.push_back(':');
    id.append(base32, i, 4);
  }
  return id;
}

StatusOr<std::string> GeneratePrivateKeyPem() {
  PkeyPtr pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!pkey || !bio ||
      PEM_write_bio_PrivateKey(bio.get(), pkey.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    ERR_clear_error();
    return InternalError("cannot generate an ECDSA P-256 key");
  }
  return BioContents(bio.get());
}

// The 64-byte r||s form of a DER ECDSA-Sig-Value; nullopt when `der` is not one.
std::optional<std::string> DerToJose(const std::vector<unsigned char>& der) {
  const unsigned char* p = der.data();
  SigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) return std::nullopt;
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  std::string out(kJoseSignatureBytes, '\0');
  auto* bytes = reinterpret_cast<unsigned char*>(out.data());
  if (BN_bn2binpad(r, bytes, kCoordinateBytes) != kCoordinateBytes ||
      BN_bn2binpad(s, bytes + kCoordinateBytes, kCoordinateBytes) != kCoordinateBytes) {
    return std::nullopt;
  }
  return out;
}

// The DER form OpenSSL verifies, from a 64-byte r||s.
std::optional<std::vector<unsigned char>> JoseToDer(std::string_view jose) {
  if (jose.size() != kJoseSignatureBytes) return std::nullopt;
  const auto* bytes = reinterpret_cast<const unsigned char*>(jose.data());
  BIGNUM* r = BN_bin2bn(bytes, kCoordinateBytes, nullptr);
  BIGNUM* s = BN_bin2bn(bytes + kCoordinateBytes, kCoordinateBytes, nullptr);
  SigPtr sig(ECDSA_SIG_new());
  if (r == nullptr || s == nullptr || !sig || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return std::nullopt;
  }
  int length = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (length <= 0) return std::nullopt;
  std::vector<unsigned char> der(static_cast<size_t>(length));
  unsigned char* out = der.data();
  if (i2d_ECDSA_SIG(sig.get(), &out) != length) return std::nullopt;
  return der;
}

std::vector<unsigned char> SignDer(EVP_PKEY* pkey, std::string_view input) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  CANGKU_CHECK(ctx != nullptr);
  CANGKU_CHECK(EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pkey) == 1);
  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  size_t length = 0;
  CANGKU_CHECK(EVP_DigestSign(ctx.get(), nullptr, &length, data, input.size()) == 1);
  std::vector<unsigned char> der(length);
  CANGKU_CHECK(EVP_DigestSign(ctx.get(), der.data(), &length, data, input.size()) == 1);
  der.resize(length);
  return der;
}

bool VerifyJose(EVP_PKEY* pkey, std::string_view input, std::string_view jose) {
  std::optional<std::vector<unsigned char>> der = JoseToDer(jose);
  if (!der) return false;
  MdCtxPtr ctx(EVP_MD_CTX_new());
  bool ok =
      ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pkey) == 1 &&
      EVP_DigestVerify(ctx.get(), der->data(), der->size(),
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  // A refused signature leaves errors on this thread's queue; they would confuse later callers.
  ERR_clear_error();
  return ok;
}

Status Refuse(std::string_view reason) {
  return UnauthenticatedError("token " + std::string(reason));
}

StatusOr<json> DecodeJsonPart(std::string_view part, std::string_view what) {
  StatusOr<std::string> text = Base64UrlDecode(part);
  if (!text.ok()) return Refuse(std::string(what) + " is not base64url");
  json value = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return Refuse(std::string(what) + " is not JSON");
  return value;
}

// Only the one algorithm we sign with is accepted: taking "alg" from the token is what lets
// "none" and HS256-with-the-public-key forgeries through in other libraries.
Status CheckHeader(const json& header, const std::string& key_id) {
  if (!header.is_object()) return Refuse("header is not a JSON object");
  auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string() || alg->get_ref<const std::string&>() != "ES256") {
    return Refuse("algorithm is not ES256");
  }
  // RFC 7515 4.1.11: extensions marked critical that we do not understand must be refused.
  if (header.contains("crit")) return Refuse("header has critical extensions");
  auto kid = header.find("kid");
  if (kid == header.end() || !kid->is_string() || kid->get_ref<const std::string&>() != key_id) {
    return Refuse("key id is not this registry's");
  }
  return OkStatus();
}

StatusOr<std::optional<std::string>> ReadKeyFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    return InternalError("open " + path + ": " + std::strerror(errno));
  }
  std::string contents;
  char buffer[4096];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof(buffer))) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || contents.size() + static_cast<size_t>(n) > kMaxKeyFileBytes) break;
    contents.append(buffer, static_cast<size_t>(n));
  }
  int err = errno;
  close(fd);
  OPENSSL_cleanse(buffer, sizeof(buffer));
  if (n < 0) return InternalError("read " + path + ": " + std::strerror(err));
  if (n > 0) return InvalidArgumentError(path + " is too large to be a key file");
  return std::optional<std::string>(std::move(contents));
}

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return InternalError("write " + path + ": " + std::strerror(errno));
    data.remove_prefix(static_cast<size_t>(n));
  }
  if (fsync(fd) != 0) return InternalError("fsync " + path + ": " + std::strerror(errno));
  return OkStatus();
}

// Makes a rename durable. Best effort: the key is already in place and readable.
void SyncParentDirectory(const std::string& path) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  fsync(fd);
  close(fd);
}

// Puts `contents` at `path` (mode 0600) unless something is there already: written to a
// temporary file first, so a crash never leaves half a key, and renamed without replacing, so
// servers starting together on a shared volume end up with one key. kAlreadyExists when `path`
// exists.
Status WriteNewKeyFile(const std::string& path, std::string_view contents) {
  std::string temp = path + ".tmp.XXXXXX";
  int fd = mkostemp(temp.data(), O_CLOEXEC);  // Creates the file with mode 0600.
  if (fd < 0) return InternalError("create " + temp + ": " + std::strerror(errno));
  Status written = WriteAll(fd, contents, temp);
  if (close(fd) != 0 && written.ok()) {
    written = InternalError("close " + temp + ": " + std::strerror(errno));
  }
  if (written.ok() &&
      renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE) != 0) {
    int err = errno;
    // Some file systems cannot refuse to replace; there a plain rename is the best we have.
    if ((err == EINVAL || err == ENOSYS) && rename(temp.c_str(), path.c_str()) == 0) {
      SyncParentDirectory(path);
      return OkStatus();
    }
    written = err == EEXIST ? AlreadyExistsError(path + " exists")
                            : InternalError("rename to " + path + ": " + std::strerror(err));
  }
  if (!written.ok()) {
    unlink(temp.c_str());
    return written;
  }
  SyncParentDirectory(path);
  return OkStatus();
}

}  // namespace

struct TokenSigner::Key {
  PkeyPtr pkey;
  std::string key_id;
};

TokenSigner::TokenSigner(std::unique_ptr<Key> key) : key_(std::move(key)) {}
TokenSigner::~TokenSigner() = default;

StatusOr<std::unique_ptr<TokenSigner>> TokenSigner::LoadOrCreate(const std::string& path) {
  ASSIGN_OR_RETURN(std::optional<std::string> pem, ReadKeyFile(path));
  if (!pem) {
    ASSIGN_OR_RETURN(std::string fresh, GeneratePrivateKeyPem());
    Status written = WriteNewKeyFile(path, fresh);
    if (written.code() == StatusCode::kAlreadyExists) {
      // Another process created the key between our read and our rename: use theirs.
      OPENSSL_cleanse(fresh.data(), fresh.size());
      ASSIGN_OR_RETURN(pem, ReadKeyFile(path));
      if (!pem) return InternalError(path + " vanished while it was being created");
    } else {
      RETURN_IF_ERROR(written);
      pem = std::move(fresh);
    }
  }
  StatusOr<std::unique_ptr<TokenSigner>> signer = FromPem(*pem);
  OPENSSL_cleanse(pem->data(), pem->size());
  if (!signer.ok()) return Status(signer.status().code(), path + ": " + signer.status().message());
  return signer;
}

StatusOr<std::unique_ptr<TokenSigner>> TokenSigner::FromPem(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return InternalError("BIO_new_mem_buf failed");
  PkeyPtr pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, RefusePassphrase, nullptr));
  ERR_clear_error();
  if (!pkey) return InvalidArgumentError("no unencrypted PEM private key found");
  if (!IsP256PrivateKey(pkey.get())) {
    return InvalidArgumentError("the private key is not an ECDSA P-256 key");
  }
  auto key = std::make_unique<Key>();
  key->key_id = LibtrustKeyId(pkey.get());
  key->pkey = std::move(pkey);
  return std::unique_ptr<TokenSigner>(new TokenSigner(std::move(key)));
}

StatusOr<std::unique_ptr<TokenSigner>> TokenSigner::Generate() {
  ASSIGN_OR_RETURN(std::string pem, GeneratePrivateKeyPem());
  StatusOr<std::unique_ptr<TokenSigner>> signer = FromPem(pem);
  OPENSSL_cleanse(pem.data(), pem.size());
  if (!signer.ok()) return InternalError("generated key unusable: " + signer.status().message());
  return signer;
}

const std::string& TokenSigner::key_id() const { return key_->key_id; }

std::string TokenSigner::PublicKeyPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  CANGKU_CHECK(bio && PEM_write_bio_PUBKEY(bio.get(), key_->pkey.get()) == 1);
  return BioContents(bio.get());
}

std::string TokenSigner::Sign(const json& claims) const {
  json header = {{"alg", "ES256"}, {"typ", "JWT"}, {"kid", key_->key_id}};
  std::string token = Base64UrlEncode(Dump(header)) + "." + Base64UrlEncode(Dump(claims));
  std::optional<std::string> signature = DerToJose(SignDer(key_->pkey.get(), token));
  CANGKU_CHECK(signature.has_value());
  return token + "." + Base64UrlEncode(*signature);
}

StatusOr<json> TokenSigner::Verify(std::string_view token) const {
  size_t first = token.find('.');
  size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return Refuse("is not three dot-separated parts");
  }
  ASSIGN_OR_RETURN(json header, DecodeJsonPart(token.substr(0, first), "header"));
  RETURN_IF_ERROR(CheckHeader(header, key_->key_id));

  StatusOr<std::string> signature = Base64UrlDecode(token.substr(second + 1));
  if (!signature.ok()) return Refuse("signature is not base64url");
  if (signature->size() != kJoseSignatureBytes) return Refuse("signature is not 64 bytes");
  if (!VerifyJose(key_->pkey.get(), token.substr(0, second), *signature)) {
    return Refuse("signature does not verify");
  }
  // Parsed only once signed: the payload is never interpreted before it is authenticated.
  ASSIGN_OR_RETURN(json claims,
                   DecodeJsonPart(token.substr(first + 1, second - first - 1), "payload"));
  if (!claims.is_object()) return Refuse("payload is not a JSON object");
  return claims;
}

}  // namespace cangku::auth
