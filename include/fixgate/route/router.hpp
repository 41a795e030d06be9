// SPDX-License-Identifier: Apache-2.0
#pragma once
// Routing rules: account / symbol / market → an ordered list of sessions (primary, then backups).
// Pure: which sessions are up is passed in, never looked up.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fixgate::route {

/// One rule; "*" matches anything.
struct Rule {
  std::string account = "*";
  std::string symbol = "*";
  std::string market = "*";
  std::vector<std::string> sessions;  ///< primary first, then backups in order
};

/// The routing decision for one order.
struct Decision {
  std::optional<std::string> session;  ///< the first live session of the first matching rule
  std::string explanation;             ///< why, for rejects and the journal
};

class Router {
 public:
  explicit Router(std::vector<Rule> rules) : rules_(std::move(rules)) {}

  /// The first rule matching the order decides; its first session that `is_up` is chosen.
  Decision select(std::string_view account, std::string_view symbol, std::string_view market,
                  const std::function<bool(std::string_view)>& is_up) const;

 private:
  std::vector<Rule> rules_;
};

}  // namespace fixgate::route
