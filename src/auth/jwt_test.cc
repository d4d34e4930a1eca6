#include "auth/jwt.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace cangku::auth {
namespace {

using nlohmann::json;

// A key made with `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256`. Its key id
// and the token below were computed with the openssl command line and Python's cryptography
// package, independently of this code.
constexpr char kKeyPem[] = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgMjUEejDlNFpr8Bn1
aIdiIkpu402ek0te5P34O9W1ClWhRANCAAT91lq+w47SfzenwYxEPA5cNaJX7ovc
wvsoNC7SFyD2d4xz/ZjKrUCBvRTKnDyGp2IuOsth0dIS/3ywl/Ta725f
-----END PRIVATE KEY-----
)";
constexpr char kKeyId[] = "TZE5:6IID:PAXY:OUAR:U6IS:XNNS:DTKS:F6PE:HQJH:YGG5:A2M3:SU7K";
// {"iss":"python","sub":"alice","n":7}, signed by Python with kKeyPem.
constexpr char kPythonToken[] =
    "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6IlRaRTU6NklJRDpQQVhZOk9VQVI6VTZJUzpYTk5TOkRUS1M6Rj"
    "ZQRTpIUUpIOllHRzU6QTJNMzpTVTdLIn0.eyJpc3MiOiJweXRob24iLCJzdWIiOiJhbGljZSIsIm4iOjd9.SvRYbuOUAO_"
    "c5Ikaa3rOUHBgZIPRvYBSaRxpsJY2HPeBOKhlDKDdNFRCVwXhkxZqZRifTADLE0P9SQ3BKCZwcg";

std::unique_ptr<TokenSigner> KnownSigner() {
  StatusOr<std::unique_ptr<TokenSigner>> signer = TokenSigner::FromPem(kKeyPem);
  CANGKU_CHECK(signer.ok());
  return std::move(signer).value();
}

// Signs header.payload with ES256 using OpenSSL directly, so tests can build tokens the signer
// would never make (other algorithms, other key ids, non-object payloads).
std::string SignRaw(const char* pem, const json& header, const std::string& payload) {
  BIO* bio = BIO_new_mem_buf(pem, -1);
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  CANGKU_CHECK(pkey != nullptr);
  std::string input = Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(payload);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned char der[128];
  size_t der_length = sizeof(der);
  CANGKU_CHECK(EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, pkey) == 1);
  CANGKU_CHECK(EVP_DigestSign(ctx, der, &der_length,
                              reinterpret_cast<const unsigned char*>(input.data()),
                              input.size()) == 1);
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(pkey);
  const unsigned char* p = der;
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_length));
  unsigned char rs[64];
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), rs, 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), rs + 32, 32);
  ECDSA_SIG_free(sig);
  return input + "." + Base64UrlEncode(std::string(reinterpret_cast<char*>(rs), 64));
}

json Header(std::string alg, std::string kid) {
  return {{"alg", std::move(alg)}, {"typ", "JWT"}, {"kid", std::move(kid)}};
}

std::vector<std::string> Split(const std::string& token) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t dot; (dot = token.find('.', start)) != std::string::npos; start = dot + 1) {
    parts.push_back(token.substr(start, dot - start));
  }
  parts.push_back(token.substr(start));
  return parts;
}

void ExpectRefused(const TokenSigner& signer, std::string_view token, std::string_view reason) {
  StatusOr<json> claims = signer.Verify(token);
  ASSERT_FALSE(claims.ok()) << token;
  EXPECT_EQ(claims.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(claims.status().message().find(reason), std::string::npos) << claims.status().message();
}

TEST(TokenSignerTest, SignVerifyRoundTrip) {
  StatusOr<std::unique_ptr<TokenSigner>> signer = TokenSigner::Generate();
  ASSERT_TRUE(signer.ok()) << signer.status().ToString();
  json claims = {{"iss", "cangku"}, {"sub", "alice"}, {"exp", 1700000000}, {"n", {1, 2}}};
  std::string token = (*signer)->Sign(claims);
  StatusOr<json> back = (*signer)->Verify(token);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, claims);
}

TEST(TokenSignerTest, TokenShape) {
  std::unique_ptr<TokenSigner> signer = KnownSigner();
  std::vector<std::string> parts = Split(signer->Sign({{"sub", "alice"}}));
  ASSERT_EQ(parts.size(), 3u);
  json header = json::parse(*Base64UrlDecode(parts[0]));
  EXPECT_EQ(header, Header("ES256", kKeyId));
  EXPECT_EQ(json::parse(*Base64UrlDecode(parts[1])), json({{"sub", "alice"}}));
  EXPECT_EQ(Base64UrlDecode(parts[2])->size(), 64u);
  for (const std::string& part : parts) EXPECT_EQ(part.find('='), std::string::npos);
}

