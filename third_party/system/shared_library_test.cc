#include "third_party/system/shared_library.h"

#include <curl/curl.h>
#include <postgresql/libpq-fe.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "third_party/system/curl_on_demand.h"
#include "third_party/system/libpq_on_demand.h"

namespace latchkey::system {
namespace {

using ::testing::HasSubstr;

using CompressBound = unsigned long (*)(unsigned long);  // zlib's

TEST(SharedLibraryTest, AMissingLibraryNamesItselfAndItsPackage) {
  CompressBound bound = nullptr;
  absl::Status status = OpenSharedLibrary("libnot-there.so.7", "libnot-there7",
                                          {Slot("compressBound", bound)});
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("libnot-there.so.7"));
  EXPECT_THAT(status.message(), HasSubstr("libnot-there7"));
  EXPECT_EQ(bound, nullptr);
}

TEST(SharedLibraryTest, AMissingFunctionFailsTheWholeLoad) {
  CompressBound bound = nullptr;
  CompressBound missing = nullptr;
  absl::Status status =
      OpenSharedLibrary("libz.so.1", "zlib1g",
                        {Slot("compressBound", bound),
                         Slot("latchkey_no_such_function", missing)});
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("latchkey_no_such_function"));
  // All or nothing: the symbol that did resolve was not handed out either.
  EXPECT_EQ(bound, nullptr);
  EXPECT_EQ(missing, nullptr);
}

TEST(SharedLibraryTest, ResolvesCallableFunctions) {
  CompressBound bound = nullptr;
  ASSERT_TRUE(
      OpenSharedLibrary("libz.so.1", "zlib1g", {Slot("compressBound", bound)})
          .ok());
  ASSERT_NE(bound, nullptr);
  EXPECT_GT(bound(1000), 1000u);
}

TEST(LibpqOnDemandTest, LoadsAndForwards) {
  ASSERT_TRUE(LoadLibpq().ok()) << LoadLibpq();
  EXPECT_TRUE(LoadLibpq().ok());  // the same answer every time

  char* error = nullptr;
  PQconninfoOption* options =
      PQconninfoParse("host=db.internal port=6543", &error);
  ASSERT_NE(options, nullptr);
  std::string port;
  for (PQconninfoOption* option = options; option->keyword != nullptr;
       ++option) {
    if (std::string(option->keyword) == "port" && option->val != nullptr) {
      port = option->val;
    }
  }
  PQconninfoFree(options);
  EXPECT_EQ(port, "6543");

  options = PQconninfoParse("host", &error);
  EXPECT_EQ(options, nullptr);
  ASSERT_NE(error, nullptr);
  PQfreemem(error);
}

TEST(LibpqOnDemandTest, AFailedConnectionReportsThroughTheForwarders) {
  // Port 1 on loopback: refused at once, no server needed.
  PGconn* connection =
      PQconnectdb("host=127.0.0.1 port=1 connect_timeout=2 dbname=x user=x");
  ASSERT_NE(connection, nullptr);
  EXPECT_EQ(PQstatus(connection), CONNECTION_BAD);
  EXPECT_THAT(std::string(PQerrorMessage(connection)), HasSubstr("127.0.0.1"));
  PQfinish(connection);
}

TEST(LibcurlOnDemandTest, LoadsAndForwardsUrlParsing) {
  ASSERT_TRUE(LoadLibcurl().ok()) << LoadLibcurl();
  CURLU* url = curl_url();
  ASSERT_NE(url, nullptr);
  ASSERT_EQ(curl_url_set(url, CURLUPART_URL, "https://Example.COM:8443/a?b", 0),
            CURLUE_OK);
  char* host = nullptr;
  ASSERT_EQ(curl_url_get(url, CURLUPART_HOST, &host, 0), CURLUE_OK);
  EXPECT_STREQ(host, "Example.COM");
  curl_free(host);
  char* port = nullptr;
  ASSERT_EQ(curl_url_get(url, CURLUPART_PORT, &port, 0), CURLUE_OK);
  EXPECT_STREQ(port, "8443");
  curl_free(port);
  curl_url_cleanup(url);
}

size_t DiscardBody(char*, size_t size, size_t count, void*) {
  return size * count;
}

TEST(LibcurlOnDemandTest, SetoptPassesEveryKindOfArgument) {
  CURL* handle = curl_easy_init();
  ASSERT_NE(handle, nullptr);
  EXPECT_EQ(curl_easy_setopt(handle, CURLOPT_TIMEOUT, 5L), CURLE_OK);
  EXPECT_EQ(curl_easy_setopt(handle, CURLOPT_URL, "https://example.com/"),
            CURLE_OK);
  EXPECT_EQ(curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, &DiscardBody),
            CURLE_OK);
  EXPECT_EQ(curl_easy_setopt(handle, CURLOPT_MAXFILESIZE_LARGE,
                             static_cast<curl_off_t>(1) << 20),
            CURLE_OK);
  // libcurl checks values, so a wrongly forwarded argument shows: a
  // negative size is refused, a string where a long belongs would not be.
  EXPECT_EQ(curl_easy_setopt(handle, CURLOPT_MAXFILESIZE_LARGE,
                             static_cast<curl_off_t>(-1)),
            CURLE_BAD_FUNCTION_ARGUMENT);
  EXPECT_EQ(curl_easy_setopt(handle, CURLOPT_USE_SSL, 99L),
            CURLE_BAD_FUNCTION_ARGUMENT);
  EXPECT_EQ(curl_easy_setopt(handle, static_cast<CURLoption>(90000), 0L),
            CURLE_UNKNOWN_OPTION);

  long code = -1;
  EXPECT_EQ(curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &code), CURLE_OK);
  EXPECT_EQ(code, 0);  // nothing transferred yet
  EXPECT_STRNE(curl_easy_strerror(CURLE_OK), "");
  curl_easy_cleanup(handle);

  curl_slist* headers = curl_slist_append(nullptr, "x-one: 1");
  headers = curl_slist_append(headers, "x-two: 2");
  ASSERT_NE(headers, nullptr);
  EXPECT_STREQ(headers->next->data, "x-two: 2");
  curl_slist_free_all(headers);
}

}  // namespace
}  // namespace latchkey::system
