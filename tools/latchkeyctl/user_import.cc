#include "tools/latchkeyctl/user_import.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "identity/v1/user.grpc.pb.h"

namespace latchkey::ctl {
namespace {

using namespace identity::v1;  // NOLINT: message names read better bare

// One CSV line, with "quoted, fields" and "" for a quote.
std::vector<std::string> SplitCsv(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
      fields.back() += '"';
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

// A CSV row as the JSON object ImportedUser reads (empty cells unset;
// true/false and numbers as they are).
std::string CsvRowAsJson(const std::vector<std::string>& header,
                         const std::vector<std::string>& cells) {
  google::protobuf::Struct row;
  for (size_t i = 0; i < header.size() && i < cells.size(); ++i) {
    if (cells[i].empty()) continue;
    auto& value = (*row.mutable_fields())[header[i]];
    double number;
    if (cells[i] == "true" || cells[i] == "false") {
      value.set_bool_value(cells[i] == "true");
    } else if (header[i] == "signed_up_at_millis" &&
               absl::SimpleAtod(cells[i], &number)) {
      value.set_number_value(number);
    } else {
      value.set_string_value(cells[i]);
    }
  }
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(row, &json);
  return json;
}

// A bar on stderr, redrawn in place (only on a terminal).
void ShowProgress(size_t done, size_t total) {
  constexpr size_t kWidth = 30;
  const size_t filled = total == 0 ? kWidth : done * kWidth / total;
  std::cerr << "\r[" << std::string(filled, '#')
            << std::string(kWidth - filled, '.') << "] " << done << "/" << total
            << " rows" << std::flush;
}

}  // namespace

int ImportUsers(const Invocation& in, const std::string& path) {
  if (path.empty()) return Usage("users import needs a FILE");
  std::ifstream file(path);
  if (!file) return Usage(absl::StrCat("cannot read ", path));
  const bool csv = absl::EndsWith(path, ".csv");
  ImportUsersResponse summary;
  std::vector<std::pair<int, ImportedUser>> rows;
  std::vector<std::string> header;
  std::string text;
  int line_number = 0;
  while (std::getline(file, text)) {
    ++line_number;
    if (absl::StripAsciiWhitespace(text).empty()) continue;
    if (csv && header.empty()) {
      header = SplitCsv(std::string(absl::StripAsciiWhitespace(text)));
      continue;
    }
    const std::string json =
        csv ? CsvRowAsJson(
                  header,
                  SplitCsv(std::string(absl::StripAsciiWhitespace(text))))
            : text;
    ImportedUser user;
    if (!google::protobuf::util::JsonStringToMessage(json, &user).ok()) {
      auto* failed = summary.add_items();
      failed->set_index(line_number);
      failed->set_outcome("failed");
      failed->set_error_code("SCHEMA_ERROR");
      failed->set_error_message(
          "not an ImportedUser object (unknown field or wrong type)");
      summary.set_failed_count(summary.failed_count() + 1);
      continue;
    }
    rows.emplace_back(line_number, std::move(user));
  }
  auto stub = UserService::NewStub(in.connection().channel());
  const bool progress = ::isatty(2) && !in.output().json;
  constexpr size_t kBatch = 1000;
  if (progress) ShowProgress(0, rows.size());
  for (size_t start = 0; start < rows.size(); start += kBatch) {
    ImportUsersRequest request;
    const size_t end = std::min(rows.size(), start + kBatch);
    for (size_t i = start; i < end; ++i) {
      *request.add_users() = rows[i].second;
    }
    ImportUsersResponse response;
    std::unique_ptr<grpc::ClientContext> context =
        in.connection().Context(Access::kServer);
    grpc::Status status = stub->ImportUsers(context.get(), request, &response);
    if (!status.ok()) return in.Fail(status);
    for (const auto& result : response.items()) {
      if (result.outcome() != "failed") continue;
      auto* failed = summary.add_items();
      *failed = result;
      failed->set_index(rows[start + result.index()].first);
    }
    summary.set_created_count(summary.created_count() +
                              response.created_count());
    summary.set_updated_count(summary.updated_count() +
                              response.updated_count());
    summary.set_failed_count(summary.failed_count() + response.failed_count());
    if (progress) ShowProgress(end, rows.size());
  }
  if (progress) std::cerr << "\n";
  if (in.output().json) {
    PrintMessage(summary, in.output());
  } else {
    std::cout << "created " << summary.created_count() << ", updated "
              << summary.updated_count() << ", failed "
              << summary.failed_count() << "\n";
    for (const auto& failed : summary.items()) {
      std::cout << path << ":" << failed.index() << ": " << failed.error_code()
                << ": " << failed.error_message() << "\n";
    }
  }
  return summary.failed_count() > 0 ? kExitRefused : kExitOk;
}

}  // namespace latchkey::ctl
