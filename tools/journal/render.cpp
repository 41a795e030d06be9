// SPDX-License-Identifier: Apache-2.0
#include "render.hpp"

#include <charconv>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common.hpp"

namespace fixgate::journal_tool {
namespace {

constexpr const char* bold = "\x1b[1m";
constexpr const char* dim = "\x1b[2m";
constexpr const char* cyan = "\x1b[36m";
constexpr const char* green = "\x1b[32m";
constexpr const char* yellow = "\x1b[33m";
constexpr const char* reset = "\x1b[0m";

void paint(std::string& out, bool color, const char* code, std::string_view text) {
  if (color) out.append(code);
  out.append(text);
  if (color) out.append(reset);
}

std::string json_value(const nlohmann::ordered_json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

}  // namespace

static void append_number(std::string& out, std::uint64_t n) {
  char digits[24];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), n);
  out.append(digits, static_cast<std::size_t>(end - digits));
}

void Renderer::field(const Dictionary& dict, int tag, std::string_view value, std::string& out) const {
  append_number(out, static_cast<std::uint64_t>(tag));
  out.push_back('=');
  out.append(value);
  const auto description = dict.value_name(tag, value);
  if (!description.empty()) {
    out.append(" (");
    paint(out, color_, green, description);
    out.push_back(')');
  }
}

void Renderer::header(const journal::RecordView& record, std::string_view summary, std::string& out) const {
  if (color_) out.append(bold);
  out.push_back('#');
  append_number(out, record.seq);
  if (color_) out.append(reset);
  out.push_back(' ');
  out.append(format_time(record.timestamp_ns));
  out.push_back(' ');
  paint(out, color_, cyan, journal::name(record.kind));
  out.push_back(' ');
  out.append(record.stream.empty() ? std::string_view("-") : record.stream);
  const auto dir = direction_of(record.kind);
  if (!dir.empty()) {
    out.push_back(' ');
    paint(out, color_, yellow, dir);
  }
  if (!summary.empty()) {
    out.push_back(' ');
    out.append(summary);
  }
  if ((record.flags & journal::flag_redacted) != 0) out.append(" [secret redacted]");
  out.push_back('\n');
}

void Renderer::render(const journal::RecordView& record, std::string& out) const {
  switch (record.kind) {
    case journal::RecordKind::fix_in:
    case journal::RecordKind::fix_out: {
      const auto fields = split_fix(record.payload);
      std::string_view begin_string;
      std::string_view msg_type;
      for (const auto& f : fields) {
        if (f.tag == 8 && begin_string.empty()) begin_string = f.value;
        if (f.tag == 35 && msg_type.empty()) msg_type = f.value;
      }
      const auto& dict = dicts_.for_begin_string(begin_string);
      std::string summary;
      field(dict, 35, msg_type, summary);
      header(record, summary, out);
      for (const auto& f : fields) {
        out.append("    ");
        const auto name = f.tag == 0 ? std::string_view("?") : dict.field_name(f.tag);
        if (color_) out.append(dim);
        const auto label_start = out.size();
        if (name.empty()) {
          out.append("(tag ");
          append_number(out, static_cast<std::uint64_t>(f.tag));
          out.push_back(')');
        } else {
          out.append(name);
        }
        const auto label_size = out.size() - label_start;
        if (label_size < 22) out.append(22 - label_size, ' ');
        if (color_) out.append(reset);
        out.push_back(' ');
        if (f.tag == 0) {
          out.append(f.value);
        } else {
          field(dict, f.tag, f.value, out);
        }
        out.push_back('\n');
      }
      return;
    }
    case journal::RecordKind::upstream_request:
    case journal::RecordKind::upstream_event: {
      const auto text = trimmed(record.payload);
      const char* type_key = record.kind == journal::RecordKind::upstream_request ? "op" : "event";
      std::string summary;
      thread_local std::vector<std::pair<std::string_view, std::string_view>> pairs;
      if (flat_json(text, pairs)) {
        for (const auto& [key, value] : pairs) {
          if (key != type_key) continue;
          paint(summary, color_, green, value);
          summary.push_back(':');
        }
        for (const auto& [key, value] : pairs) {
          if (key == type_key) continue;
          summary.push_back(' ');
          if (color_) summary.append(dim);
          summary.append(key);
          if (color_) summary.append(reset);
          summary.push_back('=');
          summary.append(value);
        }
        header(record, summary, out);
        return;
      }
      auto object = nlohmann::ordered_json::parse(text, nullptr, false);
      if (object.is_object()) {
        if (auto it = object.find(type_key); it != object.end()) {
          paint(summary, color_, green, json_value(*it));
          summary.push_back(':');
        }
        for (auto it = object.begin(); it != object.end(); ++it) {
          if (it.key() == type_key) continue;
          summary.push_back(' ');
          if (color_) summary.append(dim);
          summary.append(it.key());
          if (color_) summary.append(reset);
          summary.push_back('=');
          summary.append(json_value(it.value()));
        }
      } else {
        summary = printable(text);
      }
      header(record, summary, out);
      return;
    }
    case journal::RecordKind::engine_event: {
      std::string text = printable(record.payload);
      if (text.starts_with("apply_fix ")) {
        // "apply_fix N[ sent <MsgType> <ClOrdID>]": the record number is the first word.
        text += " (applied the FIX message in record #" + text.substr(10, text.find(' ', 10) - 10) + ")";
      }
      header(record, text, out);
      return;
    }
    default:
      header(record, printable(record.payload), out);
      return;
  }
}

}  // namespace fixgate::journal_tool
