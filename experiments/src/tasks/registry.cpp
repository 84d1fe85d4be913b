// The task registry: each task is defined in its own file, tasks/<name>.cpp, declared here and
// listed once. The order is that of the `task` key's choices.
#include <fmt/format.h>

#include "liandan/experiments/tasks.hpp"

namespace liandan::experiments {

TaskEntry spiral_task();
TaskEntry fashion_mlp_task();
TaskEntry byte_lm_task();
TaskEntry position_probe_task();
TaskEntry vae_fashion_task();
TaskEntry eae_fashion_task();
TaskEntry gan_mixture_task();
TaskEntry gan_fashion_task();

const std::vector<TaskEntry>& task_table() {
  static const std::vector<TaskEntry> table = {
      spiral_task(),          // tasks/spiral.cpp
      fashion_mlp_task(),     // tasks/fashion_mlp.cpp
      byte_lm_task(),         // tasks/byte_lm.cpp
      position_probe_task(),  // tasks/position_probe.cpp
      vae_fashion_task(),     // tasks/vae_fashion.cpp
      eae_fashion_task(),     // tasks/eae_fashion.cpp
      gan_mixture_task(),     // tasks/gan_mixture.cpp
      gan_fashion_task(),     // tasks/gan_fashion.cpp
  };
  return table;
}

std::unique_ptr<Task> make_task(const Config& config,
                                std::shared_ptr<ImageFeatures> fid_classifier) {
  const auto name = config.get<std::string>("task");
  for (const TaskEntry& entry : task_table())
    if (entry.name == name)
      return entry.build(config, {.seed = config.get<std::uint64_t>("seed"),
                                  .fid_classifier = std::move(fid_classifier)});
  throw Error(fmt::format("task: unknown task '{}'", name));
}

}  // namespace liandan::experiments
