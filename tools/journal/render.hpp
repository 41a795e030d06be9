// SPDX-License-Identifier: Apache-2.0
#pragma once
// Human rendering of journal records for show and query: a header line per record (seq, UTC time,
// kind, stream, direction, what it is), then FIX fields one per line with the dictionary's names
// ("  ClOrdID           11=fixgate-demo-1", "  MsgType           35=8 (ExecutionReport)"), upstream
// JSON as key=value pairs, engine events as their text. ANSI colour optional.

#include <string>

#include "dictionary.hpp"
#include "fixgate/journal/record.hpp"

namespace fixgate::journal_tool {

class Renderer {
 public:
  Renderer(const Dictionaries& dicts, bool color) : dicts_(dicts), color_(color) {}
  /// Appends the record's lines (each ending in '\n') to `out`.
  void render(const journal::RecordView& record, std::string& out) const;
  /// Appends "tag=value (Description)" for one FIX field, as the field lines show it.
  void field(const Dictionary& dict, int tag, std::string_view value, std::string& out) const;

 private:
  void header(const journal::RecordView& record, std::string_view summary, std::string& out) const;
  const Dictionaries& dicts_;
  bool color_;
};

}  // namespace fixgate::journal_tool
