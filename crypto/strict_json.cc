#include "crypto/strict_json.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
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

namespace {

// Appends to a std::string through a pointer into storage it has made room
// for: std::string::push_back and append are not inlined (libstdc++
// instantiates them out of line), and a call per character or delimiter
// was most of a claims serialisation. Finish() trims the string to what was
// written.
class Writer {
 public:
  explicit Writer(std::string* out) : out_(out), len_(out->size()) {
    out_->resize(std::max(out_->capacity(), len_ + 64));
  }

  // Room for `n` more bytes; the pointer is valid until the next call.
  char* Reserve(size_t n) {
    if (len_ + n > out_->size()) {
      out_->resize(std::max(out_->size() * 2, len_ + n));
    }
    return out_->data() + len_;
  }
  // Marks `n` bytes written at Reserve()'s pointer.
  void Advance(size_t n) { len_ += n; }

  void Put(char c) {
    *Reserve(1) = c;
    ++len_;
  }
  void Put(std::string_view text) {
    std::memcpy(Reserve(text.size()), text.data(), text.size());
    len_ += text.size();
  }

  void Finish() { out_->resize(len_); }

 private:
  std::string* out_;
  size_t len_;
};

// Bytes added by escaping each ASCII byte: 1 for \" \\ \b \f \n \r \t, 5 for
// the other controls (\u00xx), 0 for the rest.
constexpr std::array<uint8_t, 128> kEscapeExtra = [] {
  std::array<uint8_t, 128> extra{};
  for (int c = 0; c < 0x20; ++c) extra[c] = 5;
  for (char c : {'"', '\\', '\b', '\f', '\n', '\r', '\t'}) extra[c] = 1;
  return extra;
}();

// True if any of the 8 bytes packed in `word` needs a look of its own: a
// control character, '"', '\\' or a byte of a multi-byte UTF-8 sequence.
// The tests are the usual "some byte is zero / below n" bit tricks, exact
// for whether any byte matches (not for which one), which is all this
// answers.
bool NeedsAttention(uint64_t word) {
  constexpr uint64_t kOnes = 0x0101010101010101;
  constexpr uint64_t kHighBits = 0x8080808080808080;
  const uint64_t quote = word ^ (kOnes * '"');
  const uint64_t backslash = word ^ (kOnes * '\\');
  const uint64_t has_quote = (quote - kOnes) & ~quote;
  const uint64_t has_backslash = (backslash - kOnes) & ~backslash;
  const uint64_t has_control = (word - kOnes * 0x20) & ~word;
  return ((has_quote | has_backslash | has_control | word) & kHighBits) != 0;
}

// Writes `utf8` escaped as JsonStringifyString describes, quotes included;
// false if it is not valid UTF-8. Validates and measures first, 8 bytes at
// a time where they are plain ASCII, so that text needing no escapes
// (nearly every claim) is checked quickly and copied in one piece.
bool WriteJsonString(std::string_view utf8, Writer& writer) {
  static constexpr char kHex[] = "0123456789abcdef";
  const auto* src = reinterpret_cast<const uint8_t*>(utf8.data());
  size_t extra = 0;
  for (size_t i = 0; i < utf8.size();) {
    if (i + 8 <= utf8.size()) {
      uint64_t word;
      std::memcpy(&word, src + i, sizeof(word));
      if (!NeedsAttention(word)) {
        i += 8;
        continue;
      }
    }
    if (src[i] < 0x80) {
      extra += kEscapeExtra[src[i]];
      ++i;
      continue;
    }
    const size_t len = Utf8SequenceLength(utf8, i);
    if (len == 0) return false;
    i += len;
  }
  char* const start = writer.Reserve(utf8.size() + extra + 2);
  char* dst = start;
  *dst++ = '"';
  if (extra == 0) {
    std::memcpy(dst, src, utf8.size());
    dst += utf8.size();
  } else {
    for (size_t i = 0; i < utf8.size(); ++i) {
      const uint8_t b = src[i];
      if (b >= 0x80 || kEscapeExtra[b] == 0) {
        *dst++ = static_cast<char>(b);
        continue;
      }
      *dst++ = '\\';
      switch (b) {
        case '"':
        case '\\':
          *dst++ = static_cast<char>(b);
          break;
        case '\b':
          *dst++ = 'b';
          break;
        case '\f':
          *dst++ = 'f';
          break;
        case '\n':
          *dst++ = 'n';
          break;
        case '\r':
          *dst++ = 'r';
          break;
        case '\t':
          *dst++ = 't';
          break;
        default:
          *dst++ = 'u';
          *dst++ = '0';
          *dst++ = '0';
          *dst++ = kHex[b >> 4];
          *dst++ = kHex[b & 15];
      }
    }
  }
  *dst++ = '"';
  writer.Advance(static_cast<size_t>(dst - start));
  return true;
}

bool WriteCompact(const nlohmann::ordered_json& value, Writer& out) {
  using ordered_json = nlohmann::ordered_json;
  switch (value.type()) {
    case ordered_json::value_t::object: {
      const auto& object = value.get_ref<const ordered_json::object_t&>();
      out.Put('{');
      bool first = true;
      for (const auto& [name, member] : object) {
        if (!first) out.Put(',');
        first = false;
        if (!WriteJsonString(name, out)) return false;
        out.Put(':');
        if (!WriteCompact(member, out)) return false;
      }
      out.Put('}');
      return true;
    }
    case ordered_json::value_t::array: {
      const auto& array = value.get_ref<const ordered_json::array_t&>();
      out.Put('[');
      bool first = true;
      for (const ordered_json& element : array) {
        if (!first) out.Put(',');
        first = false;
        if (!WriteCompact(element, out)) return false;
      }
      out.Put(']');
      return true;
    }
    case ordered_json::value_t::string:
      return WriteJsonString(value.get_ref<const std::string&>(), out);
    case ordered_json::value_t::boolean:
      out.Put(value.get<bool>() ? "true" : "false");
      return true;
    case ordered_json::value_t::null:
      out.Put("null");
      return true;
    case ordered_json::value_t::number_integer:
    case ordered_json::value_t::number_unsigned: {
      char digits[24];
      const std::to_chars_result end =
          value.is_number_unsigned()
              ? std::to_chars(digits, digits + sizeof(digits),
                              value.get<ordered_json::number_unsigned_t>())
              : std::to_chars(digits, digits + sizeof(digits),
                              value.get<ordered_json::number_integer_t>());
      out.Put(std::string_view(digits, static_cast<size_t>(end.ptr - digits)));
      return true;
    }
    default:
      // Floating-point numbers (nlohmann's shortest round-trip form, which
      // is not worth reproducing), binary values and discarded ones: the
      // library's own output, which involves no strings to escape.
      out.Put(value.dump());
      return true;
  }
}

}  // namespace

