#include "crypto/strict_json.h"

#include <cstddef>
#include <cstdint>
#include <string>

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

namespace {

using json = nlohmann::json;

// nlohmann's own tree builder, with the events counted on the way: member
// names (to find duplicates afterwards) and open containers (depth). A
// forwarding SAX handler rather than parse()'s callback form, which calls a
// std::function for every token and kept a set of names per object: that
// cost more than the rest of a token check.
class CountingTreeBuilder {
 public:
  explicit CountingTreeBuilder(json& result)
      : tree_(result, /*allow_exceptions_=*/false) {}

  bool null() { return Value() && tree_.null(); }
  bool boolean(bool value) { return Value() && tree_.boolean(value); }
  bool number_integer(json::number_integer_t value) {
    return Value() && tree_.number_integer(value);
  }
  bool number_unsigned(json::number_unsigned_t value) {
    return Value() && tree_.number_unsigned(value);
  }
  bool number_float(json::number_float_t value, const json::string_t& text) {
    return Value() && tree_.number_float(value, text);
  }
  bool string(json::string_t& value) { return Value() && tree_.string(value); }
  bool binary(json::binary_t& value) { return Value() && tree_.binary(value); }
  bool start_object(std::size_t size) {
    return Open() && tree_.start_object(size);
  }
  bool key(json::string_t& name) {
    ++member_names_;
    return Value() && tree_.key(name);
  }
  bool end_object() {
    --open_;
    return tree_.end_object();
  }
  bool start_array(std::size_t size) {
    return Open() && tree_.start_array(size);
  }
  bool end_array() {
    --open_;
    return tree_.end_array();
  }
  bool parse_error(std::size_t position, const std::string& token,
                   const nlohmann::detail::exception& error) {
    return tree_.parse_error(position, token, error);
  }

  bool errored() const { return tree_.is_errored(); }
  bool too_deep() const { return too_deep_; }
  size_t member_names() const { return member_names_; }

 private:
  // The depths parse()'s callback reported: containers open around a
  // value or name, and those open before a new container starts.
  bool Value() {
    if (open_ > kMaxJsonDepth) too_deep_ = true;
    return !too_deep_;
  }
  bool Open() {
    const bool ok = Value();
    ++open_;
    return ok;
  }

  nlohmann::detail::json_sax_dom_parser<json> tree_;
  int open_ = 0;
  bool too_deep_ = false;
  size_t member_names_ = 0;
};

// Members of every object in `value`, nested ones included.
size_t MembersIn(const json& value) {
  size_t members = 0;
  if (value.is_object()) members += value.size();
  if (value.is_structured()) {
    for (const json& child : value) members += MembersIn(child);
  }
  return members;
}

}  // namespace

absl::StatusOr<nlohmann::json> ParseStrictJsonObject(std::string_view text) {
  // nlohmann skips a leading byte-order mark; a token never has one, so a
  // BOM means the text was not produced by a JWT library.
  if (text.substr(0, 3) == "\xEF\xBB\xBF") {
    return absl::InvalidArgumentError("byte-order mark in JSON");
  }
  json result;
  CountingTreeBuilder builder(result);
  const bool parsed = json::sax_parse(text.begin(), text.end(), &builder,
                                      nlohmann::detail::input_format_t::json,
                                      /*strict=*/true,
                                      /*ignore_comments=*/false);
  if (builder.too_deep()) {
    return absl::InvalidArgumentError("JSON nested too deeply");
  }
  if (!parsed || builder.errored()) {
    return absl::InvalidArgumentError("malformed JSON");
  }
  // The tree keeps one member per name: fewer members than names read
  // means a name came twice in some object.
  if (MembersIn(result) != builder.member_names()) {
    return absl::InvalidArgumentError("duplicate JSON member name");
  }
  if (!result.is_object()) {
    return absl::InvalidArgumentError("JSON value is not an object");
  }
  return result;
}

}  // namespace latchkey::crypto
