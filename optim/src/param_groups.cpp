// optim::GroupBuilder: ordered name rules -> parameter groups (Note [Group rules]).
#include "liandan/optim/param_groups.hpp"

#include <algorithm>
#include <cmath>
#include <regex>
#include <set>

#include <fmt/ranges.h>

namespace liandan::optim {

namespace {

// Iterative glob matching with backtracking to the last '*' (linear in practice).
bool glob_match(const std::string& p, const std::string& s) {
  std::size_t i = 0, j = 0, star = std::string::npos, mark = 0;
  while (j < s.size()) {
    if (i < p.size() && (p[i] == '?' || p[i] == s[j])) {
      ++i, ++j;
    } else if (i < p.size() && p[i] == '*') {
      star = i++, mark = j;
    } else if (star != std::string::npos) {
      i = star + 1, j = ++mark;
    } else {
      return false;
    }
  }
  while (i < p.size() && p[i] == '*') ++i;
  return i == p.size();
}

// The first dotted component of name that is a number, or -1.
int layer_index(const std::string& name) {
  std::size_t start = 0;
  while (start <= name.size()) {
    const std::size_t end = std::min(name.find('.', start), name.size());
    const std::string part = name.substr(start, end - start);
    if (!part.empty() && std::all_of(part.begin(), part.end(), ::isdigit)) return std::stoi(part);
    start = end + 1;
  }
  return -1;
}

}  // namespace

bool name_matches(const std::string& pattern, const std::string& name) {
  if (!pattern.starts_with("re:")) return glob_match(pattern, name);
  try {
    return std::regex_match(name, std::regex(pattern.substr(3)));
  } catch (const std::regex_error& e) {
    throw Error(fmt::format("param groups: bad regular expression '{}': {}", pattern, e.what()));
  }
}

std::vector<int> layer_depths(const NamedParameters& params) {
  std::vector<int> index;
  int max_layer = -1;
  for (const auto& [name, p] : params) {
    index.push_back(layer_index(name));
    max_layer = std::max(max_layer, index.back());
  }
  std::vector<int> depth;
  bool seen_layer = false;
  for (int i : index) {
    seen_layer = seen_layer || i >= 0;
    depth.push_back(i >= 0 ? i + 1 : seen_layer ? max_layer + 2 : 0);
  }
  return depth;
}

GroupBuilder::GroupBuilder(NamedParameters params)
    : params_(std::move(params)),
      options_(params_.size()),
      names_(params_.size()),
      rank_(params_.size(), ~std::size_t(0)) {}

std::vector<std::size_t> GroupBuilder::matching(const std::vector<std::string>& patterns,
                                                const std::string& rule) const {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < params_.size(); ++i)
    if (std::any_of(patterns.begin(), patterns.end(), [&](const std::string& p) {
          return name_matches(p, params_.items()[i].first);
        }))
      out.push_back(i);
  check(!out.empty(), "param groups: {} matches no parameter (first names: {}{})", rule,
        params_.empty() ? "none" : params_.items()[0].first,
        params_.size() > 1 ? ", " + params_.items()[1].first + ", ..." : "");
  return out;
}

void GroupBuilder::multiply_lr(std::size_t i, double multiplier) {
  OptionValues& o = options_[i];
  const auto it = o.find("lr_mult");
  double current = 1;
  if (it != o.end()) {
    const auto* d = std::get_if<double>(&it->second);
    const auto* n = std::get_if<std::int64_t>(&it->second);
    check(d != nullptr || n != nullptr, "param groups: lr_mult of {} is {}, not a number",
          params_.items()[i].first, str(it->second));
    current = d != nullptr ? *d : double(*n);
  }
  o["lr_mult"] = current * multiplier;
}

GroupBuilder& GroupBuilder::set(const std::string& pattern, const OptionValues& options) {
  for (std::size_t i : matching({pattern}, fmt::format("set('{}')", pattern)))
    for (const auto& [key, value] : options) options_[i][key] = value;
  return *this;
}

GroupBuilder& GroupBuilder::group(const std::string& name, const std::vector<std::string>& patterns,
                                  const OptionValues& options) {
  const std::string rule = fmt::format("group('{}', ['{}'])", name, fmt::join(patterns, "', '"));
  for (std::size_t i : matching(patterns, rule)) {
    for (const auto& [key, value] : options) options_[i][key] = value;
    if (std::find(names_[i].begin(), names_[i].end(), name) == names_[i].end())
      names_[i].push_back(name);
    rank_[i] = group_rules_;
  }
  ++group_rules_;
  return *this;
}

