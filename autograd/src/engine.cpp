// The backward engine (single-threaded; see Note [Sequence numbers] in node.hpp).
//
// Note [Engine]: (1) discover the graph from the roots iteratively, counting for every node
// how many edges lead into it, and list the nodes children-first (a post-order); (2) when
// gradients are requested for chosen inputs (grad()), mark in that order the nodes that lie on
// a path to one of them: only those run, and each is asked only for the input gradients that
// lead on (Node::needs_input_grad), so grad(out, {x}) computes no weight gradients. The order
// comes from the graph, not from sequence numbers: a leaf's AccumulateGrad is created when an
// op first records an edge to it, after that op's node, so it has the larger number; (3) run
// ready nodes from the highest sequence number down. A node none of whose gradients is defined
// is not run: its inputs get undefined (zero) gradients, as PyTorch. Gradients for the same
// node input are summed in its input buffer. Every gradient a node returns is checked against
// the recorded input shape and dtype; a gradient of a broadcast input is summed back to the
// input's shape here, so ops need not do it. Without retain_graph a node frees its saved
// tensors right after it runs.
#include "liandan/autograd/engine.hpp"

#include <algorithm>
#include <queue>
#include <unordered_map>
#include <unordered_set>

#include "accumulate_grad.hpp"
#include "liandan/autograd/anomaly_mode.hpp"
#include "liandan/autograd/grad_mode.hpp"
#include "liandan/autograd/node.hpp"
#include "liandan/autograd/ops.hpp"
#include "liandan/core/elementwise.hpp"
#include "liandan/core/reduce.hpp"

namespace liandan::autograd {
namespace {

struct NodeState {
  int dependencies = 0;
  bool needed = true;
  std::vector<Tensor> buffer;  // one slot per node output
};

// Sums a gradient back over the dims its input was broadcast along.
Tensor reduce_to_shape(const Tensor& g, const Shape& shape, const Node& node, std::size_t index) {
  if (g.shape() == shape) return g;
  const Shape& gs = g.shape();
  const int lead = gs.size() - shape.size();
  bool ok = lead >= 0;
  std::vector<std::int64_t> dims;
  for (int i = 0; ok && i < gs.size(); ++i) {
    if (i < lead) {
      dims.push_back(i);
    } else if (shape[i - lead] != gs[i]) {
      ok = shape[i - lead] == 1;
      dims.push_back(i);
    }
  }
  check(ok, "{} returned an invalid gradient at index {}: got shape {} but expected {}",
        node.name(), index, gs, shape);
  return reshape(sum(g, Dims(dims), true), shape);
}

// Anomaly mode: the first non-finite gradient names the node and where it was created.
void check_finite(const Node& node, const std::vector<Tensor>& grads) {
  for (std::size_t i = 0; i < grads.size(); ++i) {
    const Tensor& g = grads[i];
    if (!g.defined() || !is_floating(g.dtype()) || g.numel() == 0) continue;
    // 0 * x is NaN exactly where x is NaN or Inf.
    const double probe = core::sum(core::mul(g.data(), 0.0)).item();
    check(probe == 0,
          "anomaly: {} (created in {}) returned a NaN or Inf gradient for input {} "
          "(shape {})",
          node.name(), node.scope().empty() ? "no module" : node.scope(), i, g.shape());
  }
}

// Sums g into an input-buffer slot. Without create_graph, a slot that nothing else
// references (no other handle, no view of its storage: Note [.grad ownership] in
// accumulate_grad.hpp) is added to in place: no new buffer per edge. Anything else, e.g. the
// caller's grad_output, is never written to.
void add_to_slot(Tensor& slot, Tensor g, bool create_graph) {
  if (!slot.defined()) {
    slot = std::move(g);
    return;
  }
  const core::Tensor& s = slot.data();
  const bool owned = slot.impl_ptr().use_count() == 1 && s.storage().use_count() == 1 &&
                     s.is_contiguous() && s.shape() == g.shape();
  if (!create_graph && owned) {
    core::add_(s, g.data());
  } else {
    slot = add(slot, g);
  }
}

struct Engine {
  Engine(bool retain_graph, bool create_graph)
      : retain_graph(retain_graph), create_graph(create_graph) {}
  bool retain_graph, create_graph;
  std::unordered_map<Node*, NodeState> state;
  std::vector<Node*> post_order;  // children before parents
  // grad(): where to capture gradients instead of running the node
  std::unordered_map<Node*, std::vector<std::pair<std::uint32_t, std::size_t>>> captures;
  std::vector<Tensor> captured;

