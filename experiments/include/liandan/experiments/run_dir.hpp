// A run directory and its files:
//   config.yaml        the resolved config (defaults filled in)
//   run.log            the spdlog log (also echoed to the terminal)
//   metrics.jsonl      one JSON object per logged step (metrics_log.hpp)
//   checkpoints/step_00000100.h5 ...   the last keep_checkpoints checkpoints (checkpointing.hpp)
//   summary.json       written when the run finishes: final and best metrics, steps, wall time
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace liandan::experiments {

namespace fs = std::filesystem;

class RunDir {
 public:
  explicit RunDir(fs::path root) : root_(std::move(root)) {}
  const fs::path& root() const { return root_; }
  fs::path config() const { return root_ / "config.yaml"; }
  fs::path log() const { return root_ / "run.log"; }
  fs::path metrics() const { return root_ / "metrics.jsonl"; }
  fs::path summary() const { return root_ / "summary.json"; }
  fs::path groups() const { return root_ / "groups.md"; }  // the resolved parameter groups
  fs::path checkpoints() const { return root_ / "checkpoints"; }
  fs::path checkpoint(std::int64_t step) const;

  // The checkpoints present, by step ascending (files named step_<digits>.h5).
  std::vector<std::pair<std::int64_t, fs::path>> list_checkpoints() const;
  std::optional<fs::path> latest_checkpoint() const;
  // Deletes all but the n latest checkpoints (n >= 1).
  void keep_last(std::size_t n) const;
  bool finished() const { return fs::exists(summary()); }

 private:
  fs::path root_;
};

// Writes text to path atomically (a temporary file renamed over it).
void write_file_atomic(const fs::path& path, const std::string& text);
std::string read_file(const fs::path& path);

}  // namespace liandan::experiments
