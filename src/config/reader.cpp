// SPDX-License-Identifier: Apache-2.0
#include "reader.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <charconv>

namespace fixgate::config::detail {
namespace {

std::string kind_of(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Scalar: return "a single value";
    default: return "nothing";
  }
}

bool is_word(std::string_view key) {
  return !key.empty() && std::ranges::all_of(key, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '*';
  });
}

// Null values have no useful position of their own (yaml-cpp puts them on the next line), so
// errors about them point at their key instead.
YAML::Mark mark_for(const YAML::Node& key, const YAML::Node& value) {
  return value.IsNull() ? key.Mark() : value.Mark();
}

std::string key_text(const std::string& file, const std::string& parent, const YAML::Node& key) {
  if (!key.IsScalar()) {
    throw Failure{make_error(file, key.Mark(), parent, "keys must be plain words, found " + kind_of(key))};
  }
  return key.Scalar();
}

}  // namespace

ConfigError make_error(const std::string& file, const YAML::Mark& mark, std::string key,
                       std::string message) {
  ConfigError error;
  error.file = file;
  if (mark.line >= 0 && mark.column >= 0) {
    error.line = mark.line + 1;
    error.column = mark.column + 1;
  }
  error.key = std::move(key);
  error.message = std::move(message);
  return error;
}

std::string child_path(const std::string& parent, const std::string& key) {
  if (!is_word(key)) return parent + "[\"" + key + "\"]";
  return parent.empty() ? key : parent + "." + key;
}

std::string index_path(const std::string& parent, std::size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

Value::Value(const std::string& file, YAML::Node node, YAML::Mark mark, std::string path)
    : file_(&file), node_(std::move(node)), mark_(mark), path_(std::move(path)) {}

void Value::fail(std::string message) const {
  throw Failure{make_error(*file_, mark_, path_, std::move(message))};
}

void Value::fail_key(std::string key, std::string message) const {
  throw Failure{make_error(*file_, mark_, std::move(key), std::move(message))};
}

std::string Value::scalar(std::string_view expected) const {
  if (is_null()) fail("expected " + std::string(expected) + ", found nothing");
  if (!node_.IsScalar()) fail("expected " + std::string(expected) + ", found " + kind_of(node_));
  return node_.Scalar();
}

std::vector<Value> Value::elements() const {
  std::vector<Value> result;
  if (is_null()) return result;
  if (!node_.IsSequence()) fail("expected a list, found " + kind_of(node_));
  std::size_t index = 0;
  for (const auto& element : node_) {
    // A null element ("- ") has no mark of its own; the list's is the best we have.
    const YAML::Mark mark = element.IsNull() ? mark_ : element.Mark();
    result.emplace_back(*file_, element, mark, index_path(path_, index++));
  }
  return result;
}

MapReader::MapReader(const Value& value, std::initializer_list<std::string_view> allowed)
    : self_(value) {
  if (value.is_null()) return;
  if (!value.node().IsMap()) value.fail("expected a map of settings, found " + kind_of(value.node()));
  for (auto it = value.node().begin(); it != value.node().end(); ++it) {
    std::string key = key_text(value.file(), value.path(), it->first);
    const std::string path = child_path(value.path(), key);
    if (std::ranges::find(allowed, std::string_view(key)) == allowed.end()) {
      std::string list;
      for (const auto word : allowed) list += (list.empty() ? "" : ", ") + std::string(word);
      throw Failure{make_error(value.file(), it->first.Mark(), path,
                               "unknown key \"" + key + "\"; allowed keys: " + list)};
    }
    // yaml-cpp keeps both copies of a repeated key and reads the first; a later edit to the
    // second would silently do nothing, so refuse it.
    for (const auto& entry : entries_) {
      if (entry.key == key) {
        throw Failure{make_error(value.file(), it->first.Mark(), path,
                                 "duplicate key \"" + key + "\" (first at line " +
                                     std::to_string(entry.key_line) + ")")};
      }
    }
    entries_.push_back(
        Entry{std::move(key), it->first.Mark().line + 1, Value(value.file(), it->second, mark_for(it->first, it->second), path)});
  }
}

std::optional<Value> MapReader::get(std::string_view key) const {
  for (const auto& entry : entries_) {
    if (entry.key == key) {
      if (entry.value.is_null()) return std::nullopt;
      return entry.value;
    }
  }
  return std::nullopt;
}

Value MapReader::require(std::string_view key) const {
  if (auto found = get(key)) return *found;
  for (const auto& entry : entries_) {
    if (entry.key == key) entry.value.fail("a value is required");
  }
  self_.fail_key(child_path(self_.path(), std::string(key)),
                 "required key \"" + std::string(key) + "\" is missing");
}

std::vector<std::pair<std::string, Value>> map_entries(const Value& value) {
  std::vector<std::pair<std::string, Value>> result;
  if (value.is_null()) return result;
  if (!value.node().IsMap()) value.fail("expected a map, found " + kind_of(value.node()));
  for (auto it = value.node().begin(); it != value.node().end(); ++it) {
    std::string key = key_text(value.file(), value.path(), it->first);
    const std::string path = child_path(value.path(), key);
    if (key.empty()) throw Failure{make_error(value.file(), it->first.Mark(), path, "empty key")};
    for (const auto& [seen, seen_value] : result) {
      if (seen == key) {
        throw Failure{make_error(value.file(), it->first.Mark(), path, "duplicate key \"" + key + "\"")};
      }
    }
    result.emplace_back(std::move(key), Value(value.file(), it->second, mark_for(it->first, it->second), path));
  }
  return result;
}

std::string read_string(const Value& value) { return value.scalar("a string"); }

std::string read_nonempty(const Value& value) {
  std::string text = value.scalar("a string");
  if (text.empty()) value.fail("must not be empty");
  return text;
}

std::uint64_t read_unsigned(const Value& value, std::uint64_t min, std::uint64_t max) {
  const std::string text = value.scalar("a whole number");
  if (!text.empty() && text.front() == '-') value.fail("must not be negative, found " + text);
  std::uint64_t number = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, number);
  if (text.empty() || ptr != end || (ec != std::errc() && ec != std::errc::result_out_of_range)) {
    value.fail("expected a whole number, found \"" + text + "\"");
  }
  if (ec == std::errc::result_out_of_range || number > max) {
    value.fail(text + " is out of range; at most " + std::to_string(max));
  }
  if (number < min) value.fail("must be at least " + std::to_string(min) + ", found " + text);
  return number;
}

