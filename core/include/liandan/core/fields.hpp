// Field tables: an options struct described once, as data.
//
// Note [Field tables]: each options struct that a user sets from outside C++ (an optimizer's
// hyper-parameters, a task's model and data settings) lists its fields once, in a table next
// to the struct:
//
//   struct LionOptions { double lr = 1e-4; double beta1 = 0.9; ... };
//   inline const Fields<LionOptions>& fields(const LionOptions*) {
//     static const Fields<LionOptions> table = {
//         number("lr", &LionOptions::lr, "learning rate", {.min = 0}),
//         number("beta1", &LionOptions::beta1, "interpolation for the update",
//                {.min = 0, .max = 1, .open_max = true}),
//         ...};
//     return table;
//   }
//
// A row has the field's name, its member, its kind, a one-line help, a range (numbers) or the
// names of its values (enums, strings). Everything else is derived from the table, so nothing
// is written twice: the checked per-group options of an optimizer (assign), the config schema
// with its defaults and ranges, the YAML -> struct binding, and README's option tables. The
// default of a field is its value in a default-constructed struct. A field whose member is a
// std::optional has no default: unset means "derived" (Amos's eta, per tensor).
//
// The table is found by argument-dependent lookup of fields(const S*) (a null pointer selects
// the overload), so it lives in S's namespace and needs no registration.
#pragma once

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "liandan/core/error.hpp"

namespace liandan {

enum class FieldKind {
  flag,     // bool
  integer,  // a whole number
  number,   // a real number
  choice,   // an enum, written by name; or a string restricted to names
  text,     // any string
  axes,     // a list of axes (whole numbers)
};

// A field's value as it comes from outside: YAML, a param group's overrides, a state_dict.
using Axes = std::vector<std::int64_t>;
using FieldValue = std::variant<bool, std::int64_t, double, std::string, Axes>;

// "0.001", "true", "moonshot", "[1, 2]".
inline std::string str(const FieldValue& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, bool>)
          return v ? "true" : "false";
        else if constexpr (std::is_same_v<V, std::string>)
          return v;
        else if constexpr (std::is_same_v<V, Axes>)
          return fmt::format("[{}]", fmt::join(v, ", "));
        else
          return fmt::format("{}", v);
      },
      value);
}

// Bounds of a number or integer: inclusive, max exclusive when open_max.
struct Range {
  std::optional<double> min{};
  std::optional<double> max{};
  bool open_max = false;

  bool contains(double x) const {
    return !(min && x < *min) && !(max && (open_max ? x >= *max : x > *max));
  }
  // ">= 0", "in [0, 1)", "" for no bounds.
  std::string str() const {
    if (min && max) return fmt::format("in [{}, {}{}", *min, *max, open_max ? ")" : "]");
    if (min) return fmt::format(">= {}", *min);
    if (max) return fmt::format("{} {}", open_max ? "<" : "<=", *max);
    return "";
  }
};

template <typename S>
struct Field {
  std::string name;
  FieldKind kind = FieldKind::number;
  std::string help;
  Range range{};
  std::vector<std::string> choices{};  // choice: the allowed names (an enum's in value order)
  bool optional = false;               // a std::optional member: may be unset (no default)
  // The member's value (nullopt: an unset optional), and the setter. set receives a value
  // already converted to the field's kind and checked by assign (nullopt: unset).
  std::function<std::optional<FieldValue>(const S&)> get{};
  std::function<void(S&, const std::optional<FieldValue>&)> set{};
};

template <typename S>
using Fields = std::vector<Field<S>>;

// The table of S (Note [Field tables]).
template <typename S>
const Fields<S>& fields_of() {
  return fields(static_cast<const S*>(nullptr));
}

// ---- row builders; S and the member type are deduced from the member pointer

