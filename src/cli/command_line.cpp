// SPDX-License-Identifier: Apache-2.0
#include "fixgate/cli/command_line.hpp"

#include <charconv>
#include <iostream>
#include <vector>

#include "fixgate/cli/exit_codes.hpp"

namespace fixgate::cli {

// Written by cmake/BuildRevision.cmake at every build (build_revision.cpp in the build tree).
extern const char* const build_version;
extern const char* const build_revision;

std::string_view version() { return build_version; }
std::string_view revision() { return build_revision; }

std::string version_line(std::string_view program) {
  return std::string(program) + " " + build_version + " (git " + build_revision + ")";
}

void configure(CLI::App& app, std::string_view program) {
  app.name(std::string(program));
  app.set_version_flag("--version", version_line(program), "print the version and the git revision, and exit");
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
}

CLI::Validator whole_number(long long min) {
  return CLI::Validator(
      [min](std::string& value) -> std::string {
        long long n = 0;
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
        if (ec == std::errc{} && end == value.data() + value.size() && n >= min) return {};
        return "takes a whole number >= " + std::to_string(min) + ", not \"" + value + "\"";
      },
      "", "whole number");
}

namespace {

/// "fixgate-journal show: unknown argument \"--colour\"": the program and subcommand that was
/// being parsed, then what is wrong, naming the argument CLI11 could not place when there is one.
void report(const CLI::App& app, const CLI::ParseError& e) {
  std::string where = app.get_name();
  std::vector<std::string> unplaced = app.remaining();
  bool in_subcommand = false;
  for (const CLI::App* at = &app; !at->get_subcommands().empty();) {
    at = at->get_subcommands().front();
    where += " " + at->get_name();
    in_subcommand = true;
    if (unplaced.empty()) unplaced = at->remaining();
  }
  std::string what = e.what();
  if (!unplaced.empty()) {
    // A word where a subcommand was required is a command we do not have.
    const bool has_commands = !app.get_subcommands([](const CLI::App*) { return true; }).empty();
    const bool command = has_commands && !in_subcommand && !unplaced.front().starts_with("-");
    what = (command ? "unknown command \"" : "unknown argument \"") + unplaced.front() + "\"";
  }
  std::cerr << where << ": " << what << "\n" << "run `" << where << " --help` for the options\n";
}

}  // namespace

std::optional<int> parse(CLI::App& app, int argc, const char* const* argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    app.exit(e, std::cout, std::cerr);
    return exit_ok;
  } catch (const CLI::CallForAllHelp& e) {
    app.exit(e, std::cout, std::cerr);
    return exit_ok;
  } catch (const CLI::CallForVersion& e) {
    app.exit(e, std::cout, std::cerr);
    return exit_ok;
  } catch (const CLI::ParseError& e) {
    report(app, e);
    return exit_usage;
  }
  return std::nullopt;
}

}  // namespace fixgate::cli
