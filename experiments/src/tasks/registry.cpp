// The task registry: each task is defined in its own file, tasks/<name>.cpp, whose
// `TaskEntry <name>_task()` makes its entry; the list below names each task once, in the order of
// the `task` key's choices. Adding a task is its file plus one line here.
#include <fmt/format.h>

#include "liandan/experiments/tasks.hpp"

// X(name) for every task, in order.
#define LIANDAN_TASKS(X) \
  X(spiral)              \
  X(fashion_mlp)         \
  X(byte_lm)             \
  X(position_probe)      \
  X(vae_fashion)         \
  X(eae_fashion)         \
  X(gan_mixture)         \
  X(gan_fashion)

namespace liandan::experiments {

#define LIANDAN_DECLARE_TASK(name) TaskEntry name##_task();
LIANDAN_TASKS(LIANDAN_DECLARE_TASK)

const std::vector<TaskEntry>& task_table() {
#define LIANDAN_LIST_TASK(name) name##_task(),
  static const std::vector<TaskEntry> table = {LIANDAN_TASKS(LIANDAN_LIST_TASK)};
  return table;
}

std::string task_options_markdown() {
  std::string out;
  for (const TaskEntry& e : task_table())
    out += fmt::format("{}`task: {}`: {}{}\n\n{}", out.empty() ? "" : "\n", e.name, e.help,
                       e.takes_fid_classifier ? " (takes eval.fid_classifier)" : "",
                       markdown_table(e.keys, ""));
  return out;
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