namespace detail {

template <typename S, typename M>
Field<S> plain(std::string name, FieldKind kind, M S::*member, std::string help, Range range,
               std::vector<std::string> choices) {
  Field<S> f{.name = std::move(name),
             .kind = kind,
             .help = std::move(help),
             .range = range,
             .choices = std::move(choices)};
  f.get = [member](const S& s) -> std::optional<FieldValue> {
    const M& v = s.*member;
    if constexpr (std::is_same_v<M, bool> || std::is_same_v<M, std::string>)
      return FieldValue(v);
    else if constexpr (std::is_floating_point_v<M>)
      return FieldValue(double(v));
    else
      return FieldValue(std::int64_t(v));
  };
  f.set = [member](S& s, const std::optional<FieldValue>& v) {
    if constexpr (std::is_same_v<M, bool>)
      s.*member = std::get<bool>(*v);
    else if constexpr (std::is_same_v<M, std::string>)
      s.*member = std::get<std::string>(*v);
    else if constexpr (std::is_floating_point_v<M>)
      s.*member = M(std::get<double>(*v));
    else
      s.*member = M(std::get<std::int64_t>(*v));
  };
  return f;
}

// A std::optional<V> member, V one of FieldValue's alternatives.
template <typename S, typename V>
Field<S> optional_field(std::string name, FieldKind kind, std::optional<V> S::*member,
                        std::string help, Range range) {
  Field<S> f{.name = std::move(name),
             .kind = kind,
             .help = std::move(help),
             .range = range,
             .optional = true};
  f.get = [member](const S& s) -> std::optional<FieldValue> {
    if (!(s.*member)) return std::nullopt;
    return FieldValue(*(s.*member));
  };
  f.set = [member](S& s, const std::optional<FieldValue>& v) {
    s.*member = v ? std::optional<V>(std::get<V>(*v)) : std::nullopt;
  };
  return f;
}

}  // namespace detail

template <typename S, std::floating_point M>
Field<S> number(std::string name, M S::*member, std::string help, Range range = {}) {
  return detail::plain(std::move(name), FieldKind::number, member, std::move(help), range, {});
}

// An optional number: unset means the owner derives it (Note [Field tables]).
template <typename S>
Field<S> number(std::string name, std::optional<double> S::*member, std::string help,
                Range range = {}) {
  return detail::optional_field(std::move(name), FieldKind::number, member, std::move(help), range);
}

template <typename S, std::integral M>
requires(!std::is_same_v<M, bool>) Field<S> integer(std::string name, M S::*member,
                                                    std::string help, Range range = {}) {
  return detail::plain(std::move(name), FieldKind::integer, member, std::move(help), range, {});
}

template <typename S>
Field<S> flag(std::string name, bool S::*member, std::string help) {
  return detail::plain(std::move(name), FieldKind::flag, member, std::move(help), {}, {});
}

// A string restricted to names (empty: any string).
template <typename S>
Field<S> text(std::string name, std::string S::*member, std::string help,
              std::vector<std::string> names = {}) {
  const FieldKind kind = names.empty() ? FieldKind::text : FieldKind::choice;
  return detail::plain(std::move(name), kind, member, std::move(help), {}, std::move(names));
}

// An enum written by name: names[i] is the enumerator of value i.
template <typename S, typename E>
requires std::is_enum_v<E> Field<S> choice(std::string name, E S::*member, std::string help,
                                           std::vector<std::string> names) {
  Field<S> f{.name = std::move(name),
             .kind = FieldKind::choice,
             .help = std::move(help),
             .choices = std::move(names)};
  f.get = [member, names = f.choices](const S& s) -> std::optional<FieldValue> {
    const auto i = static_cast<std::size_t>(s.*member);
    return FieldValue(i < names.size() ? names[i] : std::string("?"));
  };
  f.set = [member, names = f.choices](S& s, const std::optional<FieldValue>& v) {
    const auto& n = std::get<std::string>(*v);
    s.*member = static_cast<E>(std::find(names.begin(), names.end(), n) - names.begin());
  };
  return f;
}

// An optional flag or list of axes: unset means the owner derives it.
template <typename S>
Field<S> flag(std::string name, std::optional<bool> S::*member, std::string help) {
  return detail::optional_field(std::move(name), FieldKind::flag, member, std::move(help), {});
}
template <typename S>
Field<S> axes(std::string name, std::optional<Axes> S::*member, std::string help) {
  return detail::optional_field(std::move(name), FieldKind::axes, member, std::move(help), {});
}

// The rows of an inner struct's table as rows of S, named prefix + name ("model." + "d_model"):
// a task's options embed a model's.
template <typename S, typename M>
Fields<S> embed(std::string prefix, M S::*member, const Fields<M>& inner) {
  Fields<S> out;
  for (const Field<M>& f : inner) {
    Field<S> g{.name = prefix + f.name,
               .kind = f.kind,
               .help = f.help,
               .range = f.range,
               .choices = f.choices,
               .optional = f.optional};
    g.get = [member, get = f.get](const S& s) { return get(s.*member); };
    g.set = [member, set = f.set](S& s, const std::optional<FieldValue>& v) { set(s.*member, v); };
    out.push_back(std::move(g));
  }
  return out;
}