absl::StatusOr<std::string> JsonStringifyString(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size() + 2);
  if (absl::Status status = AppendJsonStringifiedString(utf8, &out);
      !status.ok()) {
    return status;
  }
  return out;
}

absl::Status AppendJsonStringifiedString(std::string_view utf8,
                                         std::string* out) {
  const size_t before = out->size();
  Writer writer(out);
  const bool valid = WriteJsonString(utf8, writer);
  writer.Finish();
  if (!valid) {
    out->resize(before);
    return absl::InvalidArgumentError("invalid UTF-8");
  }
  return absl::OkStatus();
}

absl::Status AppendCompactJson(const nlohmann::ordered_json& value,
                               std::string* out) {
  Writer writer(out);
  const bool valid = WriteCompact(value, writer);
  writer.Finish();
  if (!valid) return absl::InvalidArgumentError("invalid UTF-8");
  return absl::OkStatus();
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

// Parses the JSON tokens almost always carry into the tree nlohmann's parser
// would build, without nlohmann's lexer (which was most of the time spent
// checking a token): objects, arrays, strings without escapes or control
// characters, integers of at most 18 digits, true, false and null, nested
// at most kMaxSimpleDepth deep, with no member name twice in an object.
// Anything else (an escape, a fraction or exponent, a duplicate name,
// anything malformed) makes it give up rather than decide: it never refuses
// a text, it only accepts texts nlohmann accepts, with the same values and
// number types (unsigned for non-negative integers, as nlohmann reads them).
class SimpleJsonParser {
 public:
  explicit SimpleJsonParser(std::string_view text) : text_(text), pos_(0) {}

  std::optional<json> ParseObject() {
    SkipSpace();
    if (!Peek('{')) return std::nullopt;
    json value;
    if (!ParseValue(value, 0)) return std::nullopt;
    SkipSpace();
    if (pos_ != text_.size()) return std::nullopt;
    return value;
  }

 private:
  // Far below kMaxJsonDepth, so nothing accepted here is too deep there.
  static constexpr int kMaxSimpleDepth = 8;

  bool Peek(char c) const { return pos_ < text_.size() && text_[pos_] == c; }

  void SkipSpace() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' ||
            text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool ParseValue(json& out, int depth) {
    SkipSpace();
    if (pos_ >= text_.size()) return false;
    switch (text_[pos_]) {
      case '{':
        return ParseMembers(out, depth + 1);
      case '[':
        return ParseElements(out, depth + 1);
      case '"': {
        std::string value;
        if (!ParseString(value)) return false;
        out = std::move(value);
        return true;
      }
      case 't':
        return ParseLiteral("true", json(true), out);
      case 'f':
        return ParseLiteral("false", json(false), out);
      case 'n':
        return ParseLiteral("null", json(nullptr), out);
      default:
        return ParseInteger(out);
    }
  }

  bool ParseMembers(json& out, int depth) {
    out = json::object();
    auto& members = out.get_ref<json::object_t&>();
    return ParseSequence('}', depth, [&] {
      std::string name;
      if (!Peek('"') || !ParseString(name)) return false;
      SkipSpace();
      if (!Peek(':')) return false;
      ++pos_;
      json value;
      // A duplicate name: nlohmann's side refuses the text.
      return ParseValue(value, depth) &&
             members.emplace(std::move(name), std::move(value)).second;
    });
  }

  bool ParseElements(json& out, int depth) {
    out = json::array();
    auto& elements = out.get_ref<json::array_t&>();
    return ParseSequence(']', depth, [&] {
      json value;
      if (!ParseValue(value, depth)) return false;
      elements.push_back(std::move(value));
      return true;
    });
  }

  // At '{' or '[': items separated by commas up to `close`, each read by
  // `parse_item` (called at the item's first non-space byte).
  template <typename ParseItem>
  bool ParseSequence(char close, int depth, ParseItem parse_item) {
    if (depth > kMaxSimpleDepth) return false;
    ++pos_;  // the opening bracket
    SkipSpace();
    if (Peek(close)) {
      ++pos_;
      return true;
    }
    while (true) {
      SkipSpace();
      if (!parse_item()) return false;
      SkipSpace();
      if (Peek(',')) {
        ++pos_;
        continue;
      }
      if (!Peek(close)) return false;
      ++pos_;
      return true;
    }
  }

  // At an opening quote: the string up to the closing one, which must hold
  // only valid UTF-8 without escapes or control characters.
  bool ParseString(std::string& out) {
    const size_t start = ++pos_;
    while (pos_ < text_.size()) {
      const auto b = static_cast<uint8_t>(text_[pos_]);
      if (b == '"') {
        out.assign(text_.substr(start, pos_ - start));
        ++pos_;
        return true;
      }
      if (b < 0x20 || b == '\\') return false;
      if (b < 0x80) {
        ++pos_;
        continue;
      }
      const size_t len = Utf8SequenceLength(text_, pos_);
      if (len == 0) return false;
      pos_ += len;
    }
    return false;
  }

  bool ParseLiteral(std::string_view literal, json value, json& out) {
    if (text_.substr(pos_, literal.size()) != literal) return false;
    pos_ += literal.size();
    out = std::move(value);
    return true;
  }

  // An optional '-' and 1 to 18 digits without a leading zero (so no
  // overflow, and "-0", which nlohmann reads as a signed zero integer, is
  // left to it), not followed by a fraction or an exponent. Whatever else
  // follows is checked by the caller as the next token.
  bool ParseInteger(json& out) {
    const bool negative = text_[pos_] == '-';
    const size_t first = pos_ + (negative ? 1 : 0);
    size_t end = first;
    uint64_t value = 0;
    while (end < text_.size() && text_[end] >= '0' && text_[end] <= '9') {
      value = value * 10 + static_cast<uint64_t>(text_[end] - '0');
      ++end;
    }
    const size_t digits = end - first;
    if (digits == 0 || digits > 18) return false;
    if (text_[first] == '0' && (digits > 1 || negative)) return false;
    if (end < text_.size() &&
        (text_[end] == '.' || text_[end] == 'e' || text_[end] == 'E')) {
      return false;
    }
    pos_ = end;
    if (negative) {
      out = -static_cast<json::number_integer_t>(value);
    } else {
      out = static_cast<json::number_unsigned_t>(value);
    }
    return true;
  }

  std::string_view text_;
  size_t pos_;
};

}  // namespace

