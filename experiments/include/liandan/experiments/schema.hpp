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

#include "liandan/core/fields.hpp"

namespace liandan::experiments {

enum class Type {
  integer,   // a whole number (int64)
  number,    // a real number (double); integers are accepted
  boolean,   // true / false
  string,    // one scalar; `choices` restricts it
  strings,   // a list of scalars; a single scalar is read as a one-element list
  integers,  // a list of whole numbers (axes); a single one is read as a one-element list
  list,      // a list of maps, each checked against `items`
  map,       // a map whose keys the schema leaves to its user (a sweep's grid)
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

// The schema rows of an options struct's field table (Note [Field tables]), each path
// prefix + the field's name, its default read from a default-constructed S (an optional field
// is optional and unset: "~"). when makes them variants (Note [Config schema]).
Key key_of(const std::string& path, FieldKind kind, const std::optional<FieldValue>& fallback,
           const std::string& help, const Range& range, const std::vector<std::string>& choices,
           bool optional);
template <typename S>
std::vector<Key> keys_of(const Fields<S>& table, const std::string& prefix = "",
                         const std::string& when = "") {
  const S defaults{};
  std::vector<Key> keys;
  for (const Field<S>& f : table) {
    keys.push_back(
        key_of(prefix + f.name, f.kind, f.get(defaults), f.help, f.range, f.choices, f.optional));
    keys.back().when = when;
  }
  return keys;
}

// keys as a Markdown table (option, default, range, meaning), each path without prefix: the
// option tables README shows.
std::string markdown_table(const std::vector<Key>& keys, const std::string& prefix);

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

}  // namespace liandan::experiments
