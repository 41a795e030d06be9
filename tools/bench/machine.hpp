// SPDX-License-Identifier: Apache-2.0
#pragma once
// The machine a run happened on, for the report: figures mean little without it.

#include <string>

namespace fixgate::bench {

/// What the report says about the machine.
struct Machine {
  unsigned cpus = 0;        ///< online CPUs (nproc)
  std::string cpu_model;    ///< "model name" from /proc/cpuinfo
  std::string kernel;       ///< uname -sr
  std::string work_fs;      ///< file system type of the work directory (journal and FileStore live there)
};

/// Describes this machine; `work_dir` is where journals and stores are written.
Machine describe_machine(const std::string& work_dir);

}  // namespace fixgate::bench
