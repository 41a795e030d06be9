#pragma once
// The subcommands of fixgate-journal; main.cpp dispatches to them. Each takes the whole argv and
// the index of its first own argument, and returns the exit code (0 ok, 1 finding, 2 usage or
// input error). Usage errors are thrown as UsageError and printed by main.

namespace fixgate::journal_tool {

int cmd_verify(int argc, char** argv, int first);
int cmd_dump(int argc, char** argv, int first);
int cmd_index(int argc, char** argv, int first);
int cmd_audit(int argc, char** argv, int first);
int cmd_show(int argc, char** argv, int first);
int cmd_query(int argc, char** argv, int first);
int cmd_export(int argc, char** argv, int first);
int cmd_recon(int argc, char** argv, int first);
int cmd_replay(int argc, char** argv, int first);
int cmd_orders(int argc, char** argv, int first);

}  // namespace fixgate::journal_tool
