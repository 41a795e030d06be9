// SPDX-License-Identifier: Apache-2.0
#pragma once
// What a log line is about beyond its text: the FIX session, the upstream client, the order's
// client_order_id and its ClOrdID. Set for the current thread by a LogScope while the engine or
// the gateway works on one of them; the JSON log format writes them as fields of their own, so a
// log pipeline can select by order or session without parsing messages.

#include <string_view>

namespace fixgate {

struct LogFields {
  std::string_view session{};
  std::string_view client{};
  std::string_view client_order_id{};
  std::string_view cl_ord_id{};  ///< the FIX ClOrdID (11)
};

/// The fields of the innermost LogScope on this thread (all empty outside any).
const LogFields& current_log_fields();

/// Sets the non-empty `fields` for this thread until the scope ends; the others keep what an
/// enclosing scope set. The viewed strings must outlive the scope.
class LogScope {
 public:
  explicit LogScope(const LogFields& fields);
  ~LogScope();
  LogScope(const LogScope&) = delete;
  LogScope& operator=(const LogScope&) = delete;

 private:
  LogFields enclosing_;
};

}  // namespace fixgate
