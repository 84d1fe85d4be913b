// Training checkpoints: everything a run needs to continue bit-identically, in one HDF5 file
// written atomically by nn::save.
//
// Note [Checkpoint contents]: keys "model.<name>" (the model's state_dict), "optimizer.<key>"
// (Note [Optimizer state_dict]), "sampler.<name>" (the task's data sampler), "rng.seed" and
// "rng.offset" (the default Philox generator, u64 stored bit-for-bit as i64), "trainer.step"
// (optimizer steps taken) and "trainer.wall_time" (seconds, f64, so wall time keeps counting
// across resumes). Metadata: "step" and "format" = "liandan-run-1".
#pragma once

#include <filesystem>

#include "liandan/experiments/tasks.hpp"
#include "liandan/optim/optimizer.hpp"

namespace liandan::experiments {

struct TrainerState {
  std::int64_t step = 0;  // optimizer steps taken
  double wall_time = 0;   // seconds of training so far
};

void save_checkpoint(const std::filesystem::path& path, Task& task,
                     const optim::Optimizer& optimizer, const TrainerState& state);
// Restores model, optimizer, sampler and the default generator; returns the trainer state.
TrainerState load_checkpoint(const std::filesystem::path& path, Task& task,
                             optim::Optimizer& optimizer);
// Restores the model only (for evaluation); returns the step.
std::int64_t load_model(const std::filesystem::path& path, Task& task);

}  // namespace liandan::experiments
