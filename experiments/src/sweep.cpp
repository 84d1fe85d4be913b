// Sweeps: a grid of runs over config keys, then the report.
#include "liandan/experiments/sweep.hpp"

#include <fmt/format.h>

#include <iostream>

#include "liandan/experiments/config.hpp"
#include "liandan/experiments/report.hpp"
#include "liandan/experiments/run_dir.hpp"
#include "liandan/experiments/schema.hpp"
#include "liandan/experiments/trainer.hpp"

namespace liandan::experiments {
namespace {

const std::vector<Key>& sweep_schema() {
  static const std::vector<Key> schema = {
      {.path = "config", .type = Type::string, .help = "the base run config"},
      {.path = "grid", .type = Type::map, .help = "config key: list of values"},
      {.path = "set", .type = Type::map, .fallback = "{}", .help = "overrides for every run"},
      {.path = "out", .type = Type::string, .fallback = "~", .help = "the sweep directory"},
      {.path = "group_by", .type = Type::string, .fallback = "~", .help = "the report's key"},
  };
  return schema;
}

std::string flow(const YAML::Node& value) {
  YAML::Emitter out;
  out << YAML::Flow << value;
  return out.c_str();
}

// A grid value as part of a run's directory name: '/' (and '%', the escape) percent-encoded,
// so that a value such as "runs/../x" names one directory inside the sweep's out. The name
// always holds "key=", so it is never "." or "..".
std::string directory_safe(const std::string& value) {
  std::string out;
  for (const char c : value) {
    if (c == '/')
      out += "%2F";
    else if (c == '%')
      out += "%25";
    else
      out += c;
  }
  return out;
}

}  // namespace

Sweep load_sweep(const fs::path& path) {
  YAML::Node raw;
  try {
    raw = YAML::Load(read_file(path));
  } catch (const YAML::Exception& e) {
    throw Error(fmt::format("{}:{}:{}: invalid YAML: {}", path.string(), e.mark.line + 1,
                            e.mark.column + 1, e.msg));
  }
  const YAML::Node s = validate(raw, sweep_schema(), {.file = path.string(), .overrides = {}});
  Sweep sweep;
  sweep.config = path.parent_path() / s["config"].Scalar();
  sweep.out = s["out"].IsNull() ? fs::path("runs") / path.stem() : fs::path(s["out"].Scalar());
  std::vector<std::string> common;
  for (const auto& kv : s["set"]) common.push_back(kv.first.Scalar() + "=" + flow(kv.second));
  // Grid points: the first key varies slowest.
  std::vector<std::pair<std::string, std::vector<std::string>>> axes;
  for (const auto& kv : raw["grid"]) {
    const std::string key = kv.first.Scalar();
    check(kv.second.IsSequence() && kv.second.size() > 0,
          "{}:{}:{}: grid.{}: expected a non-empty list of values", path.string(),
          kv.second.Mark().line + 1, kv.second.Mark().column + 1, key);
    std::vector<std::string> values;
    for (const YAML::Node& v : kv.second) values.push_back(flow(v));
    axes.emplace_back(key, values);
  }
  check(!axes.empty(), "{}: grid: no keys to sweep over", path.string());
  sweep.group_by = s["group_by"].IsNull() ? axes[0].first : s["group_by"].Scalar();
  std::vector<SweepRun> runs = {{"", common}};
  for (const auto& [key, values] : axes) {
    std::vector<SweepRun> next;
    for (const SweepRun& run : runs)
      for (const std::string& v : values) {
        SweepRun r = run;
        r.name += fmt::format("{}{}={}", r.name.empty() ? "" : ",", key, directory_safe(v));
        r.overrides.push_back(key + "=" + v);
        next.push_back(std::move(r));
      }
    runs = std::move(next);
  }
  sweep.runs = std::move(runs);
  // Check every run's config now, before the first run starts.
  for (const SweepRun& run : sweep.runs) {
    try {
      Config::load(sweep.config.string(), run.overrides);
    } catch (const Error& e) {
      throw Error(fmt::format("{}: run {}: {}", path.string(), run.name, e.what()));
    }
  }
  return sweep;
}

std::string run_sweep(const Sweep& sweep, const CompareOptions& options) {
  std::vector<fs::path> dirs;
  for (std::size_t i = 0; i < sweep.runs.size(); ++i) {
    const SweepRun& run = sweep.runs[i];
    const RunDir dir(sweep.out / run.name);
    dirs.push_back(dir.root());
    if (options.console)
      std::cout << fmt::format("[{}/{}] {}{}\n", i + 1, sweep.runs.size(), run.name,
                               dir.finished() ? ": finished, skipped" : "");
    if (dir.finished()) continue;
    const TrainResult result = train(Config::load(sweep.config.string(), run.overrides),
                                     {.out_dir = dir.root(),
                                      .resume = fs::exists(dir.config()),
                                      .console = options.console,
                                      .after_step = {}});
    if (result.interrupted) {
      if (options.console) std::cout << "sweep interrupted; run it again to continue\n";
      return "";
    }
  }
  return write_report(dirs,
                      {.group_by = sweep.group_by, .out_dir = sweep.out, .plots = options.plots});
}

}  // namespace liandan::experiments