  // Depth first from the roots, without recursion.
  void discover(const std::vector<Edge>& roots) {
    struct Frame {
      Node* node;
      std::size_t next_edge = 0;
    };
    std::vector<Frame> stack;
    for (const Edge& root : roots) {
      if (!state.emplace(root.node.get(), NodeState{}).second) continue;
      stack.push_back({root.node.get()});
      while (!stack.empty()) {
        Frame& top = stack.back();
        const std::vector<Edge>& edges = top.node->next_edges();
        if (top.next_edge == edges.size()) {
          post_order.push_back(top.node);
          stack.pop_back();
          continue;
        }
        const Edge& e = edges[top.next_edge++];
        if (!e.valid()) continue;
        auto [it, fresh] = state.emplace(e.node.get(), NodeState{});
        ++it->second.dependencies;
        if (fresh) stack.push_back({e.node.get()});
      }
    }
  }

  // Whether a gradient sent to this node reaches a capture point.
  bool leads_on(Node* n) { return captures.count(n) > 0 || state[n].needed; }

  // With captures (grad()), a node runs only if one of its inputs is a capture point or leads
  // to one; children come first in post_order, so one pass settles it.
  void mark_needed() {
    if (captures.empty()) return;
    for (Node* n : post_order) {
      bool leads = false;
      for (const Edge& e : n->next_edges()) leads = leads || (e.valid() && leads_on(e.node.get()));
      state[n].needed = leads;
    }
  }

  // Which of a node's input gradients this pass wants (empty: all of them).
  std::vector<bool> wanted_inputs(const Node& node) {
    std::vector<bool> wanted;
    if (captures.empty()) return wanted;
    for (const Edge& e : node.next_edges()) wanted.push_back(e.valid() && leads_on(e.node.get()));
    return wanted;
  }

