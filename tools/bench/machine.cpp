// SPDX-License-Identifier: Apache-2.0
#include "machine.hpp"

#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>

namespace fixgate::bench {
namespace {

std::string fs_name(const std::string& dir) {
  struct statfs s{};
  if (::statfs(dir.c_str(), &s) != 0) return "unknown";
  // The few magic numbers a benchmark is likely to run on; tmpfs matters most (no real fsync).
  switch (static_cast<unsigned long>(s.f_type)) {
    case 0xEF53UL: return "ext4";
    case 0x01021994UL: return "tmpfs";
    case 0x58465342UL: return "xfs";
    case 0x9123683EUL: return "btrfs";
    case 0x794C7630UL: return "overlayfs";
    default: return "other";
  }
}

}  // namespace

Machine describe_machine(const std::string& work_dir) {
  Machine m;
  const long online = ::sysconf(_SC_NPROCESSORS_ONLN);
  m.cpus = online > 0 ? static_cast<unsigned>(online) : 0;
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.starts_with("model name")) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) m.cpu_model = line.substr(line.find_first_not_of(' ', colon + 1));
      break;
    }
  }
  utsname u{};
  if (::uname(&u) == 0) m.kernel = std::string(u.sysname) + " " + u.release;
  m.work_fs = fs_name(work_dir);
  return m;
}

}  // namespace fixgate::bench
