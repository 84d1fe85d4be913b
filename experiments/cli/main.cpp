// The liandan command line: the subcommands live in the experiments library (cli.hpp).
#include "liandan/experiments/cli.hpp"

int main(int argc, char** argv) { return liandan::experiments::run_cli(argc, argv); }
