#include "crypto/cbor.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace latchkey::crypto {
namespace {

absl::Status Malformed(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("malformed CBOR: ", why));
}

// Reads the argument of the head at `data[*pos]` (RFC 8949 section 3).
absl::StatusOr<uint64_t> ReadArgument(absl::string_view data, size_t* pos,
                                      uint8_t info) {
  if (info < 24) return info;
  size_t width = 0;
  switch (info) {
    case 24:
      width = 1;
      break;
    case 25:
      width = 2;
      break;
    case 26:
      width = 4;
      break;
    case 27:
      width = 8;
      break;
    case 31:
      return Malformed("indefinite lengths are not allowed");
    default:
      return Malformed("reserved additional information");
  }
  if (data.size() - *pos < width) return Malformed("truncated head");
  uint64_t value = 0;
  for (size_t i = 0; i < width; ++i) {
    value = (value << 8) | static_cast<uint8_t>(data[*pos + i]);
  }
  *pos += width;
  return value;
}

// One open container while walking: how many items it still holds.
struct Open {
  uint64_t remaining;
};

bool SameKey(const cbor_item_t* a, const cbor_item_t* b) {
  if (cbor_typeof(a) != cbor_typeof(b)) return false;
  if (cbor_isa_string(a)) {
    return cbor_string_length(a) == cbor_string_length(b) &&
           (cbor_string_length(a) == 0 ||
            std::equal(cbor_string_handle(a),
                       cbor_string_handle(a) + cbor_string_length(a),
                       cbor_string_handle(b)));
  }
  if (cbor_isa_uint(a) || cbor_isa_negint(a)) {
    return cbor_get_int(a) == cbor_get_int(b);
  }
  return false;
}

// Duplicate keys would let two readers of one map disagree. Recursion is
// bounded by kMaxCborDepth, and the pairwise comparison by
// kMaxCborContainerItems.
bool HasDuplicateKeys(const cbor_item_t* item) {
  if (cbor_isa_array(item)) {
    cbor_item_t** items = cbor_array_handle(item);
    for (size_t i = 0; i < cbor_array_size(item); ++i) {
      if (HasDuplicateKeys(items[i])) return true;
    }
    return false;
  }
  if (!cbor_isa_map(item)) return false;
  const size_t size = cbor_map_size(item);
  const cbor_pair* pairs = cbor_map_handle(item);
  for (size_t i = 0; i < size; ++i) {
    if (HasDuplicateKeys(pairs[i].key) || HasDuplicateKeys(pairs[i].value)) {
      return true;
    }
    for (size_t j = i + 1; j < size; ++j) {
      if (SameKey(pairs[i].key, pairs[j].key)) return true;
    }
  }
  return false;
}

}  // namespace

void CborItemFree::operator()(cbor_item_t* item) const {
  if (item != nullptr) cbor_decref(&item);
}

absl::StatusOr<size_t> CborItemLength(absl::string_view bytes) {
  if (bytes.size() > kMaxCborInput) return Malformed("input too large");
  // Iterative, so hostile nesting cannot exhaust the stack here either.
  std::vector<Open> open;
  size_t pos = 0;
  uint64_t pending = 1;  // items still to read at the current level
  do {
    if (pending == 0) {
      pending = open.back().remaining;
      open.pop_back();
      continue;
    }
    --pending;
    if (pos >= bytes.size()) return Malformed("truncated item");
    const uint8_t head = static_cast<uint8_t>(bytes[pos++]);
    const uint8_t major = head >> 5;
    const uint8_t info = head & 0x1f;
    if (major == 7) {
      // Simple values and floats carry no nested items.
      if (info == 31) return Malformed("unexpected break");
      if (info == 24 || info == 25 || info == 26 || info == 27) {
        const size_t width = info == 24   ? 1
                             : info == 25 ? 2
                             : info == 26 ? 4
                                          : 8;
        if (bytes.size() - pos < width) return Malformed("truncated value");
        pos += width;
      } else if (info > 24) {
        return Malformed("reserved simple value");
      }
      continue;
    }
    LATCHKEY_ASSIGN_OR_RETURN(uint64_t argument,
                              ReadArgument(bytes, &pos, info));
    const uint64_t left = bytes.size() - pos;
    switch (major) {
      case 0:
      case 1:
        break;
      case 2:
      case 3:
        if (argument > left) return Malformed("string longer than the input");
        pos += static_cast<size_t>(argument);
        break;
      case 4:
      case 5: {
        // Each item takes at least one byte, so a count above what is left
        // is a lie; refusing it keeps libcbor from allocating for it.
        const uint64_t items = major == 5 ? argument * 2 : argument;
        if (argument > left || items > left) {
          return Malformed("container larger than the input");
        }
        if (argument > kMaxCborContainerItems) {
          return Malformed("container with too many items");
        }
        if (static_cast<int>(open.size()) + 1 >= kMaxCborDepth) {
          return Malformed("nested too deeply");
        }
        open.push_back({pending});
        pending = items;
        break;
      }
      default:
        return Malformed("tags are not allowed");
    }
  } while (pending > 0 || !open.empty());
  return pos;
}