GroupBuilder& GroupBuilder::lr_mult(const std::string& pattern, double multiplier) {
  check(multiplier >= 0, "param groups: lr_mult('{}', {}): the multiplier must be >= 0", pattern,
        multiplier);
  for (std::size_t i : matching({pattern}, fmt::format("lr_mult('{}')", pattern)))
    multiply_lr(i, multiplier);
  return *this;
}

GroupBuilder& GroupBuilder::freeze(const std::string& pattern) {
  for (std::size_t i : matching({pattern}, fmt::format("freeze('{}')", pattern))) multiply_lr(i, 0);
  return *this;
}

GroupBuilder& GroupBuilder::no_decay_for_bias_and_norm() {
  for (std::size_t i = 0; i < params_.size(); ++i)
    if (params_.items()[i].second.dim() < 2) options_[i]["weight_decay"] = 0.0;
  return *this;
}

GroupBuilder& GroupBuilder::layer_decay(
    double decay, std::function<std::vector<int>(const NamedParameters&)> depth_fn) {
  check(decay > 0 && decay <= 1, "param groups: layer_decay {} (must be in (0, 1])", decay);
  const std::vector<int> depth = depth_fn(params_);
  check(depth.size() == params_.size(), "param groups: layer_decay: {} depths for {} parameters",
        depth.size(), params_.size());
  const int max_depth = depth.empty() ? 0 : *std::max_element(depth.begin(), depth.end());
  for (std::size_t i = 0; i < params_.size(); ++i)
    multiply_lr(i, std::pow(decay, max_depth - depth[i]));
  depth_ = depth;
  return *this;
}

std::string GroupBuilder::group_name(std::size_t i) const {
  const std::string name =
      names_[i].empty() ? "default" : fmt::format("{}", fmt::join(names_[i], "+"));
  return depth_.empty() ? name : fmt::format("{}.depth{}", name, depth_[i]);
}

std::vector<ParamGroup> GroupBuilder::build() const {
  std::vector<ParamGroup> groups;
  std::vector<std::size_t> rank;
  for (std::size_t i = 0; i < params_.size(); ++i) {
    const std::string name = group_name(i);
    auto it = std::find_if(groups.begin(), groups.end(), [&](const ParamGroup& g) {
      return g.name == name && g.options == options_[i];
    });
    if (it == groups.end()) {
      groups.push_back({.options = options_[i], .name = name});
      rank.push_back(rank_[i]);
      it = groups.end() - 1;
    }
    it->params.add(params_.items()[i].first, params_.items()[i].second);
  }
  std::vector<std::size_t> order(groups.size());
  for (std::size_t g = 0; g < order.size(); ++g) order[g] = g;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return rank[a] < rank[b]; });
  std::vector<ParamGroup> sorted;
  for (std::size_t g : order) sorted.push_back(std::move(groups[g]));
  return sorted;
}

std::string format_groups(const Optimizer& opt) {
  std::set<std::string> keys;
  std::vector<OptionValues> options;
  for (std::size_t i = 0; i < opt.num_params(); ++i) {
    options.push_back(opt.per_param_options(i));
    for (const auto& [key, value] : options.back())
      if (key != "initial_lr") keys.insert(key);
  }
  std::vector<std::vector<std::string>> rows{{"parameter", "shape", "group"}};
  rows[0].insert(rows[0].end(), keys.begin(), keys.end());
  std::size_t index = 0;
  for (std::size_t g = 0; g < opt.param_groups().size(); ++g)
    for (const auto& [name, p] : opt.param_groups()[g].params) {
      std::vector<std::string> row{name, p.shape().str(), std::to_string(g)};
      for (const std::string& key : keys) {
        const auto it = options[index].find(key);
        row.push_back(it == options[index].end() ? "" : str(it->second));
      }
      rows.push_back(std::move(row));
      ++index;
    }
  std::vector<std::size_t> width(rows[0].size(), 3);
  for (const auto& row : rows)
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  std::string out;
  auto line = [&](const std::vector<std::string>& row) {
    out += "|";
    for (std::size_t c = 0; c < row.size(); ++c) out += fmt::format(" {:<{}} |", row[c], width[c]);
    out += "\n";
  };
  line(rows[0]);
  std::vector<std::string> rule;
  for (std::size_t w : width) rule.push_back(std::string(w, '-'));
  line(rule);
  for (std::size_t r = 1; r < rows.size(); ++r) line(rows[r]);
  return out;
}

}  // namespace liandan::optim