namespace internal {

std::optional<nlohmann::json> ParseSimpleJsonObject(std::string_view text) {
  return SimpleJsonParser(text).ParseObject();
}

bool IdenticalJson(const nlohmann::json& a, const nlohmann::json& b) {
  if (a.type() != b.type() || a.size() != b.size()) return false;
  if (a.is_object()) {
    for (auto it = a.begin(), jt = b.begin(); it != a.end(); ++it, ++jt) {
      if (it.key() != jt.key() || !IdenticalJson(*it, *jt)) return false;
    }
    return true;
  }
  if (a.is_array()) {
    for (size_t i = 0; i < a.size(); ++i) {
      if (!IdenticalJson(a[i], b[i])) return false;
    }
    return true;
  }
  return a == b;
}

absl::StatusOr<nlohmann::json> ParseJsonObjectWithNlohmann(
    std::string_view text) {
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

}  // namespace internal

absl::StatusOr<nlohmann::json> ParseStrictJsonObject(std::string_view text) {
  // Whatever the simple parser accepts, nlohmann's would too, with the same
  // result; it gives up on everything else (a byte-order mark included).
  if (std::optional<json> simple = internal::ParseSimpleJsonObject(text)) {
    return *std::move(simple);
  }
  return internal::ParseJsonObjectWithNlohmann(text);
}

}  // namespace latchkey::crypto