TEST(TokenSignerTest, SignsClaimsWithInvalidUtf8WithoutThrowing) {
  std::unique_ptr<TokenSigner> signer = KnownSigner();
  std::string token = signer->Sign({{"sub", std::string("\xff\xfe", 2)}});
  EXPECT_TRUE(signer->Verify(token).ok());
}

TEST(TokenSignerTest, KeyIdIsLibtrustForm) {
  EXPECT_EQ(KnownSigner()->key_id(), kKeyId);
  StatusOr<std::unique_ptr<TokenSigner>> fresh = TokenSigner::Generate();
  ASSERT_TRUE(fresh.ok());
  const std::string& kid = (*fresh)->key_id();
  ASSERT_EQ(kid.size(), 59u);
  for (size_t i = 0; i < kid.size(); ++i) {
    if (i % 5 == 4) {
      EXPECT_EQ(kid[i], ':') << kid;
    } else {
      EXPECT_NE(std::string("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567").find(kid[i]), std::string::npos)
          << kid;
    }
  }
  EXPECT_NE(kid, kKeyId);
}

TEST(TokenSignerTest, VerifiesTokenSignedElsewhere) {
  StatusOr<json> claims = KnownSigner()->Verify(kPythonToken);
  ASSERT_TRUE(claims.ok()) << claims.status().ToString();
  EXPECT_EQ(*claims, json({{"iss", "python"}, {"sub", "alice"}, {"n", 7}}));
}

TEST(TokenSignerTest, PublicKeyPem) {
  std::unique_ptr<TokenSigner> signer = KnownSigner();
  std::string pem = signer->PublicKeyPem();
  EXPECT_EQ(pem.rfind("-----BEGIN PUBLIC KEY-----\n", 0), 0u) << pem;
  EXPECT_EQ(pem.find("PRIVATE"), std::string::npos);
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* pub = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  EXPECT_NE(pub, nullptr);
  EVP_PKEY_free(pub);
}

TEST(TokenSignerTest, RawSignerMatchesSigner) {
  // The helper below must make tokens Verify accepts; otherwise the refusals that follow would
  // prove nothing.
  std::unique_ptr<TokenSigner> signer = KnownSigner();
  EXPECT_TRUE(signer->Verify(SignRaw(kKeyPem, Header("ES256", kKeyId), R"({"a":1})")).ok());
}

TEST(TokenSignerTest, RefusesOtherAlgorithms) {
  std::unique_ptr<TokenSigner> signer = KnownSigner();
  for (const char* alg : {"none", "None", "HS256", "RS256", "ES384", "es256", "ES256 ", ""}) {
    ExpectRefused(*signer, SignRaw(kKeyPem, Header(alg, kKeyId), R"({"a":1})"), "algorithm");
  }
  json no_alg = {{"kid", kKeyId}};
  ExpectRefused(*signer, SignRaw(kKeyPem, no_alg, "{}"), "algorithm");
  json numeric_alg = {{"alg", 256}, {"kid", kKeyId}};
  ExpectRefused(*signer, SignRaw(kKeyPem, numeric_alg, "{}"), "algorithm");
}

TEST(TokenSignerTest, RefusesAlgNoneWithEmptySignature) {
  std::unique_ptr<TokenSigner> signer = KnownSigner();
  std::string unsigned_token = Base64UrlEncode(Header("none", kKeyId).dump()) + "." +
                               Base64UrlEncode(R"({"sub":"admin"})") + ".";
  ExpectRefused(*signer, unsigned_token, "algorithm");
}

TEST(TokenSignerTest, RefusesHs256WithPublicKeyAsSecret) {
  // The classic confusion attack: HMAC keyed with the public key, which anyone can fetch.
  std::unique_ptr<TokenSigner> signer = KnownSigner();
  std::string secret = signer->PublicKeyPem();
  std::string input =
      Base64UrlEncode(Header("HS256", kKeyId).dump()) + "." + Base64UrlEncode(R"({"sub":"admin"})");
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &mac_length);
  std::string token =
      input + "." + Base64UrlEncode(std::string(reinterpret_cast<char*>(mac), mac_length));
  ExpectRefused(*signer, token, "algorithm");
}

TEST(TokenSignerTest, RefusesMissingOrForeignKeyId) {
  std::unique_ptr<TokenSigner> signer = KnownSigner();
  json no_kid = {{"alg", "ES256"}};
  ExpectRefused(*signer, SignRaw(kKeyPem, no_kid, "{}"), "key id");
  ExpectRefused(*signer, SignRaw(kKeyPem, Header("ES256", "AAAA:BBBB"), "{}"), "key id");
  json numeric_kid = {{"alg", "ES256"}, {"kid", 1}};
  ExpectRefused(*signer, SignRaw(kKeyPem, numeric_kid, "{}"), "key id");
}

