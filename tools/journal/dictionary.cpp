// SPDX-License-Identifier: Apache-2.0
#include "dictionary.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common.hpp"
#include "fixgate/core/spec_dir.hpp"

#ifndef FIXGATE_JOURNAL_DEFAULT_SPEC_DIR
#define FIXGATE_JOURNAL_DEFAULT_SPEC_DIR "spec"
#endif

namespace fixgate::journal_tool {
namespace {

constexpr int direct_tags = 10000;

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string decode_entities(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out.push_back(text[i]);
      continue;
    }
    const auto semi = text.find(';', i);
    const auto entity = semi == std::string_view::npos ? std::string_view{} : text.substr(i + 1, semi - i - 1);
    if (entity == "amp") out.push_back('&');
    else if (entity == "lt") out.push_back('<');
    else if (entity == "gt") out.push_back('>');
    else if (entity == "quot") out.push_back('"');
    else if (entity == "apos") out.push_back('\'');
    else {
      out.push_back('&');
      continue;
    }
    i = semi;
  }
  return out;
}

/// The attributes of one start tag's text (between the element name and '>').
std::optional<std::string> attribute(std::string_view tag_text, std::string_view name) {
  std::size_t pos = 0;
  while (pos < tag_text.size()) {
    const auto eq = tag_text.find('=', pos);
    if (eq == std::string_view::npos) return std::nullopt;
    auto key_begin = tag_text.find_last_of(" \t\r\n", eq);
    key_begin = key_begin == std::string_view::npos ? 0 : key_begin + 1;
    const auto key = tag_text.substr(key_begin, eq - key_begin);
    if (eq + 1 >= tag_text.size()) return std::nullopt;
    const char quote = tag_text[eq + 1];
    if (quote != '"' && quote != '\'') return std::nullopt;
    const auto end = tag_text.find(quote, eq + 2);
    if (end == std::string_view::npos) return std::nullopt;
    if (key == name) return decode_entities(tag_text.substr(eq + 2, end - eq - 2));
    pos = end + 1;
  }
  return std::nullopt;
}

std::size_t line_of(std::string_view text, std::size_t offset) {
  return 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

}  // namespace

Dictionary Dictionary::parse(std::string_view xml, const std::string& source) {
  Dictionary d;
  d.names_.resize(direct_tags);
  d.values_.resize(direct_tags);
  // Field definitions live in <fields>; <field name=.../> references elsewhere carry no number.
  const auto fields_start = xml.find("<fields>");
  if (fields_start == std::string_view::npos) {
    throw UsageError(source + ": not a QuickFIX data dictionary (no <fields> element)");
  }
  std::size_t pos = fields_start;
  for (;;) {
    const auto open = xml.find("<field ", pos);
    if (open == std::string_view::npos) break;
    const auto close = xml.find('>', open);
    if (close == std::string_view::npos) {
      throw UsageError(source + ":" + std::to_string(line_of(xml, open)) + ": <field> element is not closed");
    }
    const auto tag_text = xml.substr(open + 7, close - open - 7);
    const bool empty_element = close > 0 && xml[close - 1] == '/';
    pos = close + 1;
    const auto number = attribute(tag_text, "number");
    const auto name = attribute(tag_text, "name");
    if (!number || !name) {
      throw UsageError(source + ":" + std::to_string(line_of(xml, open)) +
                       ": <field> in <fields> without a number or name attribute");
    }
    int tag = 0;
    const auto [end, ec] = std::from_chars(number->data(), number->data() + number->size(), tag);
    if (ec != std::errc{} || end != number->data() + number->size() || tag <= 0) {
      throw UsageError(source + ":" + std::to_string(line_of(xml, open)) + ": field number \"" + *number +
                       "\" is not a positive integer");
    }
    if (tag < direct_tags) d.names_[static_cast<std::size_t>(tag)] = *name;
    else d.big_names_[tag] = *name;
    ++d.fields_;
    if (empty_element) continue;
    const auto field_end = xml.find("</field>", pos);
    if (field_end == std::string_view::npos) {
      throw UsageError(source + ":" + std::to_string(line_of(xml, open)) + ": field " + *number + " has no </field>");
    }
    auto& values = tag < direct_tags ? d.values_[static_cast<std::size_t>(tag)] : d.big_values_[tag];
    std::size_t vpos = pos;
    for (;;) {
      const auto vopen = xml.find("<value ", vpos);
      if (vopen == std::string_view::npos || vopen > field_end) break;
      const auto vclose = xml.find('>', vopen);
      if (vclose == std::string_view::npos || vclose > field_end) break;
      const auto vtext = xml.substr(vopen + 7, vclose - vopen - 7);
      const auto enumeration = attribute(vtext, "enum");
      const auto description = attribute(vtext, "description");
      if (!enumeration || !description) {
        throw UsageError(source + ":" + std::to_string(line_of(xml, vopen)) +
                         ": <value> without an enum or description attribute");
      }
      values.emplace_back(*enumeration, *description);
      vpos = vclose + 1;
    }
    pos = field_end + 8;
  }
  return d;
}

Dictionary Dictionary::load(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw UsageError(file.string() + ": cannot read the data dictionary");
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), file.string());
}

std::string_view Dictionary::field_name(int tag) const {
  if (tag > 0 && tag < direct_tags) return names_[static_cast<std::size_t>(tag)];
  const auto it = big_names_.find(tag);
  return it == big_names_.end() ? std::string_view{} : std::string_view(it->second);
}

const Dictionary::Values* Dictionary::values_of(int tag) const {
  if (tag > 0 && tag < direct_tags) return &values_[static_cast<std::size_t>(tag)];
  const auto it = big_values_.find(tag);
  return it == big_values_.end() ? nullptr : &it->second;
}

std::string_view Dictionary::value_name(int tag, std::string_view value) const {
  const Values* values = values_of(tag);
  if (values == nullptr) return {};
  for (const auto& [enumeration, description] : *values) {
    if (enumeration == value) return description;
  }
  return {};
}

int Dictionary::tag_of(std::string_view name) const {
  for (std::size_t t = 0; t < names_.size(); ++t) {
    if (!names_[t].empty() && iequal(names_[t], name)) return static_cast<int>(t);
  }
  for (const auto& [tag, n] : big_names_) {
    if (iequal(n, name)) return tag;
  }
  return 0;
}

std::optional<std::string> Dictionary::msg_type_of_name(std::string_view name) const {
  for (const auto& [value, description] : values_[35]) {
    if (iequal(description, name)) return value;
  }
  return std::nullopt;
}

Dictionaries Dictionaries::load(const std::filesystem::path& dir) {
  Dictionaries d;
  d.fix44_ = std::make_shared<const Dictionary>(Dictionary::load(dir / "FIX44.xml"));
  d.fix42_ = std::make_shared<const Dictionary>(Dictionary::load(dir / "FIX42.xml"));
  return d;
}

const Dictionary& Dictionaries::for_begin_string(std::string_view begin_string) const {
  return begin_string == "FIX.4.2" ? *fix42_ : *fix44_;
}

std::optional<std::string> Dictionaries::msg_type_of_name(std::string_view name) const {
  if (auto t = fix44_->msg_type_of_name(name)) return t;
  return fix42_->msg_type_of_name(name);
}

bool Dictionaries::knows_msg_type(std::string_view code) const {
  return !fix44_->value_name(35, code).empty() || !fix42_->value_name(35, code).empty();
}

std::filesystem::path default_spec_dir() { return fixgate::spec_dir(); }

}  // namespace fixgate::journal_tool