// A table made of parts, in order: lists of rows and embedded tables.
template <typename S>
Fields<S> concat(std::initializer_list<Fields<S>> parts) {
  Fields<S> out;
  for (const Fields<S>& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

// ---- using a table

// Levenshtein distance, and the candidate within max(2, |word| / 3) edits of word ("" if none):
// the "did you mean" of every unknown name.
std::size_t edit_distance(std::string_view a, std::string_view b);
std::string nearest(std::string_view word, const std::vector<std::string>& candidates);

// The row named name, or nullptr.
template <typename S>
const Field<S>* find_field(const Fields<S>& table, std::string_view name) {
  for (const Field<S>& f : table)
    if (f.name == name) return &f;
  return nullptr;
}

template <typename S>
std::vector<std::string> field_names(const Fields<S>& table) {
  std::vector<std::string> names;
  for (const Field<S>& f : table) names.push_back(f.name);
  return names;
}

// value converted to field's kind (an integer given for a number, a whole number for an
// integer), or an Error "<owner>: <field>: ..." naming the value and what was expected.
template <typename S>
FieldValue convert(const Field<S>& field, const FieldValue& value, std::string_view owner) {
  const auto fail = [&](const std::string& what) {
    throw Error(fmt::format("{}: {} = {}: {}", owner, field.name, str(value), what));
  };
  switch (field.kind) {
    case FieldKind::flag:
      if (!std::holds_alternative<bool>(value)) fail("expected true or false");
      return value;
    case FieldKind::integer: {
      std::int64_t x = 0;
      if (const auto* i = std::get_if<std::int64_t>(&value))
        x = *i;
      else if (const auto* d = std::get_if<double>(&value);
               d && std::trunc(*d) == *d && std::abs(*d) < 9.2e18)
        x = static_cast<std::int64_t>(*d);
      else
        fail("expected an integer");
      if (!field.range.contains(double(x))) fail("out of range: must be " + field.range.str());
      return x;
    }
    case FieldKind::number: {
      double x = 0;
      if (const auto* d = std::get_if<double>(&value))
        x = *d;
      else if (const auto* i = std::get_if<std::int64_t>(&value))
        x = double(*i);
      else
        fail("expected a number");
      if (std::isnan(x)) fail("expected a number");
      if (!field.range.contains(x)) fail("out of range: must be " + field.range.str());
      return x;
    }
    case FieldKind::choice: {
      const auto* s = std::get_if<std::string>(&value);
      if (s == nullptr ||
          std::find(field.choices.begin(), field.choices.end(), *s) == field.choices.end()) {
        const std::string hint = s ? nearest(*s, field.choices) : "";
        fail(fmt::format("not one of {}{}", fmt::join(field.choices, ", "),
                         hint.empty() ? "" : fmt::format(" (did you mean '{}'?)", hint)));
      }
      return value;
    }
    case FieldKind::text:
      if (!std::holds_alternative<std::string>(value)) fail("expected a string");
      return value;
    case FieldKind::axes:
      if (!std::holds_alternative<Axes>(value)) fail("expected a list of axes");
      return value;
  }
  return value;
}

// Sets the field named name of s to value, checked; an unknown name is an Error listing the
// table's names, with a did-you-mean.
template <typename S>
void assign(S& s, const Fields<S>& table, std::string_view name, const FieldValue& value,
            std::string_view owner) {
  const Field<S>* field = find_field(table, name);
  if (field == nullptr) {
    const std::vector<std::string> names = field_names(table);
    const std::string hint = nearest(name, names);
    throw Error(fmt::format("{}: unknown option '{}'{} (known: {})", owner, name,
                            hint.empty() ? "" : fmt::format(" (did you mean '{}'?)", hint),
                            fmt::join(names, ", ")));
  }
  field->set(s, convert(*field, value, owner));
}

// Checks every field of s against its row (a struct filled in from C++): ranges and names.
template <typename S>
void check_all(const S& s, const Fields<S>& table, std::string_view owner) {
  for (const Field<S>& f : table)
    if (const std::optional<FieldValue> v = f.get(s)) (void)convert(f, *v, owner);
}

}  // namespace liandan
