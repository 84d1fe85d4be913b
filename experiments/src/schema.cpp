// The config validator: see Note [Config schema] in schema.hpp.
#include "liandan/experiments/schema.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include "liandan/core/error.hpp"

namespace liandan::experiments {

Key integer_key(std::string path, std::int64_t fallback, std::string help, double min) {
  return {.path = std::move(path),
          .type = Type::integer,
          .fallback = std::to_string(fallback),
          .help = std::move(help),
          .min = min};
}
Key number_key(std::string path, double fallback, std::string help, double min,
               std::optional<double> max, bool open_max) {
  return {.path = std::move(path),
          .type = Type::number,
          .fallback = fmt::format("{}", fallback),
          .help = std::move(help),
          .min = min,
          .max = max,
          .open_max = open_max};
}
Key choice_key(std::string path, std::string fallback, std::string help,
               std::vector<std::string> choices) {
  return {.path = std::move(path),
          .type = Type::string,
          .fallback = std::move(fallback),
          .help = std::move(help),
          .choices = std::move(choices)};
}
Key flag_key(std::string path, bool fallback, std::string help) {
  return {.path = std::move(path),
          .type = Type::boolean,
          .fallback = fallback ? "true" : "false",
          .help = std::move(help)};
}
std::string markdown_table(const std::vector<Key>& keys, const std::string& prefix) {
  std::string out = "| option | default | range | meaning |\n|---|---|---|---|\n";
  for (const Key& key : keys) {
    const std::string range = !key.choices.empty() ? fmt::format("{}", fmt::join(key.choices, ", "))
                                                   : Range{key.min, key.max, key.open_max}.str();
    out += fmt::format("| {} | {} | {} | {} |\n", key.path.substr(prefix.size()),
                       key.fallback == "~" ? "unset" : key.fallback, range, key.help);
  }
  return out;
}

Key key_of(const std::string& path, FieldKind kind, const std::optional<FieldValue>& fallback,
           const std::string& help, const Range& range, const std::vector<std::string>& choices,
           bool optional) {
  Key key{.path = path,
          .help = help,
          .min = range.min,
          .max = range.max,
          .open_max = range.open_max,
          .choices = choices};
  switch (kind) {
    case FieldKind::flag:
      key.type = Type::boolean;
      break;
    case FieldKind::integer:
      key.type = Type::integer;
      break;
    case FieldKind::number:
      key.type = Type::number;
      break;
    case FieldKind::choice:
    case FieldKind::text:
      key.type = Type::string;
      break;
    case FieldKind::axes:
      key.type = Type::integers;
      break;
  }
  // Key's fallback is YAML text where "" means required: an empty string default is "''".
  if (fallback)
    key.fallback = str(*fallback).empty() ? "''" : str(*fallback);
  else if (optional)
    key.fallback = "~";
  return key;
}

namespace {

// Keys renamed in a release, old name -> new name, so that an old config names the new one.
const std::map<std::string, std::string> kRenamedKeys = {
    {"lr_scale", "lr_mult"},  // optimizer.groups.*: the multiplier has one name (optim's)
};

std::string join(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

std::vector<std::string> split_dotted(const std::string& dotted) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = dotted.find('.', start);
    parts.push_back(dotted.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts;
}

std::string parent_of(const std::string& path) {
  const std::size_t dot = path.rfind('.');
  return dot == std::string::npos ? "" : path.substr(0, dot);
}

std::string last_of(const std::string& path) { return path.substr(path.rfind('.') + 1); }

const char* kind_name(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a section";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Null:
      return "nothing";
    default:
      return "a scalar";
  }
}

std::string describe(const YAML::Node& node) {
  return node.IsScalar() ? fmt::format("'{}'", node.Scalar()) : kind_name(node);
}

const char* type_name(Type type) {
  switch (type) {
    case Type::integer:
      return "an integer";
    case Type::number:
      return "a number";
    case Type::boolean:
      return "a boolean (true or false)";
    case Type::string:
      return "a string";
    case Type::strings:
      return "a string or a list of strings";
    case Type::integers:
      return "an integer or a list of integers";
    case Type::list:
      return "a list of sections";
    case Type::map:
      return "a section of keys";
  }
  return "?";
}

// The keys of one schema level, relative paths, and every section (path prefix) they imply.
struct Index {
  std::map<std::string, const Key*> keys;
  std::set<std::string> sections;

