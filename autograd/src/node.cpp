// Nodes, iterative teardown, saved tensors and the recording helpers.
#include "liandan/autograd/node.hpp"

#include "accumulate_grad.hpp"
#include "liandan/autograd/anomaly_mode.hpp"
#include "liandan/autograd/grad_mode.hpp"

namespace liandan {
namespace {

std::atomic<std::uint64_t> next_sequence_nr{0};
std::atomic<std::int64_t> live_nodes{0};
std::atomic<std::int64_t> live_saved{0};

// Nodes whose last reference is being dropped, destroyed one at a time by the outermost
// release_node() call on this thread.
thread_local std::vector<std::shared_ptr<Node>> doomed;
thread_local bool draining = false;

}  // namespace

Node::Node(std::string name)
    : name_(std::move(name)),
      scope_(AnomalyMode::enabled() ? AnomalyScope::current() : std::string()),
      sequence_nr_(next_sequence_nr.fetch_add(1)) {
  live_nodes.fetch_add(1, std::memory_order_relaxed);
}

Node::~Node() {
  for (Edge& e : next_edges_) release_node(std::move(e.node));
  live_nodes.fetch_sub(1, std::memory_order_relaxed);
}

std::int64_t Node::live_count() { return live_nodes.load(); }

void release_node(std::shared_ptr<Node>&& node) {
  if (!node) return;
  if (node.use_count() > 1) {
    node.reset();
    return;
  }
  doomed.push_back(std::move(node));
  if (draining) return;
  draining = true;
  while (!doomed.empty()) {
    std::shared_ptr<Node> n = std::move(doomed.back());
    doomed.pop_back();
    n.reset();  // its destructor (and its saved tensors') push their own children
  }
  draining = false;
}

TensorImpl::~TensorImpl() { release_node(std::move(grad_fn)); }

// ---- saved tensors

SavedTensor::SavedTensor(const Tensor& t, bool is_output)
    : is_output_(is_output), defined_(t.defined()) {
  if (!defined_) return;
  version_ = t.data().version();
  if (is_output) {
    data_ = t.data();
    fn_ = t.grad_fn();
    output_nr_ = t.output_nr();
    requires_grad_ = t.requires_grad();
  } else {
    tensor_ = t;
  }
  live_saved.fetch_add(1, std::memory_order_relaxed);
}

SavedTensor::SavedTensor(SavedTensor&& o) noexcept { *this = std::move(o); }

SavedTensor& SavedTensor::operator=(SavedTensor&& o) noexcept {
  if (this == &o) return *this;
  reset();
  tensor_ = std::move(o.tensor_);
  data_ = std::move(o.data_);
  fn_ = std::move(o.fn_);
  output_nr_ = o.output_nr_;
  requires_grad_ = o.requires_grad_;
  is_output_ = o.is_output_;
  defined_ = std::exchange(o.defined_, false);
  released_ = o.released_;
  version_ = o.version_;
  return *this;
}

SavedTensor::~SavedTensor() { reset(); }

void SavedTensor::reset() {
  if (defined_) live_saved.fetch_sub(1, std::memory_order_relaxed);
  if (defined_ || released_) released_ = true;
  defined_ = false;
  tensor_ = Tensor();
  data_ = core::Tensor();
  fn_.reset();
}

std::int64_t SavedTensor::live_count() { return live_saved.load(); }

Tensor SavedTensor::unpack(const Node& owner) const {
  check(!released_,
        "{}: trying to backward through the graph a second time (its saved tensors "
        "were freed); pass retain_graph=true to the first backward",
        owner.name());
  if (!defined_) return Tensor();
  const core::Tensor& data = is_output_ ? data_ : tensor_.data();
  check(data.version() == version_,
        "{}: a tensor of shape {} saved for backward was modified by an in-place operation "
        "(version {} now, {} when saved)",
        owner.name(), data.shape(), data.version(), version_);
  if (!is_output_) return tensor_;
  // Rebuild the output handle: same data, grad_fn = the owner, so double backward flows on.
  auto impl = std::make_shared<TensorImpl>();
  impl->data = data_;
  impl->requires_grad = requires_grad_;
  impl->grad_fn = fn_.lock();
  impl->output_nr = output_nr_;
  return Tensor::from_impl(std::move(impl));
}

// ---- recording

bool needs_grad(std::initializer_list<const Tensor*> inputs) {
  if (!GradMode::enabled()) return false;
  for (const Tensor* t : inputs)
    if (t->defined() && t->requires_grad()) return true;
  return false;
}

bool needs_grad(const std::vector<Tensor>& inputs) {
  if (!GradMode::enabled()) return false;
  for (const Tensor& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

void check_input(const Tensor& t, const char* op, const char* arg) {
  check(t.defined(), "{}: undefined tensor (argument {})", op, arg);
}

Edge gradient_edge(const Tensor& t) {
  if (!t.defined() || !t.requires_grad()) return {};
  if (t.grad_fn()) return {t.grad_fn(), t.output_nr()};
  return {grad_accumulator(t), 0};
}

Tensor make_result(core::Tensor data) {
  auto impl = std::make_shared<TensorImpl>();
  impl->data = std::move(data);
  return Tensor::from_impl(std::move(impl));
}

void attach(const std::shared_ptr<Node>& node, const std::vector<Tensor>& inputs,
            const std::vector<Tensor>& outputs) {
  std::vector<Edge> edges;
  std::vector<std::pair<Shape, DType>> meta;
  edges.reserve(inputs.size());
  meta.reserve(inputs.size());
  for (const Tensor& t : inputs) {
    edges.push_back(gradient_edge(t));
    meta.emplace_back(t.defined() ? t.shape() : Shape{}, t.defined() ? t.dtype() : DType::f32);
  }
  node->set_next_edges(std::move(edges), std::move(meta));
  node->set_num_outputs(static_cast<std::uint32_t>(outputs.size()));
  for (std::uint32_t i = 0; i < outputs.size(); ++i) {
    TensorImpl& impl = const_cast<TensorImpl&>(*outputs[i].impl());
    impl.grad_fn = node;
    impl.output_nr = i;
    impl.requires_grad = true;
  }
}

}  // namespace liandan
