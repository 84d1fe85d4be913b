// A config schema as data: a table of keys with their type, default, range and choices, and the
// validator that checks a YAML tree against it and fills in the defaults.
//
// Note [Config schema]: every key of a config is one `Key` row, addressed by its dotted path
// ("train.steps"). A path's prefixes are sections (maps). Validation walks the YAML tree:
// a key not in the table, a value of the wrong type or out of range is a liandan::Error
//   quickstart.yaml:7:3: optimizer.adamw.lrr: unknown key (did you mean 'lr'?)
// naming the file, line and column (yaml-cpp's Mark, 1-based here) and the dotted key. Values
// set from the command line name their `--set key=value` instead of a line. A row with
// `when = "optimizer.name=adamw"` is a variant: it is always checked when present, but its
// default is filled in only when the condition holds, so a config may carry the settings of
// several optimizers and a sweep over optimizer.name picks them up.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace liandan::experiments {

enum class Type {
  integer,  // a whole number (int64)
  number,   // a real number (double); integers are accepted
  boolean,  // true / false
  string,   // one scalar; `choices` restricts it
  strings,  // a list of scalars; a single scalar is read as a one-element list
  list,     // a list of maps, each checked against `items`
  map,      // a map whose keys the schema leaves to its user (a sweep's grid)
};

struct Key {
  std::string path{};  // dotted, e.g. "train.steps"
  Type type = Type::string;
  std::string fallback{};  // the default as YAML text; "" = required; "~" = optional, unset
  std::string help{};
  std::optional<double> min{};  // numbers: inclusive bounds, max exclusive if open_max
  std::optional<double> max{};
  bool open_max = false;
  std::vector<std::string> choices{};  // strings: the allowed values
  std::vector<Key> items{};            // list: the keys of each item (paths relative to the item)
  std::string when{};                  // "other.key=value": a variant (see the Note)
};

// Row builders for the task and optimizer tables: an integer with a lower bound, a number
// (bounds as Key's), one of a list of strings, a boolean.
Key integer_key(std::string path, std::int64_t fallback, std::string help, double min);
Key number_key(std::string path, double fallback, std::string help, double min = 0,
               std::optional<double> max = {}, bool open_max = false);
Key choice_key(std::string path, std::string fallback, std::string help,
               std::vector<std::string> choices);
Key flag_key(std::string path, bool fallback, std::string help);

// Where the values came from: the file name used in messages, and the `--set` text of every
// overridden dotted key.
struct Source {
  std::string file{};
  std::map<std::string, std::string> overrides{};
};

// Checks raw against schema (see Note [Config schema]) and returns the resolved tree: the keys in
// schema order, defaults filled in, numbers and booleans in canonical spelling.
YAML::Node validate(const YAML::Node& raw, const std::vector<Key>& schema, const Source& source);

// Sets the dotted key in root to value (parsed as YAML, e.g. "3e-4", "[a, b]"), creating sections.
void set_dotted(YAML::Node& root, const std::string& dotted, const std::string& value);

// Levenshtein distance; the "did you mean" suggestion picks the nearest candidate within
// max(2, |word| / 3) edits, or "" if none is that close.
std::size_t edit_distance(const std::string& a, const std::string& b);
std::string nearest(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace liandan::experiments