  explicit Index(const std::vector<Key>& schema) {
    for (const Key& key : schema) {
      keys.emplace(key.path, &key);
      for (std::string p = parent_of(key.path); !p.empty(); p = parent_of(p)) sections.insert(p);
    }
  }
  std::vector<std::string> children(const std::string& section) const {
    std::set<std::string> names;
    for (const auto& [path, key] : keys)
      if (parent_of(path) == section) names.insert(last_of(path));
    for (const std::string& path : sections)
      if (parent_of(path) == section) names.insert(last_of(path));
    return {names.begin(), names.end()};
  }
};

class Validator {
 public:
  explicit Validator(const Source& source) : source_(source) {}

  YAML::Node resolve(const YAML::Node& raw, const std::vector<Key>& schema,
                     const std::string& prefix) {
    const Index index(schema);
    if (raw.IsDefined() && !raw.IsNull() && !raw.IsMap())
      fail(raw, prefix.empty() ? "(top level)" : prefix,
           fmt::format("expected a section of keys, got {}", describe(raw)));
    check_known(raw, "", prefix, index);
    YAML::Node out(YAML::NodeType::Map);
    for (const Key& key : schema) {
      const std::string full = join(prefix, key.path);
      const YAML::Node given = find(raw, key.path);
      if (given.IsDefined() && !given.IsNull()) {
        set_path(out, key.path, value(given, key, full));
      } else if (given.IsDefined() && key.fallback == "~") {
        set_path(out, key.path, YAML::Node(YAML::NodeType::Null));
      } else if (given.IsDefined()) {
        fail(given, full, fmt::format("expected {}, got nothing", type_name(key.type)));
      } else if (holds(key.when, out)) {
        if (key.fallback.empty())
          fail(nearest_defined(raw, parent_of(key.path)), full, "missing required key");
        set_path(out, key.path,
                 key.fallback == "~" ? YAML::Node(YAML::NodeType::Null)
                                     : value(YAML::Load(key.fallback), key, full));
      }
    }
    return out;
  }

 private:
  [[noreturn]] void fail(const YAML::Node& at, const std::string& key, const std::string& what) {
    for (std::string p = key; !p.empty(); p = parent_of(p)) {
      const auto it = source_.overrides.find(p);
      if (it != source_.overrides.end())
        throw Error(fmt::format("--set {}: {}: {}", it->second, key, what));
    }
    const YAML::Mark mark = at.IsDefined() ? at.Mark() : YAML::Mark::null_mark();
    if (mark.line < 0) throw Error(fmt::format("{}: {}: {}", source_.file, key, what));
    throw Error(
        fmt::format("{}:{}:{}: {}: {}", source_.file, mark.line + 1, mark.column + 1, key, what));
  }

  // Every key of node must be a schema key or a section of one (checked recursively).
  void check_known(const YAML::Node& node, const std::string& rel, const std::string& prefix,
                   const Index& index) {
    if (!node.IsMap()) return;
    for (const auto& kv : node) {
      const std::string name = kv.first.Scalar();
      const std::string path = join(rel, name);
      const std::string full = join(prefix, path);
      if (index.keys.count(path)) continue;
      if (index.sections.count(path)) {
        if (!kv.second.IsMap() && !kv.second.IsNull())
          fail(kv.second, full,
               fmt::format("expected a section of keys, got {}", describe(kv.second)));
        check_known(kv.second, path, prefix, index);
        continue;
      }
      std::string hint = nearest(name, index.children(rel));
      if (const auto renamed = kRenamedKeys.find(name);
          renamed != kRenamedKeys.end() && index.keys.count(join(rel, renamed->second))) {
        hint = fmt::format(" (renamed to '{}')", renamed->second);
      } else if (!hint.empty()) {
        hint = fmt::format(" (did you mean '{}'?)", hint);
      } else {
        for (const auto& [other, key] : index.keys)
          if (last_of(other) == name)
            hint = fmt::format(" (did you mean '{}'?)", join(prefix, other));
      }
      fail(kv.first, full, "unknown key" + hint);
    }
  }

