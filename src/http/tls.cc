#include "http/tls.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

namespace cangku::http {
namespace {

// TLS 1.2 suites with forward secrecy and authenticated encryption only, best first (the TLS 1.3
// suites are all of that kind). AES-128 first, as Mozilla's "intermediate" profile has it: as
// safe, and a third cheaper than AES-256 for the blobs this server sends.
constexpr const char* kTls13Ciphers =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<FILE, FileCloser>;

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

// The reason of the first error OpenSSL queued (the later ones only add context); clears the
// queue.
std::string OpenSslReason() {
  unsigned long e = ERR_peek_error();
  const char* reason = e ? ERR_reason_error_string(e) : nullptr;
  ERR_clear_error();
  return reason ? reason : "unknown OpenSSL error";
}

StatusOr<File> Open(const std::string& what, const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) {
    return InvalidArgumentError("cannot read " + what + " " + path + ": " + std::strerror(errno));
  }
  return File(f);
}

// Never prompts for a passphrase on the terminal: encrypted keys are refused.
int NoPassphrase(char*, int, int, void*) { return -1; }

Status UseCertificateAndKey(SSL_CTX* ctx, const std::string& cert, const std::string& key) {
  RETURN_IF_ERROR(Open("TLS certificate", cert).status());
  if (SSL_CTX_use_certificate_chain_file(ctx, cert.c_str()) != 1) {
    return InvalidArgumentError("TLS certificate " + cert +
                                " is not a PEM certificate chain: " + OpenSslReason());
  }
  ASSIGN_OR_RETURN(File key_file, Open("TLS key", key));
  std::unique_ptr<EVP_PKEY, PkeyFree> pkey(
      PEM_read_PrivateKey(key_file.get(), nullptr, NoPassphrase, nullptr));
  if (!pkey) {
    return InvalidArgumentError("TLS key " + key +
                                " is not an unencrypted PEM private key: " + OpenSslReason());
  }
  if (SSL_CTX_use_PrivateKey(ctx, pkey.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    return InvalidArgumentError("TLS key " + key + " does not match the certificate " + cert +
                                ": " + OpenSslReason());
  }
  return OkStatus();
}

// Requires a client certificate that verifies against the CAs in `ca`, and names those CAs in
// the certificate request so that clients can pick the right certificate.
Status RequireClientCertificates(SSL_CTX* ctx, const std::string& ca) {
  RETURN_IF_ERROR(Open("TLS client CA file", ca).status());
  if (SSL_CTX_load_verify_locations(ctx, ca.c_str(), nullptr) != 1) {
    return InvalidArgumentError("TLS client CA file " + ca +
                                " holds no PEM certificate: " + OpenSslReason());
  }
  STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(ca.c_str());
  ERR_clear_error();
  if (names) SSL_CTX_set_client_CA_list(ctx, names);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  return OkStatus();
}

Status Configure(SSL_CTX* ctx, const ServerOptions& options) {
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(
      ctx, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1 ||
      SSL_CTX_set_ciphersuites(ctx, kTls13Ciphers) != 1) {
    return InternalError("TLS cipher list: " + OpenSslReason());
  }
  // Resumed sessions must be tied to this server, or OpenSSL refuses them once client
  // certificates are verified.
  static constexpr unsigned char kSessionContext[] = "cangku";
  SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof kSessionContext - 1);
  RETURN_IF_ERROR(UseCertificateAndKey(ctx, options.tls_cert_file, options.tls_key_file));
  if (!options.tls_client_ca_file.empty()) {
    RETURN_IF_ERROR(RequireClientCertificates(ctx, options.tls_client_ca_file));
  }
  return OkStatus();
}

}  // namespace

StatusOr<std::unique_ptr<ssl::context>> MakeServerTlsContext(const ServerOptions& options) {
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return InvalidArgumentError("TLS needs both a certificate and a key file");
  }
  if (options.tls_cert_file.empty()) {
    return InvalidArgumentError("a TLS client CA needs a certificate and key for the server");
  }
  std::unique_ptr<ssl::context> context;
  try {
    context = std::make_unique<ssl::context>(ssl::context::tls_server);
  } catch (const std::exception& e) {
    return InternalError(std::string("TLS context: ") + e.what());
  }
  ERR_clear_error();
  Status s = Configure(context->native_handle(), options);
  ERR_clear_error();
  if (!s.ok()) return s;
  return context;
}

}  // namespace cangku::http
