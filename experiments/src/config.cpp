// Config: loading, overrides and the run schema's common keys.
#include "liandan/experiments/config.hpp"

#include <fmt/format.h>

#include <charconv>
#include <fstream>
#include <sstream>

#include "liandan/experiments/optimizers.hpp"
#include "liandan/experiments/schedules.hpp"
#include "liandan/experiments/tasks.hpp"

namespace liandan::experiments {
namespace {

std::vector<std::string> task_names() {
  std::vector<std::string> names;
  for (const TaskEntry& t : task_table()) names.push_back(t.name);
  return names;
}

// Note [Thread bound]: threads is at most 1024. Far more threads than cores only slows a run
// down, and a huge count (100000) made libgomp crash creating its pool; 1024 is a fixed bound
// (not a multiple of this machine's cores) so that a config valid on one machine is valid on
// every other.
Key threads_key() {
  Key key = integer_key("threads", 0, "OpenMP threads (0: OpenMP's default)", 0);
  key.max = 1024;
  return key;
}

// Keys every run has, whatever the task and optimizer.
std::vector<Key> common_keys() {
  return {
      {.path = "task",
       .type = Type::string,
       .help = "the task (model, data, loss)",
       .choices = task_names()},
      integer_key("train.steps", 1000, "optimizer steps", 1),
      integer_key("train.log_interval", 10, "steps between metrics.jsonl lines", 1),
      integer_key("train.eval_interval", 100, "steps between evaluations (and at the end)", 1),
      integer_key("train.checkpoint_interval", 0, "steps between checkpoints (0: only at the end)",
                  0),
      integer_key("train.keep_checkpoints", 2, "how many of the latest checkpoints to keep", 1),
      {.path = "init_from",
       .type = Type::string,
       .fallback = "''",
       .help = "a checkpoint whose model weights start the run (fine-tuning); empty: none"},
      integer_key("seed", 0, "seeds model init and data", 0),
      threads_key(),
  };
}

// The run the runner loads and hands to the tasks that measure a FID (fid.hpp).
Key fid_classifier_key() {
  return {.path = "eval.fid_classifier",
          .type = Type::string,
          .fallback = "''",
          .help =
              "run directory (relative to the working directory) of a Fashion-MNIST "
              "classifier (experiments/configs/fid_classifier.yaml) whose features give "
              "the eval's FID; empty: no FID"};
}

}  // namespace

std::vector<Key> run_schema(const std::string& task) {
  // In the order config.yaml shows them: the task and its keys, optimizer, schedule, the rest.
  const std::vector<Key> common = common_keys();
  std::vector<Key> schema = {common[0]};
  for (const TaskEntry& t : task_table())
    if (t.name == task) {
      schema.insert(schema.end(), t.keys.begin(), t.keys.end());
      if (t.takes_fid_classifier) schema.push_back(fid_classifier_key());
    }
  for (const std::vector<Key>& part : {optimizer_keys(), schedule_keys()})
    schema.insert(schema.end(), part.begin(), part.end());
  schema.insert(schema.end(), common.begin() + 1, common.end());
  return schema;
}

std::pair<std::string, std::string> split_override(const std::string& assignment) {
  const std::size_t eq = assignment.find('=');
  check(eq != std::string::npos && eq > 0,
        "--set {}: expected key=value (e.g. optimizer.name=lion)", assignment);
  return {assignment.substr(0, eq), assignment.substr(eq + 1)};
}

Config Config::parse(const std::string& text, const std::string& name,
                     const std::vector<std::string>& overrides) {
  YAML::Node raw;
  try {
    raw = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw Error(
        fmt::format("{}:{}:{}: invalid YAML: {}", name, e.mark.line + 1, e.mark.column + 1, e.msg));
  }
  Source source{.file = name, .overrides = {}};
  for (const std::string& assignment : overrides) {
    const auto [key, value] = split_override(assignment);
    set_dotted(raw, key, value);
    source.overrides[key] = assignment;
  }
  // The task decides the model.* and data.* keys: check it first, alone.
  std::string task;
  if (raw.IsMap() && raw["task"].IsDefined()) {
    const std::vector<Key> only_task = {common_keys()[0]};
    YAML::Node just_task(YAML::NodeType::Map);
    just_task["task"] = raw["task"];
    task = validate(just_task, only_task, source)["task"].Scalar();
  }
  return Config(validate(raw, run_schema(task), source), "");
}

Config Config::load(const std::string& path, const std::vector<std::string>& overrides) {
  std::ifstream in(path);
  check(in.good(), "config: cannot open '{}'", path);
  std::stringstream text;
  text << in.rdbuf();
  return parse(text.str(), path, overrides);
}

std::string Config::yaml() const {
  YAML::Emitter out;
  out << node_;
  return std::string(out.c_str()) + "\n";
}

YAML::Node Config::find(const std::string& key) const {
  YAML::Node cur = node_;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = key.find('.', start);
    const std::string part = key.substr(start, dot - start);
    const YAML::Node& c = cur;
    std::size_t i = 0;
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), i);
    const bool index = cur.IsSequence() && !part.empty() && ec == std::errc() &&
                       end == part.data() + part.size() && i < cur.size();
    if (!cur.IsMap() && !index) return YAML::Node(YAML::NodeType::Undefined);
    const YAML::Node next = index ? c[i] : c[part];
    if (!next.IsDefined()) return next;
    cur.reset(next);
    if (dot == std::string::npos) return cur;
    start = dot + 1;
  }
}

bool Config::has(const std::string& key) const {
  const YAML::Node n = find(key);
  return n.IsDefined() && !n.IsNull();
}

Config Config::at(const std::string& section) const {
  const YAML::Node n = find(section);
  check(n.IsDefined() && (n.IsMap() || n.IsSequence()), "config: {}: no such section",
        full(section));
  return Config(n, full(section));
}

std::optional<FieldValue> field_value(const Config& section, const std::string& key,
                                      FieldKind kind) {
  if (!section.has(key)) return std::nullopt;
  switch (kind) {
    case FieldKind::flag:
      return section.get<bool>(key);
    case FieldKind::integer:
      return section.get<std::int64_t>(key);
    case FieldKind::number:
      return section.get<double>(key);
    case FieldKind::choice:
    case FieldKind::text:
      return section.get<std::string>(key);
    case FieldKind::axes:
      return section.get<std::vector<std::int64_t>>(key);
  }
  return std::nullopt;
}

}  // namespace liandan::experiments
