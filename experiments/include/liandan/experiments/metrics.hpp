// metrics.jsonl and summary.json.
//
// Note [Metrics lines]: one JSON object per logged step (every train.log_interval steps, every
// train.eval_interval steps and the last step):
//   {"step": 100, "loss": 0.41, "lr": {"default": 0.003}, "grad_norm": 0.52,
//    "examples_per_s": 12000.0, "wall_time": 1.9, "eval_loss": 0.40, "eval_accuracy": 0.87}
// "loss" is the training loss of that step's batch; "eval_*" appear on evaluation steps;
// "tokens_per_s" replaces "examples_per_s" for token tasks. wall_time and the throughput are the
// only fields that differ between an uninterrupted run and a resumed one (timing_fields).
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace liandan::experiments {

// Keys keep their insertion order, so every line starts with "step".
using json = nlohmann::ordered_json;

// The fields that depend on timing, not on the computation.
inline const std::vector<std::string> timing_fields = {"wall_time", "examples_per_s",
                                                       "tokens_per_s"};

// The lines of metrics.jsonl; a line that is not a JSON object with an integer "step" is an Error
// naming the file and line. With torn_last_line, a last line that is not valid JSON (a write cut
// short by a crash) is dropped and its text stored there instead.
std::vector<json> read_metrics(const std::filesystem::path& path,
                               std::string* torn_last_line = nullptr);
// Keeps the lines with step <= last_step (a resumed run rewrites what followed its checkpoint)
// and drops a torn last line, whose text it returns ("" when there was none).
std::string truncate_metrics(const std::filesystem::path& path, std::int64_t last_step);
// Appends one line in one write (never through a symbolic link).
void append_metrics(const std::filesystem::path& path, const json& line);

// summary.json from the metrics lines: {"steps", "wall_time", "final": {metric: value},
// "best": {eval metric: {"value", "step"}}}; higher_is_better(metric) takes the name without
// "eval_".
json summarize(const std::vector<json>& lines,
               const std::function<bool(const std::string&)>& higher_is_better);

}  // namespace liandan::experiments
