// metrics.jsonl reading, truncation, appending, and the summary.
#include "liandan/experiments/metrics.hpp"

#include <fstream>

#include "liandan/core/error.hpp"
#include "liandan/experiments/run_dir.hpp"

namespace liandan::experiments {

std::vector<json> read_metrics(const std::filesystem::path& path) {
  std::vector<json> lines;
  if (!std::filesystem::exists(path)) return lines;
  std::ifstream in(path);
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    try {
      lines.push_back(json::parse(line));
    } catch (const json::exception& e) {
      throw Error(fmt::format("{}:{}: not a JSON object: {}", path.string(), number, e.what()));
    }
  }
  return lines;
}

void truncate_metrics(const std::filesystem::path& path, std::int64_t last_step) {
  if (!std::filesystem::exists(path)) return;
  std::string kept;
  for (const json& line : read_metrics(path))
    if (line.at("step").get<std::int64_t>() <= last_step) kept += line.dump() + "\n";
  write_file_atomic(path, kept);
}

void append_metrics(const std::filesystem::path& path, const json& line) {
  std::ofstream out(path, std::ios::app);
  out << line.dump() << "\n";
  out.flush();
  check(out.good(), "cannot append to '{}'", path.string());
}

json summarize(const std::vector<json>& lines,
               const std::function<bool(const std::string&)>& higher_is_better) {
  json summary = {
      {"steps", 0}, {"wall_time", 0.0}, {"final", json::object()}, {"best", json::object()}};
  for (const json& line : lines) {
    summary["steps"] = line.at("step");
    if (line.contains("wall_time")) summary["wall_time"] = line["wall_time"];
    for (const auto& [key, value] : line.items()) {
      if (!value.is_number() || key == "step") continue;
      if (key != "wall_time" && key != "examples_per_s" && key != "tokens_per_s")
        summary["final"][key] = value;
      if (key.rfind("eval_", 0) != 0) continue;
      const bool up = higher_is_better(key.substr(5));
      json& best = summary["best"][key];
      const double v = value.get<double>();
      if (best.is_null() ||
          (up ? v > best["value"].get<double>() : v < best["value"].get<double>()))
        best = {{"value", v}, {"step", line.at("step")}};
    }
  }
  return summary;
}

}  // namespace liandan::experiments
