// SPDX-License-Identifier: Apache-2.0
#include "json_scanner.hpp"

namespace fixgate::gateway::detail {
namespace {

// Deep enough for any sane unknown value, shallow enough that recursion cannot exhaust the
// io thread's stack on a hostile line.
constexpr int max_depth = 64;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

class Scanner {
 public:
  Scanner(std::string_view s, ScanOutcome& out) : s_(s), out_(out) {}

  void scan(std::span<const std::string_view> names, std::span<ScannedField> fields) {
    ws();
    if (end()) return void(fail("empty line"));
    if (s_[pos_] != '{') {
      if (!value(1)) return;
      ws();
      if (!end()) return void(fail("unexpected characters after the value"));
      out_.not_object = true;
      return;
    }
    ++pos_;
    ws();
    if (!end() && s_[pos_] == '}') {
      ++pos_;
      return trailing();
    }
    std::uint16_t keys = 0;
    std::string key;
    for (;;) {
      if (end() || s_[pos_] != '"') return void(fail("expected a key in double quotes"));
      key.clear();
      if (!string(&key)) return;
      ws();
      if (end() || s_[pos_] != ':') return void(fail("expected ':' after a key"));
      ++pos_;
      ws();
      if (keys < UINT16_MAX) ++keys;
      ScannedField* field = nullptr;
      std::size_t i = 0;
      while (i < names.size() && names[i] != key) ++i;
      if (i == names.size()) {
        if (out_.unknown_name.empty()) {
          out_.unknown_name = key;
          out_.unknown_order = keys;
        }
      } else if (fields[i].kind != Kind::absent) {
        if (out_.duplicate_name.empty()) out_.duplicate_name = key;  // the first value stays
      } else {
        field = &fields[i];
        field->order = keys;
      }
      if (!member_value(field)) return;
      ws();
      if (end()) return void(fail("expected ',' or '}'"));
      if (s_[pos_] == ',') {
        ++pos_;
        ws();
        continue;
      }
      if (s_[pos_] == '}') {
        ++pos_;
        return trailing();
      }
      return void(fail("expected ',' or '}'"));
    }
  }

 private:
  bool end() const { return pos_ >= s_.size(); }

  bool fail(std::string_view what) {
    if (out_.syntax_ok) {
      out_.syntax_ok = false;
      out_.error_offset = pos_;
      out_.error_text = what;
    }
    return false;
  }

  void ws() {
    while (!end() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }

  void trailing() {
    ws();
    if (!end()) fail("unexpected characters after the object");
  }

  bool member_value(ScannedField* f) {
    if (end()) return fail("expected a value");
    const char c = s_[pos_];
    Kind kind = Kind::absent;
    if (c == '"') {
      if (!string(f != nullptr ? &f->text : nullptr)) return false;
      kind = Kind::string;
    } else if (c == '{' || c == '[') {
      if (!value(2)) return false;
      kind = c == '{' ? Kind::object : Kind::array;
    } else if (c == 't' || c == 'f' || c == 'n') {
      if (!value(2)) return false;
      kind = c == 'n' ? Kind::null : Kind::boolean;
      if (f != nullptr) f->number = c == 't' ? 1 : 0;
    } else {
      std::uint64_t number = 0;
      bool negative = false;
      if (!this->number(kind, number, negative)) return false;
      if (f != nullptr) {
        f->number = number;
        f->negative = negative;
      }
    }
    if (f != nullptr) f->kind = kind;
    return true;
  }

  bool literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return fail("invalid literal");
    pos_ += word.size();
    return true;
  }

