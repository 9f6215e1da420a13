#ifndef SERVICE_API_TOUCHED_FIELDS_H_
#define SERVICE_API_TOUCHED_FIELDS_H_

#include <initializer_list>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/message.h"

namespace latchkey::service::api {

// PATCH semantics shared by every update method: a field is touched when a
// non-empty update_mask names it (REST fills the mask from the body's
// keys, so `"x": null` clears x), or, with an empty mask (a gRPC caller
// that sent none), when it is set (non-empty, for repeated fields).
class Touched {
 public:
  Touched(const google::protobuf::Message& request,
          const google::protobuf::FieldMask& mask)
      : request_(request), mask_(mask) {}

  // SCHEMA_ERROR when the mask names a field that is not in the request,
  // the mask itself, or one of `fixed` (path fields, which an update cannot
  // change).
  absl::Status Check(std::initializer_list<absl::string_view> fixed) const;

  bool operator()(absl::string_view name) const;

 private:
  const google::protobuf::Message& request_;
  const google::protobuf::FieldMask& mask_;
};

}  // namespace latchkey::service::api

#endif  // SERVICE_API_TOUCHED_FIELDS_H_
