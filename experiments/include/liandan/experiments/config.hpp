// The run config: a YAML file checked against the run schema (schema.hpp), with `--set key=value`
// overrides, defaults filled in, read back through typed getters.
//
// A run config (experiments/configs/quickstart.yaml is the smallest):
//   task: spiral                     # which Task (tasks.hpp): builds model, data and loss
//   model: {hidden: 64, depth: 2}    # the task's keys
//   data: {batch_size: 128}
//   optimizer:
//     name: adamw                    # the optimizer table (optimizers.hpp)
//     adamw: {lr: 3e-3}              # options per optimizer; several may be present
//     groups: [{name: no_decay, params: ["*.bias"], weight_decay: 0}]
//   schedule: {name: warmup_cosine, warmup_cosine: {warmup_steps: 20}}
//   train: {steps: 500, log_interval: 10, eval_interval: 100, checkpoint_interval: 250}
//   seed: 0
//   threads: 0
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <vector>

#include "liandan/core/error.hpp"
#include "liandan/experiments/schema.hpp"

namespace liandan::experiments {

class Config {
 public:
  // Reads path, applies overrides ("key.sub=value"), validates against run_schema and fills in
  // the defaults. Errors name the file, line and key (Note [Config schema]).
  static Config load(const std::string& path, const std::vector<std::string>& overrides = {});
  // The same from YAML text; name stands for the file in messages.
  static Config parse(const std::string& text, const std::string& name,
                      const std::vector<std::string>& overrides = {});

  // The resolved tree as YAML text (what config.yaml of a run directory holds).
  std::string yaml() const;
  const YAML::Node& node() const { return node_; }

  // The value at a dotted key below this view; an Error naming the key when it is missing.
  template <typename T>
  T get(const std::string& key) const {
    const YAML::Node n = find(key);
    check(n.IsDefined() && !n.IsNull(), "config: {}: no value", full(key));
    T value{};
    check(YAML::convert<T>::decode(n, value), "config: {}: cannot read '{}'", full(key),
          n.IsScalar() ? n.Scalar() : "(not a scalar)");
    return value;
  }
  // True when the key is present and not null (optional keys default to null).
  bool has(const std::string& key) const;
  // A view of a section: keys relative to it ("optimizer.adamw").
  Config at(const std::string& section) const;
  const std::string& prefix() const { return prefix_; }

 private:
  Config(YAML::Node node, std::string prefix)
      : node_(std::move(node)), prefix_(std::move(prefix)) {}
  YAML::Node find(const std::string& key) const;
  std::string full(const std::string& key) const {
    return prefix_.empty() ? key : prefix_ + "." + key;
  }

  YAML::Node node_;
  std::string prefix_;
};

// The value of a resolved key as the field kind reads it (a null key: nullopt).
std::optional<FieldValue> field_value(const Config& section, const std::string& key,
                                      FieldKind kind);

// An options struct read from a resolved config section through its field table (Note [Field
// tables]): every row's key relative to section, prefix + the field's name. The schema made
// by keys_of has already checked and defaulted the values; assign checks them again.
template <typename S>
S bind(const Config& section, const Fields<S>& table, const std::string& prefix = "") {
  S out{};
  for (const Field<S>& f : table)
    if (const std::optional<FieldValue> v = field_value(section, prefix + f.name, f.kind))
      assign(out, table, f.name, *v, section.prefix());
  return out;
}

// The schema of a run config with the given task (its model.* and data.* keys), every
// optimizer's and schedule's options (variants, Note [Config schema]) and the common keys.
std::vector<Key> run_schema(const std::string& task);

// "key.sub=value" -> (key.sub, value); an Error when there is no '='.
std::pair<std::string, std::string> split_override(const std::string& assignment);

}  // namespace liandan::experiments
