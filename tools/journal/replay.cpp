// replay: re-send a session's outbound application messages to a FIX counterparty.

#include "commands.hpp"
#include "common.hpp"

namespace fixgate::journal_tool {

int cmd_replay(int argc, char** argv, int first) {
  const Args args("replay", argc, argv, first, {}, {});
  args.fail("not available yet");
}

}  // namespace fixgate::journal_tool