  void run(const std::vector<Edge>& roots, const std::vector<Tensor>& grad_roots) {
    discover(roots);
    mark_needed();
    auto later = [](Node* a, Node* b) { return a->sequence_nr() < b->sequence_nr(); };
    std::priority_queue<Node*, std::vector<Node*>, decltype(later)> ready(later);
    for (std::size_t i = 0; i < roots.size(); ++i) {
      NodeState& s = state[roots[i].node.get()];
      s.buffer.resize(roots[i].node->num_outputs());
      add_to_slot(s.buffer[roots[i].input_nr], grad_roots[i], create_graph);
    }
    std::unordered_set<Node*> queued;
    for (const Edge& e : roots) {
      if (state[e.node.get()].dependencies == 0 && queued.insert(e.node.get()).second)
        ready.push(e.node.get());
    }
    while (!ready.empty()) {
      Node* node = ready.top();
      ready.pop();
      NodeState& s = state[node];
      const bool capture = captures.count(node) > 0;
      if (!s.needed && !capture) continue;  // leads only to inputs nobody asked for
      std::vector<Tensor> grads = std::move(s.buffer);
      grads.resize(node->num_outputs());
      for (const auto& [output_nr, hook] : node->pre_hooks())
        if (grads[output_nr].defined())
          if (Tensor r = hook(grads[output_nr]); r.defined()) grads[output_nr] = r;
      if (capture)
        for (const auto& [output_nr, index] : captures[node]) captured[index] = grads[output_nr];
      if (!s.needed) continue;
      const auto& edges = node->next_edges();
      std::vector<Tensor> outputs;
      if (std::any_of(grads.begin(), grads.end(), [](const Tensor& g) { return g.defined(); })) {
        GradModeGuard mode(create_graph);
        std::vector<bool> saved_wanted = node->exchange_wanted_inputs(wanted_inputs(*node));
        try {
          outputs = node->apply(std::move(grads));
        } catch (...) {
          node->exchange_wanted_inputs(std::move(saved_wanted));
          throw;
        }
        node->exchange_wanted_inputs(std::move(saved_wanted));
      } else {
        outputs.resize(edges.size());  // no gradient arrived: none leaves
      }
      if (!retain_graph) node->release_saved();
      if (AnomalyMode::enabled()) check_finite(*node, outputs);
      check(outputs.size() == edges.size() || edges.empty(),
            "{} returned {} gradients but has {} inputs", node->name(), outputs.size(),
            edges.size());
      for (std::size_t i = 0; i < edges.size(); ++i) {
        const Edge& e = edges[i];
        if (!e.valid()) continue;
        NodeState& child = state[e.node.get()];
        if (Tensor& g = outputs[i]; g.defined()) {
          const auto& [shape, dtype] = node->input_meta()[i];
          check(g.dtype() == dtype, "{} returned a gradient of dtype {} at index {}, expected {}",
                node->name(), g.dtype(), i, dtype);
          child.buffer.resize(e.node->num_outputs());
          add_to_slot(child.buffer[e.input_nr], reduce_to_shape(g, shape, *node, i), create_graph);
        }
        if (--child.dependencies == 0) ready.push(e.node.get());
      }
    }
  }
};

// Roots with their default gradients (ones for one-element outputs), checked.
std::vector<Tensor> root_grads(const std::vector<Tensor>& outputs,
                               const std::vector<Tensor>& grad_outputs, std::vector<Edge>& edges) {
  check(grad_outputs.empty() || grad_outputs.size() == outputs.size(),
        "grad: {} grad_outputs given for {} outputs", grad_outputs.size(), outputs.size());
  std::vector<Tensor> grads;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& out = outputs[i];
    check(out.defined(), "backward: output {} is undefined", i);
    check(out.requires_grad(),
          "backward: output {} (shape {}) does not require grad and has no grad_fn", i,
          out.shape());
    Tensor g = grad_outputs.empty() ? Tensor() : grad_outputs[i];
    if (!g.defined()) {
      check(out.numel() == 1,
            "backward: grad can be implicitly created only for one-element outputs; output {} "
            "has shape {}",
            i, out.shape());
      g = Tensor(core::Tensor::ones(out.shape(), out.dtype()));
    }
    check(g.shape() == out.shape(), "backward: grad_output {} has shape {} but output has shape {}",
          i, g.shape(), out.shape());
    check(g.dtype() == out.dtype(), "backward: grad_output {} is {} but output is {}", i, g.dtype(),
          out.dtype());
    grads.push_back(g);
    edges.push_back(gradient_edge(out));
  }
  return grads;
}

}  // namespace

std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs, const GradOptions& options) {
  std::vector<Edge> roots;
  const std::vector<Tensor> grads = root_grads(outputs, grad_outputs, roots);
  Engine engine{options.retain_graph.value_or(options.create_graph), options.create_graph};
  engine.captured.resize(inputs.size());
  std::vector<std::shared_ptr<Node>> keep;  // accumulators created just for this call
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    check(inputs[i].defined() && inputs[i].requires_grad(),
          "grad: input {} (shape {}) does not require grad", i,
          inputs[i].defined() ? inputs[i].shape() : Shape{});
    const Edge e = gradient_edge(inputs[i]);
    keep.push_back(e.node);
    engine.captures[e.node.get()].emplace_back(e.input_nr, i);
  }
  engine.run(roots, grads);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    check(engine.captured[i].defined() || options.allow_unused,
          "grad: input {} (shape {}) is not used by the outputs; pass allow_unused=true", i,
          inputs[i].shape());
  }
  return engine.captured;
}

void backward(const std::vector<Tensor>& tensors, const std::vector<Tensor>& grad_tensors,
              bool retain_graph, bool create_graph) {
  std::vector<Edge> roots;
  const std::vector<Tensor> grads = root_grads(tensors, grad_tensors, roots);
  Engine engine{retain_graph, create_graph};
  engine.run(roots, grads);
}

}  // namespace liandan::autograd
