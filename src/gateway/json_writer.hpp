// SPDX-License-Identifier: Apache-2.0
#pragma once
// A minimal append-only JSON object writer for the hot encode path: no DOM, no allocation beyond
// the output buffer's growth. Keys are trusted literals; string values are escaped.

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace fixgate::gateway::detail {

/// Appends `text` as a JSON string literal; bytes that are not valid UTF-8 become U+FFFD so the
/// line stays decodable (broker text from FIX is not always UTF-8).
void append_json_string(std::string& out, std::string_view text);

/// Appends units of 10^-decimals as the shortest exact decimal, like fixgate::format_fixed but
/// without its temporaries (this runs several times per execution event).
void append_fixed(std::string& out, std::int64_t units, int decimals);

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  /// Opens an object (top level or as an array element).
  void begin_object() {
    separator();
    out_ += '{';
    first_ = true;
  }
  /// Closes the current object.
  void end_object() {
    out_ += '}';
    first_ = false;
  }
  /// Opens an array value under `key`.
  void begin_array(std::string_view key) {
    write_key(key);
    out_ += '[';
    first_ = true;
  }
  /// Closes the current array.
  void end_array() {
    out_ += ']';
    first_ = false;
  }
  /// A string element of the current array.
  void element(std::string_view value) {
    separator();
    append_json_string(out_, value);
  }
  void field(std::string_view key, std::string_view value) {
    write_key(key);
    append_json_string(out_, value);
  }
  /// A field whose value is known to need no escaping (enum names, decimals).
  void raw_string(std::string_view key, std::string_view value) {
    write_key(key);
    out_ += '"';
    out_ += value;
    out_ += '"';
  }
  /// A Price or Qty as a decimal string.
  template <class Decimal>
  void decimal(std::string_view key, Decimal value) {
    write_key(key);
    out_ += '"';
    append_fixed(out_, value.units(), Decimal::decimals);
    out_ += '"';
  }
  void field(std::string_view key, std::uint64_t value) {
    write_key(key);
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, value);
    out_.append(buf, r.ptr);
  }
  void field(std::string_view key, bool value) {
    write_key(key);
    out_ += value ? "true" : "false";
  }
  void null_field(std::string_view key) {
    write_key(key);
    out_ += "null";
  }
  /// Omitted when empty: optional text stays off the wire.
  void field_if(std::string_view key, std::string_view value) {
    if (!value.empty()) field(key, value);
  }

 private:
  void separator() {
    if (!first_) out_ += ',';
    first_ = false;
  }
  void write_key(std::string_view key) {
    separator();
    out_ += '"';
    out_ += key;
    out_ += "\":";
  }

  std::string& out_;
  bool first_ = true;
};

}  // namespace fixgate::gateway::detail
