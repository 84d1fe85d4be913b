// Shared by the experiments tests: a scratch directory and a tiny spiral config.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace liandan::test {

// A fresh directory under /tmp, removed when the object dies.
struct ScratchDir {
  std::filesystem::path path;
  explicit ScratchDir(const std::string& name)
      : path(std::filesystem::temp_directory_path() /
             ("liandan_test_" + name + "_" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~ScratchDir() { std::filesystem::remove_all(path); }
  std::filesystem::path write(const std::string& file, const std::string& text) const {
    std::ofstream(path / file) << text;
    return path / file;
  }
};

// A spiral run of a few dozen small steps: checkpoints every 10, logs every 5, evaluates every 10.
inline const char* tiny_config = R"(task: spiral
model: {hidden: 8, depth: 1}
data: {batch_size: 16, eval_size: 64}
optimizer:
  name: adamw
  adamw: {lr: 0.01}
  groups: [{name: no_decay, params: ["*.bias"], weight_decay: 0}]
schedule: {name: warmup_cosine, warmup_cosine: {warmup_steps: 5}}
train: {steps: 30, log_interval: 5, eval_interval: 10, checkpoint_interval: 10, keep_checkpoints: 2}
seed: 3
threads: 1
)";

}  // namespace liandan::test
