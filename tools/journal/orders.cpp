// orders: the state of every order as of a time, by replaying the journal through the engine.

#include "commands.hpp"
#include "common.hpp"

namespace fixgate::journal_tool {

int cmd_orders(int argc, char** argv, int first) {
  const Args args("orders", argc, argv, first, {"--config", "--at", "--format"}, {});
  args.fail("not available in this build: the engine's replay_orders is not there yet");
}

}  // namespace fixgate::journal_tool
