// SPDX-License-Identifier: Apache-2.0
#pragma once
// FIX data dictionaries (QuickFIX XML, spec/FIX44.xml and spec/FIX42.xml) read by a small reader
// of our own: field numbers to names and enumerated values to their descriptions, which is all
// the journal tool needs to print "35=8 (ExecutionReport)".

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace fixgate::journal_tool {

/// One version's field names and value descriptions.
class Dictionary {
 public:
  /// Parses QuickFIX XML text; `source` names the file in errors. Throws UsageError with the
  /// file and line of a malformed <field>.
  static Dictionary parse(std::string_view xml, const std::string& source);
  /// Reads and parses a file; throws UsageError naming it when it cannot be read.
  static Dictionary load(const std::filesystem::path& file);

  /// Field name ("ClOrdID"), or empty for a tag the dictionary does not define.
  std::string_view field_name(int tag) const;
  /// Description of an enumerated value ("ExecutionReport" for 35=8), or empty.
  std::string_view value_name(int tag, std::string_view value) const;
  /// Tag of a field name (case-insensitive), or 0.
  int tag_of(std::string_view name) const;
  /// The MsgType value whose description is `name` (case-insensitive), or nullopt.
  std::optional<std::string> msg_type_of_name(std::string_view name) const;
  std::size_t field_count() const { return fields_; }

 private:
  std::vector<std::string> names_;  // by tag (tags above the vector are in big_names_)
  std::unordered_map<int, std::string> big_names_;
  using Values = std::vector<std::pair<std::string, std::string>>;  // enum -> description, file order
  const Values* values_of(int tag) const;
  std::vector<Values> values_;  // by tag, like names_
  std::unordered_map<int, Values> big_values_;
  std::size_t fields_ = 0;
};

/// The FIX 4.4 and FIX 4.2 dictionaries from one directory; picked by BeginString.
class Dictionaries {
 public:
  /// Loads DIR/FIX44.xml and DIR/FIX42.xml.
  static Dictionaries load(const std::filesystem::path& dir);
  /// FIX.4.2 gets the 4.2 dictionary; anything else the 4.4 one.
  const Dictionary& for_begin_string(std::string_view begin_string) const;
  /// The MsgType for a name in either dictionary, or nullopt.
  std::optional<std::string> msg_type_of_name(std::string_view name) const;
  /// True when `code` is a MsgType value either dictionary defines.
  bool knows_msg_type(std::string_view code) const;

 private:
  std::shared_ptr<const Dictionary> fix44_;
  std::shared_ptr<const Dictionary> fix42_;
};

/// FIXGATE_SPEC_DIR, else share/fixgate/spec beside the program, else ./spec (fixgate::spec_dir()).
std::filesystem::path default_spec_dir();

}  // namespace fixgate::journal_tool
