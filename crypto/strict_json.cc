#include "crypto/strict_json.h"

#include <cstdint>
#include <set>
#include <vector>

#include "absl/status/status.h"

namespace latchkey::crypto {
namespace {

// Length of the UTF-8 sequence starting at text[i], or 0 if it is not a
// well-formed sequence (overlong forms, surrogates and values above
// U+10FFFF included, per RFC 3629).
size_t Utf8SequenceLength(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) -> uint8_t {
    return static_cast<uint8_t>(text[k]);
  };
  uint8_t b0 = byte(i);
  if (b0 < 0x80) return 1;
  size_t len;
  uint8_t lo = 0x80, hi = 0xbf;  // Allowed range of the second byte.
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    len = 2;
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    len = 3;
    if (b0 == 0xe0) lo = 0xa0;  // Overlong.
    if (b0 == 0xed) hi = 0x9f;  // Surrogates.
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    len = 4;
    if (b0 == 0xf0) lo = 0x90;  // Overlong.
    if (b0 == 0xf4) hi = 0x8f;  // Above U+10FFFF.
  } else {
    return 0;
  }
  if (i + len > text.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (size_t k = 2; k < len; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xbf) return 0;
  }
  return len;
}

}  // namespace

absl::StatusOr<std::string> JsonStringifyString(std::string_view utf8) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(utf8.size() + 2);
  out.push_back('"');
  for (size_t i = 0; i < utf8.size();) {
    size_t len = Utf8SequenceLength(utf8, i);
    if (len == 0) return absl::InvalidArgumentError("invalid UTF-8");
    if (len > 1) {
      out.append(utf8.substr(i, len));
      i += len;
      continue;
    }
    char c = utf8[i++];
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\b':
        out.append("\\b");
        break;
      case '\f':
        out.append("\\f");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        if (static_cast<uint8_t>(c) < 0x20) {
          out.append("\\u00");
          out.push_back(kHex[static_cast<uint8_t>(c) >> 4]);
          out.push_back(kHex[static_cast<uint8_t>(c) & 15]);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
  return out;
}

absl::StatusOr<nlohmann::json> ParseStrictJsonObject(std::string_view text) {
  using json = nlohmann::json;
  // One set of member names per open object; arrays push nothing, so the top
  // of the stack is always the object that owns the next key.
  std::vector<std::set<std::string>> open_objects;
  bool duplicate = false;
  bool too_deep = false;
  // nlohmann skips a leading byte-order mark; a token never has one, so a
  // BOM means the text was not produced by a JWT library.
  if (text.substr(0, 3) == "\xEF\xBB\xBF") {
    return absl::InvalidArgumentError("byte-order mark in JSON");
  }
  json::parser_callback_t callback = [&](int depth, json::parse_event_t event,
                                         json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
        open_objects.emplace_back();
        break;
      case json::parse_event_t::object_end:
        if (!open_objects.empty()) open_objects.pop_back();
        break;
      case json::parse_event_t::key:
        if (!open_objects.empty() &&
            !open_objects.back().insert(parsed.get<std::string>()).second) {
          duplicate = true;
        }
        break;
      default:
        break;
    }
    if (depth > kMaxJsonDepth) too_deep = true;
    return true;
  };
  json result = json::parse(text.begin(), text.end(), callback,
                            /*allow_exceptions=*/false,
                            /*ignore_comments=*/false);
  if (result.is_discarded()) {
    return absl::InvalidArgumentError("malformed JSON");
  }
  if (duplicate) {
    return absl::InvalidArgumentError("duplicate JSON member name");
  }
  if (too_deep) return absl::InvalidArgumentError("JSON nested too deeply");
  if (!result.is_object()) {
    return absl::InvalidArgumentError("JSON value is not an object");
  }
  return result;
}

}  // namespace latchkey::crypto
