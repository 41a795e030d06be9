// SPDX-License-Identifier: Apache-2.0
#include "fixgate/fix/framing.hpp"

#include <charconv>

namespace fixgate::fix {

std::optional<std::string> framing_problem(std::string_view raw, std::string_view begin_string) {
  const std::string begin = "8=" + std::string(begin_string) + '\x01';
  if (!raw.starts_with(begin)) return "BeginString (8) is not " + std::string(begin_string) + " at the start";
  std::string_view rest = raw.substr(begin.size());
  if (!rest.starts_with("9=")) return std::string("BodyLength (9) is not the second field");
  const auto end_of_length = rest.find('\x01');
  if (end_of_length == std::string_view::npos) return std::string("BodyLength (9) has no SOH");
  const std::string_view length_text = rest.substr(2, end_of_length - 2);
  std::size_t body_length = 0;
  const auto [ptr, ec] = std::from_chars(length_text.data(), length_text.data() + length_text.size(), body_length);
  if (length_text.empty() || ec != std::errc{} || ptr != length_text.data() + length_text.size()) {
    return "BodyLength (9) is not a number: '" + std::string(length_text) + "'";
  }
  const std::size_t body_start = begin.size() + end_of_length + 1;
  constexpr std::size_t trailer_size = 7;  // "10=nnn" SOH
  if (raw.size() != body_start + body_length + trailer_size) {
    return "BodyLength (9) " + std::to_string(body_length) + " does not match the frame: " +
           std::to_string(raw.size() < body_start + trailer_size ? 0 : raw.size() - body_start - trailer_size) +
           " body bytes before CheckSum (10)";
  }
  const std::string_view trailer = raw.substr(body_start + body_length);
  if (!trailer.starts_with("10=") || trailer.back() != '\x01') {
    return "CheckSum (10) is not where BodyLength (9) " + std::to_string(body_length) + " puts it";
  }
  if (raw[body_start + body_length - 1] != '\x01') return std::string("the field before CheckSum (10) has no SOH");
  unsigned sum = 0;
  for (std::size_t i = 0; i < body_start + body_length; ++i) sum += static_cast<unsigned char>(raw[i]);
  const std::string_view declared = trailer.substr(3, 3);
  unsigned value = 0;
  const auto [p, e] = std::from_chars(declared.data(), declared.data() + declared.size(), value);
  if (e != std::errc{} || p != declared.data() + declared.size()) {
    return "CheckSum (10) is not three digits: '" + std::string(declared) + "'";
  }
  if (value != sum % 256) {
    return "CheckSum (10) " + std::string(declared) + " does not match the bytes (" + std::to_string(sum % 256) + ")";
  }
  return std::nullopt;
}

}  // namespace fixgate::fix
