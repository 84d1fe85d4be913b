// The report table and the call of the plotting script.
#include "liandan/experiments/report.hpp"

#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <iostream>
#include <map>
#include <set>

#include "liandan/experiments/config.hpp"
#include "liandan/experiments/metrics.hpp"
#include "liandan/experiments/run_dir.hpp"

namespace liandan::experiments {
namespace {

struct Group {
  std::string label;
  std::vector<json> summaries;
};

std::string label_of(const fs::path& run, const std::string& group_by) {
  const Config config = Config::load(RunDir(run).config().string());
  return config.has(group_by) ? config.get<std::string>(group_by) : "(unset)";
}

std::vector<double> collect(const std::vector<json>& summaries, const std::string& section,
                            const std::string& key, bool best) {
  std::vector<double> values;
  for (const json& s : summaries) {
    if (!s.contains(section) || !s[section].contains(key)) continue;
    values.push_back(best ? s[section][key]["value"].get<double>() : s[section][key].get<double>());
  }
  return values;
}

// Runs argv without a shell; returns its exit status (-1 when it could not start).
int run_program(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

std::string mean_std(const std::vector<double>& values) {
  if (values.empty()) return "";
  double mean = 0;
  for (double v : values) mean += v;
  mean /= static_cast<double>(values.size());
  if (values.size() == 1) return fmt::format("{:.4g}", mean);
  double ss = 0;
  for (double v : values) ss += (v - mean) * (v - mean);
  return fmt::format("{:.4g} ± {:.2g}", mean,
                     std::sqrt(ss / static_cast<double>(values.size() - 1)));
}

std::string report_table(const std::vector<fs::path>& runs, const std::string& group_by) {
  std::vector<Group> groups;
  std::vector<std::string> skipped;
  std::set<std::string> final_keys, best_keys;
  for (const fs::path& run : runs) {
    const RunDir dir(run);
    if (!dir.finished()) {
      skipped.push_back(run.string());
      continue;
    }
    json summary;
    try {
      summary = json::parse(read_file(dir.summary()));
      check(summary.is_object() && summary.contains("final") && summary.contains("best"),
            "not a run summary (no \"final\" and \"best\")");
    } catch (const std::exception& e) {  // nlohmann's errors name no file
      throw Error(fmt::format("report: '{}': {}", dir.summary().string(), e.what()));
    }
    const std::string label = label_of(run, group_by);
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const Group& g) { return g.label == label; });
    if (it == groups.end()) it = groups.insert(groups.end(), Group{label, {}});
    it->summaries.push_back(summary);
    for (const auto& [key, value] : summary["final"].items())
      if (key == "loss" || key.rfind("eval_", 0) == 0) final_keys.insert(key);
    for (const auto& [key, value] : summary["best"].items()) best_keys.insert(key);
  }
  std::vector<std::string> header = {group_by, "runs", "steps"};
  for (const std::string& k : final_keys) header.push_back(fmt::format("final {}", k));
  for (const std::string& k : best_keys) header.push_back(fmt::format("best {}", k));
  header.push_back("wall time (s)");
  std::string table = fmt::format("| {} |\n|{}\n", fmt::join(header, " | "), [&] {
    std::string s;
    for (std::size_t i = 0; i < header.size(); ++i) s += "---|";
    return s;
  }());
  for (const Group& g : groups) {
    std::vector<std::string> row = {g.label, std::to_string(g.summaries.size())};
    std::vector<double> steps, wall;
    for (const json& s : g.summaries) {
      steps.push_back(s["steps"].get<double>());
      wall.push_back(s["wall_time"].get<double>());
    }
    row.push_back(mean_std(steps));
    for (const std::string& k : final_keys)
      row.push_back(mean_std(collect(g.summaries, "final", k, false)));
    for (const std::string& k : best_keys)
      row.push_back(mean_std(collect(g.summaries, "best", k, true)));
    row.push_back(mean_std(wall));
    table += fmt::format("| {} |\n", fmt::join(row, " | "));
  }
  for (const std::string& s : skipped)
    table += fmt::format("\n(skipped {}: no summary.json, the run has not finished)\n", s);
  return table;
}

std::string write_report(const std::vector<fs::path>& runs, const ReportOptions& options) {
  const std::string table = report_table(runs, options.group_by);
  fs::create_directories(options.out_dir);
  write_file_atomic(options.out_dir / "report.md", "# Report\n\n" + table);
  if (!options.plots) return table;
  std::vector<std::string> args = {
      "/usr/bin/python3", std::string(LIANDAN_SOURCE_DIR) + "/experiments/scripts/plot_runs.py",
      options.out_dir.string()};
  for (const fs::path& run : runs) {
    if (!RunDir(run).finished()) continue;
    args.push_back(label_of(run, options.group_by));
    args.push_back(run.string());
  }
  if (const int status = run_program(args); status != 0)
    std::cerr << fmt::format(
        "report: the plots were not made ({} exited with {}); is "
        "python3-matplotlib installed?\n",
        args[1], status);
  return table;
}

}  // namespace liandan::experiments
