// The `liandan` command line (CLI11): train, eval, report, compare, sample, version.
//   liandan train CONFIG [--set key.sub=value ...] [--out DIR] [--resume] [--quiet]
//   liandan eval RUN_DIR
//   liandan report RUN_DIR... [--group-by KEY] [--out DIR] [--no-plots]
//   liandan compare SWEEP.yaml [--no-plots] [--quiet]
//   liandan version
// Errors print "liandan: error: <message>" to stderr and return 1; an interrupted train
// returns 130 after writing its checkpoint.
#pragma once

namespace liandan::experiments {

int run_cli(int argc, char** argv);

}  // namespace liandan::experiments
