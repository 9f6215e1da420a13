#include "third_party/system/curl_on_demand.h"

#include <curl/curl.h>

#include <cstdarg>

#include "third_party/system/shared_library.h"

namespace latchkey::system {
namespace {

// The libcurl functions Latchkey calls. A function used anywhere in the
// project must be listed here and forwarded below (the link fails
// otherwise, as no -lcurl is given).
struct LibcurlApi {
  decltype(&::curl_global_init) global_init = nullptr;
  decltype(&::curl_easy_init) easy_init = nullptr;
  decltype(&::curl_easy_setopt) easy_setopt = nullptr;
  decltype(&::curl_easy_perform) easy_perform = nullptr;
  decltype(&::curl_easy_getinfo) easy_getinfo = nullptr;
  decltype(&::curl_easy_cleanup) easy_cleanup = nullptr;
  decltype(&::curl_easy_strerror) easy_strerror = nullptr;
  decltype(&::curl_slist_append) slist_append = nullptr;
  decltype(&::curl_slist_free_all) slist_free_all = nullptr;
  decltype(&::curl_url) url = nullptr;
  decltype(&::curl_url_set) url_set = nullptr;
  decltype(&::curl_url_get) url_get = nullptr;
  decltype(&::curl_url_cleanup) url_cleanup = nullptr;
  decltype(&::curl_free) free = nullptr;
};

struct Loaded {
  absl::Status status;
  LibcurlApi api;
};

const Loaded& Load() {
  static const Loaded* const loaded = [] {
    auto* result = new Loaded;
    LibcurlApi& api = result->api;
    result->status = OpenSharedLibrary(
        "libcurl.so.4", "libcurl4",
        {Slot("curl_global_init", api.global_init),
         Slot("curl_easy_init", api.easy_init),
         Slot("curl_easy_setopt", api.easy_setopt),
         Slot("curl_easy_perform", api.easy_perform),
         Slot("curl_easy_getinfo", api.easy_getinfo),
         Slot("curl_easy_cleanup", api.easy_cleanup),
         Slot("curl_easy_strerror", api.easy_strerror),
         Slot("curl_slist_append", api.slist_append),
         Slot("curl_slist_free_all", api.slist_free_all),
         Slot("curl_url", api.url), Slot("curl_url_set", api.url_set),
         Slot("curl_url_get", api.url_get),
         Slot("curl_url_cleanup", api.url_cleanup),
         Slot("curl_free", api.free)});
    return result;
  }();
  return *loaded;
}

// The loaded functions, or nullptr when libcurl could not be loaded.
const LibcurlApi* Api() {
  const Loaded& loaded = Load();
  return loaded.status.ok() ? &loaded.api : nullptr;
}

}  // namespace

absl::Status LoadLibcurl() { return Load().status; }

}  // namespace latchkey::system

// The forwarders. Names in parentheses: curl.h defines curl_easy_setopt and
// curl_easy_getinfo as function-like macros too.
using latchkey::system::Api;

extern "C" {

CURLcode(curl_global_init)(long flags) {
  const auto* api = Api();
  return api == nullptr ? CURLE_FAILED_INIT : api->global_init(flags);
}

CURL*(curl_easy_init)(void) {
  const auto* api = Api();
  return api == nullptr ? nullptr : api->easy_init();
}

// libcurl reads the one argument after the option by the option's type,
// which its number encodes (CURLOPTTYPE_* is a multiple of 10000 added to
// a number below 10000); it is read here the same way and passed on.
CURLcode(curl_easy_setopt)(CURL* handle, CURLoption option, ...) {
  const auto* api = Api();
  if (api == nullptr) return CURLE_FAILED_INIT;
  using AnyFunction = void (*)();
  va_list arguments;
  va_start(arguments, option);
  CURLcode code = CURLE_UNKNOWN_OPTION;
  switch (option / 10000 * 10000) {
    case CURLOPTTYPE_LONG:
      code = api->easy_setopt(handle, option, va_arg(arguments, long));
      break;
    case CURLOPTTYPE_OBJECTPOINT:
    case CURLOPTTYPE_BLOB:
      code = api->easy_setopt(handle, option, va_arg(arguments, void*));
      break;
    case CURLOPTTYPE_FUNCTIONPOINT:
      code = api->easy_setopt(handle, option, va_arg(arguments, AnyFunction));
      break;
    case CURLOPTTYPE_OFF_T:
      code = api->easy_setopt(handle, option, va_arg(arguments, curl_off_t));
      break;
    default:
      break;
  }
  va_end(arguments);
  return code;
}

CURLcode(curl_easy_perform)(CURL* handle) {
  const auto* api = Api();
  return api == nullptr ? CURLE_FAILED_INIT : api->easy_perform(handle);
}

// Every CURLINFO takes one pointer to where the answer goes.
CURLcode(curl_easy_getinfo)(CURL* handle, CURLINFO info, ...) {
  const auto* api = Api();
  if (api == nullptr) return CURLE_FAILED_INIT;
  va_list arguments;
  va_start(arguments, info);
  void* out = va_arg(arguments, void*);
  va_end(arguments);
  return api->easy_getinfo(handle, info, out);
}

void(curl_easy_cleanup)(CURL* handle) {
  if (const auto* api = Api()) api->easy_cleanup(handle);
}

const char*(curl_easy_strerror)(CURLcode code) {
  const auto* api = Api();
  return api == nullptr ? "libcurl.so.4 could not be loaded"
                        : api->easy_strerror(code);
}

curl_slist*(curl_slist_append)(curl_slist* list, const char* text) {
  const auto* api = Api();
  return api == nullptr ? nullptr : api->slist_append(list, text);
}

void(curl_slist_free_all)(curl_slist* list) {
  if (const auto* api = Api()) api->slist_free_all(list);
}

CURLU*(curl_url)(void) {
  const auto* api = Api();
  return api == nullptr ? nullptr : api->url();
}

CURLUcode(curl_url_set)(CURLU* url, CURLUPart part, const char* text,
                        unsigned int flags) {
  const auto* api = Api();
  return api == nullptr ? CURLUE_OUT_OF_MEMORY
                        : api->url_set(url, part, text, flags);
}

CURLUcode(curl_url_get)(CURLU* url, CURLUPart part, char** text,
                        unsigned int flags) {
  const auto* api = Api();
  if (api == nullptr) {
    if (text != nullptr) *text = nullptr;
    return CURLUE_OUT_OF_MEMORY;
  }
  return api->url_get(url, part, text, flags);
}

void(curl_url_cleanup)(CURLU* url) {
  if (const auto* api = Api()) api->url_cleanup(url);
}

void(curl_free)(void* pointer) {
  if (const auto* api = Api()) api->free(pointer);
}

}  // extern "C"