TEST(TokenSignerTest, RefusesCriticalExtensions) {
  std::unique_ptr<TokenSigner> signer = KnownSigner();
  json header = Header("ES256", kKeyId);
  header["crit"] = {"exp"};
  ExpectRefused(*signer, SignRaw(kKeyPem, header, "{}"), "critical");
}

TEST(TokenSignerTest, RefusesTokenFromAnotherKey) {
  std::unique_ptr<TokenSigner> signer = KnownSigner();
  StatusOr<std::unique_ptr<TokenSigner>> other = TokenSigner::Generate();
  ASSERT_TRUE(other.ok());
  ExpectRefused(*signer, (*other)->Sign({{"sub", "alice"}}), "key id");

  // Another key that claims our key id: caught by the signature.
  EVP_PKEY* pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, pkey, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string other_pem(data, static_cast<size_t>(n));
  BIO_free(bio);
  EVP_PKEY_free(pkey);
  ExpectRefused(*signer, SignRaw(other_pem.c_str(), Header("ES256", kKeyId), "{}"),
                "signature does not verify");
}

TEST(TokenSignerTest, RefusesWrongPartCount) {
  std::unique_ptr<TokenSigner> signer = KnownSigner();
  std::vector<std::string> parts = Split(signer->Sign({{"sub", "alice"}}));
  ExpectRefused(*signer, "", "three");
  ExpectRefused(*signer, parts[0] + "." + parts[1], "three");
  ExpectRefused(*signer, parts[0] + "." + parts[1] + "." + parts[2] + ".", "three");
  ExpectRefused(*signer, parts[0] + "." + parts[1] + "." + parts[2] + "." + parts[2], "three");
}

TEST(TokenSignerTest, RefusesBadEncodings) {
  std::unique_ptr<TokenSigner> signer = KnownSigner();
  std::vector<std::string> p = Split(signer->Sign({{"sub", "alice"}}));
  ExpectRefused(*signer, p[0] + "=." + p[1] + "." + p[2], "header is not base64url");
  ExpectRefused(*signer, "e+J9." + p[1] + "." + p[2], "header is not base64url");
  ExpectRefused(*signer, p[0] + "." + p[1] + "." + p[2] + "==", "signature is not base64url");
  ExpectRefused(*signer, Base64UrlEncode("not json") + "." + p[1] + "." + p[2],
                "header is not JSON");
  ExpectRefused(*signer, Base64UrlEncode(R"(["ES256"])") + "." + p[1] + "." + p[2],
                "header is not a JSON object");
  // Tampering with the encoding of a signed payload breaks the signature.
  ExpectRefused(*signer, p[0] + "." + p[1] + "*." + p[2], "signature");
}

TEST(TokenSignerTest, RefusesBadSignatures) {
  std::unique_ptr<TokenSigner> signer = KnownSigner();
  std::vector<std::string> p = Split(signer->Sign({{"sub", "alice"}}));
  std::string head = p[0] + "." + p[1] + ".";
  std::string sig = *Base64UrlDecode(p[2]);
  ExpectRefused(*signer, head, "64 bytes");
  ExpectRefused(*signer, head + Base64UrlEncode(sig.substr(0, 63)), "64 bytes");
  ExpectRefused(*signer, head + Base64UrlEncode(sig + "x"), "64 bytes");
  ExpectRefused(*signer, head + Base64UrlEncode(std::string(64, '\0')), "does not verify");
  for (size_t byte : {0, 31, 32, 63}) {
    std::string flipped = sig;
    flipped[byte] = static_cast<char>(flipped[byte] ^ 1);
    ExpectRefused(*signer, head + Base64UrlEncode(flipped), "does not verify");
  }
  // Swapping r and s is not a valid signature either.
  ExpectRefused(*signer, head + Base64UrlEncode(sig.substr(32) + sig.substr(0, 32)),
                "does not verify");
}

TEST(TokenSignerTest, RefusesTamperedPayload) {
  std::unique_ptr<TokenSigner> signer = KnownSigner();
  std::vector<std::string> p = Split(signer->Sign({{"sub", "alice"}}));
  std::string forged = Base64UrlEncode(R"({"sub":"admin"})");
  ExpectRefused(*signer, p[0] + "." + forged + "." + p[2], "does not verify");
  std::vector<std::string> q = Split(signer->Sign({{"sub", "bob"}}));
  ExpectRefused(*signer, p[0] + "." + q[1] + "." + p[2], "does not verify");
}

