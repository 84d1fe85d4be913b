// `liandan compare SWEEP.yaml`: a grid of runs over config keys, run one after another, then the
// report. A sweep file:
//   config: quickstart.yaml          # the base run config, relative to the sweep file
//   grid:                            # every combination, the first key varying slowest
//     optimizer.name: [adamw, lion]
//     seed: [0, 1, 2]
//   set: {train.steps: 300}          # overrides for every run (optional)
//   out: runs/optimizers             # the sweep directory (default runs/<sweep file name>)
//   group_by: optimizer.name         # the report's grouping key (default: the first grid key)
// Each run lives in out/<key>=<value>,... ('/' and '%' in a value written %2F and %25, so no run
// leaves out); a finished run (summary.json) is skipped, one with a
// config.yaml is resumed, the others start.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace liandan::experiments {

struct SweepRun {
  std::string name;                    // "optimizer.name=adamw,seed=0", the run's directory
  std::vector<std::string> overrides;  // "key=value", set first, then the grid point
};

struct Sweep {
  std::filesystem::path config;  // the base config
  std::filesystem::path out;
  std::string group_by;
  std::vector<SweepRun> runs;
};

// Reads and checks a sweep file (errors name the file, line and key as for run configs).
Sweep load_sweep(const std::filesystem::path& path);

struct CompareOptions {
  bool console = true;
  bool plots = true;
};
// Runs every run of the sweep not yet finished, then writes the report in sweep.out; returns
// the report table.
std::string run_sweep(const Sweep& sweep, const CompareOptions& options);

}  // namespace liandan::experiments
