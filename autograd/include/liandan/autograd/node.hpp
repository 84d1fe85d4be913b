// Graph nodes of the tape. A Node is the backward of one op application: it maps the
// gradients of the op's outputs to the gradients of its inputs, and holds edges to the nodes
// of those inputs plus whatever it saved. Nodes are owned by the tensors that need them.
//
// Note [Sequence numbers]: every node takes the next number of a global counter when it is
// created. An op's inputs exist before the op runs, so their nodes have smaller numbers:
// walking nodes from the highest number down is a valid reverse topological order.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "liandan/autograd/tensor.hpp"

namespace liandan {

struct Edge {
  std::shared_ptr<Node> node;  // null: the input does not need a gradient
  std::uint32_t input_nr = 0;  // which output of `node` this input was
  bool valid() const { return node != nullptr; }
};

class Node {
 public:
  explicit Node(std::string name);
  virtual ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Gradients w.r.t. the op's outputs (undefined where no gradient arrived, only for
  // multi-output ops) -> gradients w.r.t. its inputs, one per next edge (undefined = zero).
  // Written with differentiable ops, so it is recorded when the engine runs with create_graph.
  virtual std::vector<Tensor> backward(const std::vector<Tensor>& grads) = 0;
  // What the engine calls: it hands over its handles of the gradients. A node that keeps a
  // gradient (AccumulateGrad) overrides it; the others run backward().
  virtual std::vector<Tensor> apply(std::vector<Tensor>&& grads) { return backward(grads); }
  // Frees what the node saved for backward (after a backward without retain_graph).
  virtual void release_saved() {}

  const std::string& name() const { return name_; }
  // Where the node was created (AnomalyScope::current()), recorded only in anomaly mode.
  const std::string& scope() const { return scope_; }
  std::uint64_t sequence_nr() const { return sequence_nr_; }
  std::uint32_t num_outputs() const { return num_outputs_; }
  const std::vector<Edge>& next_edges() const { return next_edges_; }
  // Shape and dtype of each input, so the engine can check (and un-broadcast) gradients.
  const std::vector<std::pair<Shape, DType>>& input_meta() const { return input_meta_; }
  // Whether backward must compute the gradient of input i: the input is in a graph and, while
  // the engine runs this node, the gradient leads to something the backward pass wants (a
  // grad() call asks only for some inputs: Note [Engine] in engine.cpp).
  bool needs_input_grad(std::size_t i) const {
    return i < next_edges_.size() && next_edges_[i].valid() &&
           (wanted_inputs_.empty() || wanted_inputs_[i]);
  }
  // Set by the engine around apply(): which inputs' gradients this pass wants (empty: all).
  std::vector<bool> exchange_wanted_inputs(std::vector<bool> wanted) {
    return std::exchange(wanted_inputs_, std::move(wanted));
  }

  // Hooks run on the gradient of output `output_nr` before backward (tensor hooks and
  // retain_grad of non-leaf tensors).
  void add_pre_hook(std::uint32_t output_nr, GradHook hook) {
    pre_hooks_.emplace_back(output_nr, std::move(hook));
  }
  const std::vector<std::pair<std::uint32_t, GradHook>>& pre_hooks() const { return pre_hooks_; }

  // Wiring, done once by record() when the node is created.
  void set_next_edges(std::vector<Edge> edges, std::vector<std::pair<Shape, DType>> meta) {
    next_edges_ = std::move(edges);
    input_meta_ = std::move(meta);
  }
  void set_num_outputs(std::uint32_t n) { num_outputs_ = n; }

  // Live nodes in this process (for memory tests).
  static std::int64_t live_count();

 private:
  std::string name_;
  std::string scope_;
  std::uint64_t sequence_nr_;
  std::uint32_t num_outputs_ = 1;
  std::vector<Edge> next_edges_;
  std::vector<std::pair<Shape, DType>> input_meta_;
  std::vector<std::pair<std::uint32_t, GradHook>> pre_hooks_;
  std::vector<bool> wanted_inputs_;
};

// Defers destruction of nodes so that freeing a long chain never recurses (STYLE: teardown is
// iterative): drops the reference, and if it was the last one, destroys the node from a
// thread-local work list.
void release_node(std::shared_ptr<Node>&& node);

// Note [Saved tensors]: a node saves its inputs as they are, but saving one of its own
// outputs would make a cycle (output -> grad_fn -> saved output), so outputs are saved as
// data plus a weak reference to the node. Both record the storage version at save time;
// unpack() after an in-place change of that storage is an error naming the op.
class SavedTensor {
 public:
  SavedTensor() = default;
  SavedTensor(const Tensor& t, bool is_output);
  Tensor unpack(const Node& owner) const;
  void reset();
  bool defined() const { return defined_; }

  static std::int64_t live_count();
  SavedTensor(const SavedTensor&) = delete;
  SavedTensor& operator=(const SavedTensor&) = delete;
  SavedTensor(SavedTensor&& other) noexcept;
  SavedTensor& operator=(SavedTensor&& other) noexcept;
  ~SavedTensor();

 private:
  Tensor tensor_;           // inputs: the tensor itself
  core::Tensor data_;       // outputs: the data ...
  std::weak_ptr<Node> fn_;  // ... and the node that produced it
  std::uint32_t output_nr_ = 0;
  bool requires_grad_ = false;
  bool is_output_ = false;
  bool defined_ = false;
  bool released_ = false;
  std::uint64_t version_ = 0;
};

// ---- recording (used by op implementations)

// True if an op on these inputs must record a node: grad mode is on and one requires grad.
bool needs_grad(std::initializer_list<const Tensor*> inputs);
bool needs_grad(const std::vector<Tensor>& inputs);

// An op's input must be defined: "mul: undefined tensor (argument b)" (an empty Tensor() is
// what .grad() is before any backward, and what an optional argument left out is).
void check_input(const Tensor& t, const char* op, const char* arg);

// The edge a gradient for t flows along: its grad_fn, or its leaf's AccumulateGrad node.
Edge gradient_edge(const Tensor& t);

// Wraps data produced by an op in a result tensor (no graph yet).
Tensor make_result(core::Tensor data);

// Creates node N, wires edges to the inputs and makes the outputs its results. Returns null
// (and records nothing) when no input needs a gradient or grad mode is off.
template <typename N, typename... Args>
std::shared_ptr<N> record(const std::vector<Tensor>& inputs, const std::vector<Tensor>& outputs,
                          Args&&... args);

void attach(const std::shared_ptr<Node>& node, const std::vector<Tensor>& inputs,
            const std::vector<Tensor>& outputs);

template <typename N, typename... Args>
std::shared_ptr<N> record(const std::vector<Tensor>& inputs, const std::vector<Tensor>& outputs,
                          Args&&... args) {
  if (!needs_grad(inputs)) return nullptr;
  auto node = std::make_shared<N>(std::forward<Args>(args)...);
  attach(node, inputs, outputs);
  return node;
}

}  // namespace liandan