  // The checked value in canonical spelling.
  YAML::Node value(const YAML::Node& given, const Key& key, const std::string& full) {
    const auto expected = [&] {
      fail(given, full, fmt::format("expected {}, got {}", type_name(key.type), describe(given)));
    };
    switch (key.type) {
      case Type::integer: {
        long long v = 0;
        if (!given.IsScalar() || !YAML::convert<long long>::decode(given, v)) expected();
        check_range(given, key, full, static_cast<double>(v));
        return YAML::Node(fmt::format("{}", v));
      }
      case Type::number: {
        double v = 0;
        if (!given.IsScalar() || !YAML::convert<double>::decode(given, v)) expected();
        // Note [Finite numbers]: no option means anything at infinity or NaN, and fmt would
        // write "inf", which config.yaml cannot be read back from: refused.
        if (!std::isfinite(v))
          fail(given, full, fmt::format("expected a finite number, got '{}'", given.Scalar()));
        check_range(given, key, full, v);
        return YAML::Node(fmt::format("{}", v));
      }
      case Type::boolean: {
        bool v = false;
        if (!given.IsScalar() || !YAML::convert<bool>::decode(given, v)) expected();
        return YAML::Node(v ? "true" : "false");
      }
      case Type::string: {
        if (!given.IsScalar()) expected();
        check_choice(given, key, full);
        return YAML::Node(given.Scalar());
      }
      case Type::strings: {
        YAML::Node out(YAML::NodeType::Sequence);
        if (given.IsScalar()) {
          out.push_back(given.Scalar());
          return out;
        }
        if (!given.IsSequence()) expected();
        for (const YAML::Node& item : given) {
          if (!item.IsScalar())
            fail(item, full, fmt::format("expected a string in the list, got {}", describe(item)));
          out.push_back(item.Scalar());
        }
        return out;
      }
      case Type::integers: {
        YAML::Node out(YAML::NodeType::Sequence);
        const auto item = [&](const YAML::Node& n) {
          long long v = 0;
          if (!n.IsScalar() || !YAML::convert<long long>::decode(n, v))
            fail(n, full, fmt::format("expected an integer in the list, got {}", describe(n)));
          out.push_back(fmt::format("{}", v));
        };
        if (given.IsScalar())
          item(given);
        else if (given.IsSequence())
          for (const YAML::Node& n : given) item(n);
        else
          expected();
        return out;
      }
      case Type::list: {
        if (!given.IsSequence()) expected();
        YAML::Node out(YAML::NodeType::Sequence);
        std::size_t i = 0;
        for (const YAML::Node& item : given)
          out.push_back(resolve(item, key.items, join(full, std::to_string(i++))));
        return out;
      }
      case Type::map: {
        if (!given.IsMap()) expected();
        return YAML::Clone(given);
      }
    }
    expected();
    return {};
  }

  void check_range(const YAML::Node& given, const Key& key, const std::string& full, double v) {
    const Range range{.min = key.min, .max = key.max, .open_max = key.open_max};
    if (!range.contains(v))
      fail(given, full, fmt::format("{} is out of range: must be {}", given.Scalar(), range.str()));
  }

  void check_choice(const YAML::Node& given, const Key& key, const std::string& full) {
    if (key.choices.empty()) return;
    const std::string& v = given.Scalar();
    if (std::find(key.choices.begin(), key.choices.end(), v) != key.choices.end()) return;
    const std::string hint = nearest(v, key.choices);
    fail(given, full,
         fmt::format("'{}' is not one of {}{}", v, fmt::join(key.choices, ", "),
                     hint.empty() ? "" : fmt::format(" (did you mean '{}'?)", hint)));
  }

  // when = "other.key=value" holds when the resolved other.key equals value ("" always holds).
  static bool holds(const std::string& when, const YAML::Node& out) {
    if (when.empty()) return true;
    const std::size_t eq = when.find('=');
    const YAML::Node v = find(out, when.substr(0, eq));
    return v.IsDefined() && v.IsScalar() && v.Scalar() == when.substr(eq + 1);
  }

