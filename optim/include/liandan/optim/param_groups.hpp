// optim::GroupBuilder: parameter groups from ordered rules over dotted parameter names, for the
// daily cases: no weight decay on biases and norm gains, per-pattern learning-rate
// multipliers, layer-wise lr decay for fine-tuning, frozen parameters, any optimizer option
// per parameter (Amos's eta and slot axes, Muon's choice, betas, ...).
//
// Note [Group rules]: rules run in the order they were added, each on every parameter it
// matches, and edit that parameter's options: set() and group() write options (a later rule
// overrides an earlier one's key), while lr_mult(), freeze() and layer_decay() multiply the
// parameter's lr_mult (so a layer-wise decay and a pattern multiplier compose). A group() rule
// also names what it matches: a parameter's group name is the names of the group() rules that
// matched it, joined by '+' ("default" if none), with ".depth<d>" appended after layer_decay().
// build() then puts the parameters with the same name and options into one group; groups come
// in the order of the last group() rule that matched them (the unnamed last), then of their
// first parameter. The optimizer resolves the rest from its defaults (Note [Group options]).
// A config's optimizer.groups compile to these rules, one group() per entry, in order.
//
// Patterns match the whole dotted name: a glob where '*' matches any run of characters (dots
// included) and '?' one character ("*.bias", "layers.1?.*", "encoder.*"), or, prefixed with
// "re:", an ECMAScript regular expression ("re:layers\.(0|1)\..*").
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "liandan/optim/optimizer.hpp"

namespace liandan::optim {

// Whether name matches pattern (see Note [Group rules]); a bad regex is an Error naming it.
bool name_matches(const std::string& pattern, const std::string& name);

// The depth of each parameter for layer_decay, counted as BEiT/ELECTRA do: a parameter whose
// name has a numeric component i ("layers.3.attn.weight", "0.weight") is in layer i, at depth
// i + 1; one without, before the first numbered parameter (embeddings), is at depth 0; one
// after it (final norm, head) at depth max_layer + 2. Returned in params order.
std::vector<int> layer_depths(const NamedParameters& params);

class GroupBuilder {
 public:
  explicit GroupBuilder(NamedParameters params);

  // Matching parameters get options (overriding the same keys of earlier rules). A pattern
  // that matches nothing is an Error (a typo would otherwise pass silently).
  GroupBuilder& set(const std::string& pattern, const OptionValues& options);
  // set() over the parameters matching any of patterns (together they must match one), which
  // then belong to the group called name (Note [Group rules]).
  GroupBuilder& group(const std::string& name, const std::vector<std::string>& patterns,
                      const OptionValues& options);
  // lr_mult *= multiplier for matching parameters.
  GroupBuilder& lr_mult(const std::string& pattern, double multiplier);
  // lr_mult = 0: the parameters stay where they are (their gradients are still computed).
  GroupBuilder& freeze(const std::string& pattern);
  // weight_decay 0 for every parameter with fewer than 2 dims: biases and the gains of
  // LayerNorm, RMSNorm and BatchNorm (BERT's convention).
  GroupBuilder& no_decay_for_bias_and_norm();
  // lr_mult *= decay ^ (max_depth - depth) with depths from depth_fn (default layer_depths):
  // the head keeps the full lr, each layer below gets decay times the one above. 0 < decay <= 1.
  // Group names get ".depth<d>".
  GroupBuilder& layer_decay(
      double decay,
      std::function<std::vector<int>(const NamedParameters&)> depth_fn = layer_depths);

  std::vector<ParamGroup> build() const;
  // The options the rules gave parameter i (before the optimizer's defaults), and its group's
  // name.
  const OptionValues& options(std::size_t i) const { return options_[i]; }
  std::string group_name(std::size_t i) const;

 private:
  // The parameters matching any of patterns; rule describes the rule in the error when none do.
  std::vector<std::size_t> matching(const std::vector<std::string>& patterns,
                                    const std::string& rule) const;
  void multiply_lr(std::size_t i, double multiplier);

  NamedParameters params_;
  std::vector<OptionValues> options_;            // per parameter
  std::vector<std::vector<std::string>> names_;  // per parameter: the group() rules that matched
  std::vector<std::size_t> rank_;  // per parameter: the last group() rule that matched
  std::size_t group_rules_ = 0;
  std::vector<int> depth_;  // per parameter, after layer_decay()
};

// The resolved assignment, one row per parameter: name, shape, group, and every option's value
// (per_param_options), as a Markdown table. Print it, or save it with a run.
std::string format_groups(const Optimizer& opt);

}  // namespace liandan::optim
