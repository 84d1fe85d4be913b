// The liandan command line. Subcommands (train, compare, ...) arrive with the experiments layer.
#include <CLI/CLI.hpp>

#include <iostream>

int main(int argc, char** argv) {
  CLI::App app{"liandan: a deep-learning training framework with its own autodiff (炼丹)"};
  app.set_version_flag("--version", std::string("liandan ") + LIANDAN_VERSION);
  app.require_subcommand(0);
  CLI11_PARSE(app, argc, argv);
  if (argc == 1) std::cout << app.help();
  return 0;
}
