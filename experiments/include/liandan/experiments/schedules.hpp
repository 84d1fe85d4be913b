// Learning-rate schedules from a run config: one entry per schedule, made by
// schedule_entry<S>(name, help) from an options struct S whose field table (Note [Field tables])
// names the keys schedule.<name>.* and whose make(total_steps, where) builds the multiplier.
// Adding a schedule is its struct in experiments/src/schedules.cpp plus one line in
// schedule_table().
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "liandan/experiments/config.hpp"
#include "liandan/experiments/schema.hpp"
#include "liandan/optim/schedule.hpp"

namespace liandan::experiments {

struct ScheduleEntry {
  std::string name;       // the value of schedule.name
  std::string help;       // what it does, with its formula
  std::vector<Key> keys;  // the keys schedule.<name>.*, variants on schedule.name
  // The multiplier of each group's base lr, options read from the resolved config; total_steps
  // is train.steps.
  std::function<optim::Schedule(const Config& config, std::int64_t total_steps)> build;
};
const std::vector<ScheduleEntry>& schedule_table();

// The entry of schedule options S (a struct with a field table and
// `optim::Schedule make(std::int64_t total_steps, const std::string& where) const`, where is
// "schedule.<name>" for its errors).
template <typename S>
ScheduleEntry schedule_entry(const std::string& name, std::string help) {
  const std::string section = "schedule." + name;
  return {.name = name,
          .help = std::move(help),
          .keys = keys_of(fields_of<S>(), section + ".", "schedule.name=" + name),
          .build = [section](const Config& config, std::int64_t total_steps) {
            const S options = fields_of<S>().empty()
                                  ? S{}
                                  : experiments::bind(config.at(section), fields_of<S>());
            return options.make(total_steps, section);
          }};
}

// The schema rows of schedule.* (see run_schema).
std::vector<Key> schedule_keys();

// Every schedule's options as Markdown, README's (`liandan options` prints them).
std::string schedule_options_markdown();

// The schedule of a run: schedule.name's entry with its options.
optim::Schedule make_schedule(const Config& config);

}  // namespace liandan::experiments
