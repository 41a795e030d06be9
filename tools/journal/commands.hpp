// SPDX-License-Identifier: Apache-2.0
#pragma once
// The subcommands of fixgate-journal; main.cpp declares their options and dispatches to them.
// Each returns the exit code (0 ok, 1 finding, 2 usage or input error). Usage errors are thrown
// as UsageError and printed by main.

#include "common.hpp"

namespace fixgate::journal_tool {

int cmd_verify(const Args& args);
int cmd_dump(const Args& args);
int cmd_index(const Args& args);
int cmd_audit(const Args& args);
int cmd_show(const Args& args);
int cmd_query(const Args& args);
int cmd_export(const Args& args);
int cmd_recon(const Args& args);
int cmd_replay(const Args& args);
int cmd_orders(const Args& args);

}  // namespace fixgate::journal_tool
