#include "server/curl_library.h"

#include <dlfcn.h>

#include <string>

namespace cangku::server {
namespace {

template <typename F>
Status Bind(void* handle, const char* name, F* function) {
  *function = reinterpret_cast<F>(::dlsym(handle, name));
  if (*function == nullptr) return UnavailableError(std::string("libcurl lacks ") + name);
  return OkStatus();
}

}  // namespace

StatusOr<std::unique_ptr<CurlLibrary>> CurlLibrary::Load() {
  void* handle = ::dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = ::dlerror();
    return UnavailableError(std::string("cannot load libcurl (install libcurl4): ") +
                            (why ? why : "unknown error"));
  }
  std::unique_ptr<CurlLibrary> lib(new CurlLibrary(handle));
  RETURN_IF_ERROR(Bind(handle, "curl_global_init", &lib->global_init));
  RETURN_IF_ERROR(Bind(handle, "curl_easy_init", &lib->easy_init));
  RETURN_IF_ERROR(Bind(handle, "curl_easy_setopt", &lib->easy_setopt));
  RETURN_IF_ERROR(Bind(handle, "curl_easy_perform", &lib->easy_perform));
  RETURN_IF_ERROR(Bind(handle, "curl_easy_getinfo", &lib->easy_getinfo));
  RETURN_IF_ERROR(Bind(handle, "curl_easy_strerror", &lib->easy_strerror));
  RETURN_IF_ERROR(Bind(handle, "curl_easy_cleanup", &lib->easy_cleanup));
  RETURN_IF_ERROR(Bind(handle, "curl_slist_append", &lib->slist_append));
  RETURN_IF_ERROR(Bind(handle, "curl_slist_free_all", &lib->slist_free_all));
  return lib;
}

CurlLibrary::~CurlLibrary() { ::dlclose(handle_); }

}  // namespace cangku::server