bool read_bool(const Value& value) {
  const std::string text = value.scalar("true or false");
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  value.fail("expected true or false, found \"" + text + "\"");
}

std::vector<std::string> read_string_list(const Value& value, bool allow_empty_items) {
  std::vector<std::string> result;
  for (const auto& element : value.elements()) {
    result.push_back(allow_empty_items ? read_string(element) : read_nonempty(element));
  }
  return result;
}

Endpoint read_endpoint(const Value& value, bool allow_port_zero, HostNames names) {
  const std::string text = value.scalar("host:port");
  auto endpoint = parse_endpoint_detailed(text, names);
  if (!endpoint) value.fail(endpoint.error());
  if (endpoint->port == 0 && !allow_port_zero) {
    value.fail("port 0 is not allowed here; give a port in 1..65535");
  }
  return *endpoint;
}

std::string read_env_name(const Value& value) {
  std::string name = read_nonempty(value);
  const bool valid = std::ranges::all_of(name, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  }) && !(name.front() >= '0' && name.front() <= '9');
  if (!valid) value.fail("\"" + name + "\" is not an environment variable name");
  return name;
}

std::string secret_from_env(const Value& value) {
  const std::string name = read_env_name(value);
  const char* secret = std::getenv(name.c_str());
  if (secret == nullptr) value.fail("environment variable " + name + " is not set");
  if (*secret == '\0') value.fail("environment variable " + name + " is empty");
  return secret;
}

std::string secret_from_file(const Value& value, const std::string& what) {
  const std::string path = read_nonempty(value);
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    value.fail("cannot read " + what + " file \"" + path + "\": " + std::strerror(errno));
  }
  if (!S_ISREG(info.st_mode)) value.fail(what + " file \"" + path + "\" is not a regular file");
  std::ifstream in(path, std::ios::binary);
  if (!in) value.fail("cannot read " + what + " file \"" + path + "\": " + std::strerror(errno));
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) value.fail("cannot read " + what + " file \"" + path + "\": " + std::strerror(errno));
  std::string secret = contents.str();
  // Editors and `echo` add a final newline; it is not part of the secret.
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  if (secret.empty()) value.fail(what + " file \"" + path + "\" is empty");
  if (secret.find_first_of("\r\n") != std::string::npos) {
    value.fail(what + " file \"" + path + "\" holds more than one line");
  }
  return secret;
}

}  // namespace fixgate::config::detail
