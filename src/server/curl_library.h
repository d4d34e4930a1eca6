#pragma once

#include <curl/curl.h>

#include <memory>

#include "common/status.h"

namespace cangku::server {

// libcurl, loaded with dlopen(3) when a command first needs it instead of linked: linked, it
// brings about 25 libraries (GnuTLS, Kerberos, LDAP, p11-kit, ...) into every process, the
// serving registry included, where they were a third of its idle memory (about 5 MiB). Only the
// functions the CLI uses. Unloaded on destruction.
class CurlLibrary {
 public:
  // Errors: kUnavailable when libcurl (libcurl.so.4) is not installed or lacks a function.
  static StatusOr<std::unique_ptr<CurlLibrary>> Load();
  ~CurlLibrary();
  CurlLibrary(const CurlLibrary&) = delete;
  CurlLibrary& operator=(const CurlLibrary&) = delete;

  decltype(&curl_global_init) global_init = nullptr;
  decltype(&curl_easy_init) easy_init = nullptr;
  decltype(&curl_easy_setopt) easy_setopt = nullptr;
  decltype(&curl_easy_perform) easy_perform = nullptr;
  decltype(&curl_easy_getinfo) easy_getinfo = nullptr;
  decltype(&curl_easy_strerror) easy_strerror = nullptr;
  decltype(&curl_easy_cleanup) easy_cleanup = nullptr;
  decltype(&curl_slist_append) slist_append = nullptr;
  decltype(&curl_slist_free_all) slist_free_all = nullptr;

 private:
  explicit CurlLibrary(void* handle) : handle_(handle) {}
  void* handle_;
};

}  // namespace cangku::server
