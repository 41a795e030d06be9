// SPDX-License-Identifier: Apache-2.0
#pragma once
// The exit codes of every fixgate program, in one place so scripts and orchestrators can rely on
// them. docs/CLI.md has the table; keep the two in step.

namespace fixgate::cli {

inline constexpr int exit_ok = 0;
/// The program did its work and the answer is "no": a refused request (fixgate-client), a finding
/// (fixgate-journal: a damaged journal, breaks), a failed run (fixgate-bench), or a fatal runtime
/// error (fixgate, fixgate-simulator).
inline constexpr int exit_failure = 1;
/// Bad command line, configuration or input; retrying the same command cannot help.
inline constexpr int exit_usage = 2;

/// fixgate: the journal could not be opened or closed.
inline constexpr int exit_storage_fault = 3;
/// fixgate: another instance took the journal or a session over; restart it as a standby.
inline constexpr int exit_ownership_lost = 5;

/// fixgate-client: no answer within --timeout.
inline constexpr int exit_timed_out = 3;
/// fixgate-client: cannot connect or log in.
inline constexpr int exit_no_connection = 4;

}  // namespace fixgate::cli