absl::StatusOr<CborItem> DecodeCborPrefix(absl::string_view bytes,
                                          size_t* consumed) {
  LATCHKEY_ASSIGN_OR_RETURN(size_t length, CborItemLength(bytes));
  cbor_load_result result{};
  CborItem item(
      cbor_load(reinterpret_cast<cbor_data>(bytes.data()), length, &result));
  if (item == nullptr || result.error.code != CBOR_ERR_NONE ||
      result.read != length) {
    return Malformed("could not be decoded");
  }
  if (HasDuplicateKeys(item.get())) return Malformed("duplicate map key");
  *consumed = length;
  return item;
}

absl::StatusOr<CborItem> DecodeCbor(absl::string_view bytes) {
  size_t consumed = 0;
  LATCHKEY_ASSIGN_OR_RETURN(CborItem item, DecodeCborPrefix(bytes, &consumed));
  if (consumed != bytes.size()) return Malformed("trailing bytes");
  return item;
}

namespace {

// The signed value of an integer item, or nullopt when it is not one or is
// outside int64.
std::optional<int64_t> IntValue(const cbor_item_t* item) {
  if (!cbor_isa_uint(item) && !cbor_isa_negint(item)) return std::nullopt;
  const uint64_t raw = cbor_get_int(item);
  if (raw > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  const int64_t value = static_cast<int64_t>(raw);
  return cbor_isa_uint(item) ? value : -1 - value;
}

}  // namespace

const cbor_item_t* CborMapFind(const cbor_item_t* map, absl::string_view key) {
  if (map == nullptr || !cbor_isa_map(map)) return nullptr;
  const cbor_pair* pairs = cbor_map_handle(map);
  for (size_t i = 0; i < cbor_map_size(map); ++i) {
    const cbor_item_t* k = pairs[i].key;
    if (cbor_isa_string(k) && cbor_string_is_definite(k) &&
        absl::string_view(reinterpret_cast<const char*>(cbor_string_handle(k)),
                          cbor_string_length(k)) == key) {
      return pairs[i].value;
    }
  }
  return nullptr;
}

const cbor_item_t* CborMapFind(const cbor_item_t* map, int64_t key) {
  if (map == nullptr || !cbor_isa_map(map)) return nullptr;
  const cbor_pair* pairs = cbor_map_handle(map);
  for (size_t i = 0; i < cbor_map_size(map); ++i) {
    if (IntValue(pairs[i].key) == key) return pairs[i].value;
  }
  return nullptr;
}

absl::StatusOr<int64_t> CborInt(const cbor_item_t* item,
                                absl::string_view what) {
  std::optional<int64_t> value =
      item == nullptr ? std::nullopt : IntValue(item);
  if (!value.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " is missing or not an integer"));
  }
  return *value;
}

absl::StatusOr<std::string> CborBytes(const cbor_item_t* item,
                                      absl::string_view what) {
  if (item == nullptr || !cbor_isa_bytestring(item) ||
      !cbor_bytestring_is_definite(item)) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " is missing or not a byte string"));
  }
  if (cbor_bytestring_length(item) == 0) return std::string();
  return std::string(
      reinterpret_cast<const char*>(cbor_bytestring_handle(item)),
      cbor_bytestring_length(item));
}

absl::StatusOr<std::string> CborText(const cbor_item_t* item,
                                     absl::string_view what) {
  if (item == nullptr || !cbor_isa_string(item) ||
      !cbor_string_is_definite(item)) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " is missing or not a text string"));
  }
  if (cbor_string_length(item) == 0) return std::string();
  return std::string(reinterpret_cast<const char*>(cbor_string_handle(item)),
                     cbor_string_length(item));
}

}  // namespace latchkey::crypto