  bool number(Kind& kind, std::uint64_t& value, bool& negative) {
    const std::size_t start = pos_;
    const bool minus = !end() && s_[pos_] == '-';
    if (minus) ++pos_;
    if (end() || !is_digit(s_[pos_])) return fail("invalid number");
    if (s_[pos_] == '0') {
      ++pos_;
    } else {
      while (!end() && is_digit(s_[pos_])) ++pos_;
    }
    const std::size_t int_end = pos_;
    bool integral = true;
    if (!end() && s_[pos_] == '.') {
      integral = false;
      ++pos_;
      if (end() || !is_digit(s_[pos_])) return fail("invalid number: digits must follow '.'");
      while (!end() && is_digit(s_[pos_])) ++pos_;
    }
    if (!end() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      integral = false;
      ++pos_;
      if (!end() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (end() || !is_digit(s_[pos_])) return fail("invalid number: digits must follow the exponent");
      while (!end() && is_digit(s_[pos_])) ++pos_;
    }
    kind = integral ? Kind::integer : Kind::floating;
    if (!integral) return true;
    std::uint64_t v = 0;
    for (std::size_t i = start + (minus ? 1 : 0); i < int_end; ++i) {
      const auto digit = static_cast<std::uint64_t>(s_[i] - '0');
      if (v > (UINT64_MAX - digit) / 10) {
        kind = Kind::floating;  // too big for an integer field: treated like any non-integer
        return true;
      }
      v = v * 10 + digit;
    }
    value = v;
    negative = minus && v != 0;
    return true;
  }

  bool hex4(std::uint32_t& cp) {
    if (pos_ + 4 > s_.size()) return fail("incomplete \\u escape");
    cp = 0;
    for (int i = 0; i < 4; ++i) {
      const int h = hex_value(s_[pos_ + static_cast<std::size_t>(i)]);
      if (h < 0) return fail("invalid \\u escape");
      cp = cp * 16 + static_cast<std::uint32_t>(h);
    }
    pos_ += 4;
    return true;
  }

  /// At a '"': consumes the string; appends its decoded bytes to `out` when given.
  bool string(std::string* out) {
    ++pos_;
    std::size_t run = pos_;
    for (;;) {
      if (end()) return fail("unterminated string");
      const auto c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        if (out != nullptr) out->append(s_.data() + run, pos_ - run);
        ++pos_;
        return true;
      }
      if (c < 0x20) return fail("control character inside a string");
      if (c != '\\') {
        ++pos_;
        continue;
      }
      if (out != nullptr) out->append(s_.data() + run, pos_ - run);
      ++pos_;
      if (end()) return fail("unterminated string");
      const char e = s_[pos_++];
      char plain = 0;
      switch (e) {
        case '"': plain = '"'; break;
        case '\\': plain = '\\'; break;
        case '/': plain = '/'; break;
        case 'b': plain = '\b'; break;
        case 'f': plain = '\f'; break;
        case 'n': plain = '\n'; break;
        case 'r': plain = '\r'; break;
        case 't': plain = '\t'; break;
        case 'u': {
          std::uint32_t cp = 0;
          if (!hex4(cp)) return false;
          if (cp >= 0xdc00 && cp <= 0xdfff) return fail("lone low surrogate in \\u escape");
          if (cp >= 0xd800 && cp <= 0xdbff) {
            std::uint32_t low = 0;
            if (s_.substr(pos_, 2) != "\\u") return fail("high surrogate without its low half");
            pos_ += 2;
            if (!hex4(low)) return false;
            if (low < 0xdc00 || low > 0xdfff) return fail("high surrogate without its low half");
            cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
          }
          if (out != nullptr) append_utf8(*out, cp);
          run = pos_;
          continue;
        }
        default: --pos_; return fail("invalid escape");
      }
      if (out != nullptr) *out += plain;
      run = pos_;
    }
  }

  /// Any JSON value, validated and discarded.
  bool value(int depth) {
    if (depth > max_depth) return fail("nested too deeply");
    ws();
    if (end()) return fail("expected a value");
    const char c = s_[pos_];
    switch (c) {
      case '"': return string(nullptr);
      case 't': return literal("true");
      case 'f': return literal("false");
      case 'n': return literal("null");
      case '{':
      case '[': return container(c == '{' ? '}' : ']', depth);
      default: {
        if (c != '-' && !is_digit(c)) return fail("unexpected character");
        Kind kind = Kind::absent;
        std::uint64_t number = 0;
        bool negative = false;
        return this->number(kind, number, negative);
      }
    }
  }

  bool container(char close, int depth) {
    const bool object = close == '}';
    ++pos_;
    ws();
    if (!end() && s_[pos_] == close) {
      ++pos_;
      return true;
    }
    for (;;) {
      if (object) {
        ws();
        if (end() || s_[pos_] != '"') return fail("expected a key in double quotes");
        if (!string(nullptr)) return false;
        ws();
        if (end() || s_[pos_] != ':') return fail("expected ':' after a key");
        ++pos_;
      }
      if (!value(depth + 1)) return false;
      ws();
      if (end()) return fail(object ? "expected ',' or '}'" : "expected ',' or ']'");
      if (s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (s_[pos_] == close) {
        ++pos_;
        return true;
      }
      return fail(object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  ScanOutcome& out_;
};

}  // namespace

ScanOutcome scan_flat_object(std::string_view line, std::span<const std::string_view> names,
                             std::span<ScannedField> fields) {
  ScanOutcome out;
  Scanner(line, out).scan(names, fields);
  return out;
}

}  // namespace fixgate::gateway::detail
