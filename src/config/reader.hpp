// SPDX-License-Identifier: Apache-2.0
#pragma once
// Typed, located reads over a yaml-cpp tree. Private to the config component: yaml-cpp types
// never leave src/config/. Every read either returns a checked value or throws Failure carrying
// the file, the 1-based line/column of the offending node and its dotted key path; load_string
// catches it at the boundary, so the public API stays std::expected.

#include <yaml-cpp/yaml.h>

#include <concepts>
#include <cstdint>
#include <expected>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fixgate/config/config.hpp"

namespace fixgate::config::detail {

/// The first validation failure; thrown inside the loader, returned as a value by load_string.
struct Failure {
  ConfigError error;
};

/// Builds a ConfigError at a yaml-cpp mark (0-based, or -1 when the node has no position).
ConfigError make_error(const std::string& file, const YAML::Mark& mark, std::string key,
                       std::string message);

/// Child path "parent.key"; keys that are not plain words are quoted: accounts["A.B"].
std::string child_path(const std::string& parent, const std::string& key);

/// Element path "parent[index]".
std::string index_path(const std::string& parent, std::size_t index);

/// A node together with where to report problems about it.
class Value {
 public:
  /// `mark` is where errors point: the value's own mark, or its key's when the value is null.
  Value(const std::string& file, YAML::Node node, YAML::Mark mark, std::string path);

  /// Throws Failure at this value.
  [[noreturn]] void fail(std::string message) const;
  /// Throws Failure at this value's position but naming another key (a missing child, say).
  [[noreturn]] void fail_key(std::string key, std::string message) const;

  const YAML::Node& node() const { return node_; }
  const YAML::Mark& mark() const { return mark_; }
  const std::string& path() const { return path_; }
  const std::string& file() const { return *file_; }
  bool is_null() const { return !node_.IsDefined() || node_.IsNull(); }

  /// The scalar's text; fails when the node is a map or list.
  std::string scalar(std::string_view expected) const;
  /// The elements of a list; fails when the node is not one.
  std::vector<Value> elements() const;

 private:
  const std::string* file_;
  YAML::Node node_;
  YAML::Mark mark_;
  std::string path_;
};

/// A mapping checked against the keys it may hold: unknown and repeated keys fail at once, so a
/// typo never silently falls back to a default.
class MapReader {
 public:
  /// Fails unless `value` is a map whose keys all appear in `allowed` (null reads as empty).
  MapReader(const Value& value, std::initializer_list<std::string_view> allowed);

  /// The value under `key`; nullopt when absent or null (which then means "use the default").
  std::optional<Value> get(std::string_view key) const;
  /// The value under `key`; fails at the map, naming the key, when it is absent or null.
  Value require(std::string_view key) const;
  /// Where the map itself sits.
  const Value& self() const { return self_; }

 private:
  struct Entry {
    std::string key;
    int key_line;  ///< 1-based, for "first at line N"
    Value value;
  };
  Value self_;
  std::vector<Entry> entries_;
};

/// Every (key, value) of a map whose keys are data (account names), in file order; keys must be
/// non-empty scalars and must not repeat.
std::vector<std::pair<std::string, Value>> map_entries(const Value& value);

/// A string scalar.
std::string read_string(const Value& value);
/// A string scalar that must not be empty.
std::string read_nonempty(const Value& value);
/// An unsigned whole number in [min, max] ("abc", "-1", "1.5" and overflow all fail).
std::uint64_t read_unsigned(const Value& value, std::uint64_t min, std::uint64_t max);
/// true or false.
bool read_bool(const Value& value);
/// A list of string scalars.
std::vector<std::string> read_string_list(const Value& value, bool allow_empty_items);
/// host:port; `allow_port_zero` for listeners, where 0 asks the kernel for a free port.
/// Whether an endpoint's host may be a DNS name (a broker to connect to) or must be a literal or
/// localhost (a listener to bind).
enum class HostNames { refused, allowed };
Endpoint read_endpoint(const Value& value, bool allow_port_zero, HostNames names = HostNames::refused);
/// A name usable in an environment lookup ([A-Za-z_][A-Za-z0-9_]*).
std::string read_env_name(const Value& value);
/// The secret held by the environment variable `value` names. Errors name the variable, never
/// the secret: these messages end up in logs and terminals.
std::string secret_from_env(const Value& value);
/// The secret held by the one-line file `value` names (a final newline is not part of it);
/// `what` ("token", "password") names it in errors.
std::string secret_from_file(const Value& value, const std::string& what);

/// An unsigned number narrowed to T, with T's own maximum.
template <std::unsigned_integral T>
T read_uint(const Value& value, T min = 0) {
  return static_cast<T>(read_unsigned(value, min, std::numeric_limits<T>::max()));
}

/// One of a fixed set of words; the error lists them.
template <class E>
E read_enum(const Value& value, std::initializer_list<std::pair<std::string_view, E>> choices) {
  const std::string text = value.scalar("one of the listed words");
  std::string list;
  for (const auto& [word, result] : choices) {
    if (word == text) return result;
    list += list.empty() ? "" : "|";
    list += word;
  }
  value.fail("\"" + text + "\" is not one of " + list);
}

/// An exact decimal (Price or Qty) from the scalar's text, quoted or bare; must be positive.
template <class Decimal>
Decimal read_positive_decimal(const Value& value) {
  const std::string text = value.scalar("a decimal number");
  const auto parsed = Decimal::parse(text);
  if (!parsed) {
    value.fail("\"" + text + "\" is not an exact decimal with at most " +
               std::to_string(Decimal::decimals) + " decimal places");
  }
  if (parsed->is_negative() || parsed->is_zero()) value.fail("must be greater than zero");
  return *parsed;
}

/// Detailed host:port parse behind parse_endpoint; the error says what is wrong.
std::expected<Endpoint, std::string> parse_endpoint_detailed(std::string_view text, HostNames names = HostNames::refused);

}  // namespace fixgate::config::detail
