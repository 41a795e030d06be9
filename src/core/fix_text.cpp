// SPDX-License-Identifier: Apache-2.0
#include "fixgate/core/fix_text.hpp"

#include <charconv>
#include <string>

namespace fixgate {

std::optional<std::string_view> fix_field(std::string_view raw, int tag) {
  char prefix[16];
  auto [end, ec] = std::to_chars(prefix, prefix + sizeof(prefix) - 1, tag);
  if (ec != std::errc{}) return std::nullopt;
  *end++ = '=';
  const std::string_view key(prefix, static_cast<std::size_t>(end - prefix));
  std::size_t pos = 0;
  while (pos < raw.size()) {
    const auto stop = raw.find('\x01', pos);
    const auto field = raw.substr(pos, stop == std::string_view::npos ? std::string_view::npos : stop - pos);
    if (field.starts_with(key)) return field.substr(key.size());
    if (stop == std::string_view::npos) break;
    pos = stop + 1;
  }
  return std::nullopt;
}

std::string_view msg_type_of(std::string_view raw) { return fix_field(raw, 35).value_or(std::string_view{}); }

unsigned long long msg_seq_num_of(std::string_view raw) {
  const auto text = fix_field(raw, 34);
  if (!text) return 0;
  unsigned long long value = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  return (ec == std::errc{} && end == text->data() + text->size()) ? value : 0;
}

bool is_session_level(std::string_view msg_type) {
  return msg_type.size() == 1 && std::string_view("012345A").find(msg_type[0]) != std::string_view::npos;
}

}  // namespace fixgate