TEST(TokenSignerTest, RefusesPayloadThatIsNotAnObject) {
  std::unique_ptr<TokenSigner> signer = KnownSigner();
  for (const char* payload : {"[1]", "\"alice\"", "7", "null"}) {
    ExpectRefused(*signer, SignRaw(kKeyPem, Header("ES256", kKeyId), payload),
                  "payload is not a JSON object");
  }
  ExpectRefused(*signer, SignRaw(kKeyPem, Header("ES256", kKeyId), "{bad"), "payload is not JSON");
}

TEST(TokenSignerTest, SignsAndVerifiesFromManyThreads) {
  std::unique_ptr<TokenSigner> signer = KnownSigner();
  std::atomic<int> verified{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        json claims = {{"t", t}, {"i", i}};
        StatusOr<json> back = signer->Verify(signer->Sign(claims));
        if (back.ok() && *back == claims) ++verified;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(verified.load(), 200);
}

class KeyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char templ[] = "/tmp/cangku_auth_test.XXXXXX";
    ASSERT_NE(mkdtemp(templ), nullptr);
    dir_ = templ;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Write(const std::string& name, const std::string& contents) {
    std::ofstream(dir_ / name) << contents;
  }
  std::filesystem::path dir_;
};

TEST_F(KeyFileTest, CreatesThenLoadsTheSameKey) {
  std::string path = (dir_ / "token.key").string();
  StatusOr<std::unique_ptr<TokenSigner>> first = TokenSigner::LoadOrCreate(path);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // Only the key is left behind: no temporary file.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_), {}), 1);

  StatusOr<std::unique_ptr<TokenSigner>> second = TokenSigner::LoadOrCreate(path);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ((*second)->key_id(), (*first)->key_id());
  EXPECT_TRUE((*second)->Verify((*first)->Sign({{"sub", "alice"}})).ok());
}

TEST_F(KeyFileTest, LoadsAnExistingKey) {
  Write("known.key", kKeyPem);
  StatusOr<std::unique_ptr<TokenSigner>> signer =
      TokenSigner::LoadOrCreate((dir_ / "known.key").string());
  ASSERT_TRUE(signer.ok()) << signer.status().ToString();
  EXPECT_EQ((*signer)->key_id(), kKeyId);
}

TEST_F(KeyFileTest, RefusesFilesWithoutAP256Key) {
  Write("empty.key", "");
  Write("garbage.key", "not a key\n");
  EXPECT_EQ(TokenSigner::LoadOrCreate((dir_ / "empty.key").string()).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(TokenSigner::LoadOrCreate((dir_ / "garbage.key").string()).status().code(),
            StatusCode::kInvalidArgument);
  // The file was there: it must not have been replaced by a fresh key.
  std::ifstream in(dir_ / "garbage.key");
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "not a key");
}

TEST_F(KeyFileTest, MissingDirectoryIsInternal) {
  StatusOr<std::unique_ptr<TokenSigner>> signer =
      TokenSigner::LoadOrCreate((dir_ / "no" / "such" / "token.key").string());
  EXPECT_EQ(signer.status().code(), StatusCode::kInternal);
}

std::string PemOfKey(EVP_PKEY* pkey, const EVP_CIPHER* cipher) {
  BIO* bio = BIO_new(BIO_s_mem());
  const char* pass = "passphrase";
  PEM_write_bio_PrivateKey(bio, pkey, cipher, nullptr, 0, nullptr, const_cast<char*>(pass));
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(n));
  BIO_free(bio);
  EVP_PKEY_free(pkey);
  return pem;
}

TEST(TokenSignerPemTest, RefusesOtherKeys) {
  EXPECT_EQ(TokenSigner::FromPem("").status().code(), StatusCode::kInvalidArgument);
  std::string p384 = PemOfKey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"), nullptr);
  EXPECT_EQ(TokenSigner::FromPem(p384).status().code(), StatusCode::kInvalidArgument);
  std::string ed25519 = PemOfKey(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"), nullptr);
  EXPECT_EQ(TokenSigner::FromPem(ed25519).status().code(), StatusCode::kInvalidArgument);
  // An encrypted key is refused without prompting on the terminal for its pass phrase.
  std::string encrypted =
      PemOfKey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"), EVP_aes_128_cbc());
  ASSERT_NE(encrypted.find("ENCRYPTED"), std::string::npos);
  EXPECT_EQ(TokenSigner::FromPem(encrypted).status().code(), StatusCode::kInvalidArgument);
  // A public key is not a private key.
  EXPECT_EQ(TokenSigner::FromPem(KnownSigner()->PublicKeyPem()).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cangku::auth
