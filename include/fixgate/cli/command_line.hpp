// SPDX-License-Identifier: Apache-2.0
#pragma once
// What every fixgate program's command line shares (CLI11): --help and --version, and one way of
// reporting a bad argument (its name, then exit 2).

#include <optional>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

namespace fixgate::cli {

/// The project version (CMake's) and the git revision the binary was built from ("unknown"
/// outside a git checkout).
std::string_view version();
std::string_view revision();

/// "PROGRAM VERSION (git REVISION)", what --version prints.
std::string version_line(std::string_view program);

/// Sets up `app` the way every program is: its name, --version, and an option given twice keeps
/// the last value (as the hand-written parsers did). Call before adding options.
void configure(CLI::App& app, std::string_view program);

/// Checks that an option's value is a whole number of at least `min`; the error says so and
/// shows the value.
CLI::Validator whole_number(long long min);

/// Parses argv into `app`. Returns the exit code when the program is done: 0 after --help or
/// --version (printed on stdout), 2 after a usage error (printed on stderr with the argument it
/// is about). nullopt when the program should go on.
std::optional<int> parse(CLI::App& app, int argc, const char* const* argv);

}  // namespace fixgate::cli