  static YAML::Node find(const YAML::Node& root, const std::string& path) {
    YAML::Node cur = root;
    for (const std::string& part : split_dotted(path)) {
      if (!cur.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
      const YAML::Node& c = cur;
      YAML::Node next = static_cast<const YAML::Node&>(c)[part];
      if (!next.IsDefined()) return next;
      cur.reset(next);
    }
    return cur;
  }

  // The innermost section along path that exists in root (for a missing key's location).
  static YAML::Node nearest_defined(const YAML::Node& root, const std::string& path) {
    for (std::string p = path; !p.empty(); p = parent_of(p)) {
      const YAML::Node n = find(root, p);
      if (n.IsDefined()) return n;
    }
    return root;
  }

  static void set_path(YAML::Node& root, const std::string& path, const YAML::Node& value) {
    YAML::Node cur = root;
    const std::vector<std::string> parts = split_dotted(path);
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
      if (!cur[parts[i]].IsMap()) cur[parts[i]] = YAML::Node(YAML::NodeType::Map);
      YAML::Node next = cur[parts[i]];
      cur.reset(next);
    }
    cur[parts.back()] = value;
  }

  const Source& source_;
};

// Every map in node has each key once (yaml-cpp keeps both copies and reads the first).
void check_unique_keys(const YAML::Node& node, const std::string& file, const std::string& prefix) {
  if (node.IsSequence()) {
    std::size_t i = 0;
    for (const YAML::Node& item : node)
      check_unique_keys(item, file, join(prefix, std::to_string(i++)));
    return;
  }
  if (!node.IsMap()) return;
  std::map<std::string, YAML::Mark> seen;
  for (const auto& kv : node) {
    const std::string name = kv.first.IsScalar() ? kv.first.Scalar() : "";
    const std::string full = join(prefix, name);
    const auto [it, fresh] = seen.emplace(name, kv.first.Mark());
    if (!fresh) {
      const YAML::Mark m = kv.first.Mark();
      throw Error(fmt::format("{}:{}:{}: {}: duplicate key (first given at line {})", file,
                              m.line + 1, m.column + 1, full, it->second.line + 1));
    }
    check_unique_keys(kv.second, file, full);
  }
}

}  // namespace

YAML::Node validate(const YAML::Node& raw, const std::vector<Key>& schema, const Source& source) {
  check_unique_keys(raw, source.file, "");
  return Validator(source).resolve(raw, schema, "");
}

void set_dotted(YAML::Node& root, const std::string& dotted, const std::string& value) {
  check(!dotted.empty(), "--set: empty key in '{}={}'", dotted, value);
  if (!root.IsMap()) root = YAML::Node(YAML::NodeType::Map);
  YAML::Node parsed;
  try {
    parsed = YAML::Load(value);
  } catch (const YAML::Exception& e) {
    throw Error(fmt::format("--set {}={}: the value is not valid YAML: {}", dotted, value, e.msg));
  }
  YAML::Node cur = root;
  const std::vector<std::string> parts = split_dotted(dotted);
  std::string so_far;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string& part = parts[i];
    const std::string here = so_far;
    so_far = join(so_far, part);
    check(!part.empty(), "--set {}={}: empty component in the key", dotted, value);
    const bool last = i + 1 == parts.size();
    if (cur.IsSequence()) {
      std::size_t index = 0;
      const bool numeric = std::all_of(part.begin(), part.end(), ::isdigit);
      const bool parsed_index =
          numeric &&
          std::from_chars(part.data(), part.data() + part.size(), index).ec == std::errc();
      check(parsed_index && index < cur.size(),
            "--set {}={}: '{}' is a list of {} items, no item '{}'", dotted, value, here,
            cur.size(), part);
      if (last) {
        cur[index] = parsed;
        return;
      }
      YAML::Node next = cur[index];
      cur.reset(next);
      continue;
    }
    check(cur.IsMap() || cur.IsNull(),
          "--set {}={}: cannot set a key under a value that is not a section", dotted, value);
    if (last) {
      cur[part] = parsed;
      return;
    }
    if (!cur[part].IsDefined() || cur[part].IsNull()) cur[part] = YAML::Node(YAML::NodeType::Map);
    YAML::Node next = cur[part];
    cur.reset(next);
  }
}

}  // namespace liandan::experiments
