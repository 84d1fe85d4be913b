// Dataset::get, collate and TensorDataset (Note [Collation] in dataset.hpp).
#include "liandan/data/dataset.hpp"

#include <algorithm>
#include <cstring>

namespace liandan::data {

Example Dataset::get(std::int64_t index) const {
  check(index >= 0 && index < size(), "{}: index {} out of range for {} examples", name(), index,
        size());
  const std::vector<Field>& specs = fields();
  Example out;
  std::vector<void*> buffers;
  for (const Field& f : specs) {
    out.add(f.name, core::Tensor::empty(f.shape, f.dtype));
    buffers.push_back(out[f.name].raw_data());
  }
  get_into(index, ExampleSlot(specs, buffers));
  return out;
}

Batch collate(const Dataset& dataset, std::span<const std::int64_t> indices) {
  const std::vector<Field>& specs = dataset.fields();
  const auto batch = static_cast<std::int64_t>(indices.size());
  Batch out;
  std::vector<std::byte*> bases;
  for (const Field& f : specs) {
    Shape shape = f.shape;
    shape.insert(0, batch);
    out.add(f.name, core::Tensor::empty(shape, f.dtype));
    bases.push_back(static_cast<std::byte*>(out[f.name].raw_data()));
  }
  std::vector<void*> rows(specs.size());
  for (std::int64_t b = 0; b < batch; ++b) {
    const std::int64_t index = indices[b];
    check(index >= 0 && index < dataset.size(), "{}: index {} out of range for {} examples",
          dataset.name(), index, dataset.size());
    for (std::size_t k = 0; k < specs.size(); ++k) rows[k] = bases[k] + b * specs[k].nbytes();
    dataset.get_into(index, ExampleSlot(specs, rows));
  }
  return out;
}

TensorDataset::TensorDataset(core::NamedTensors tensors, std::string name)
    : name_(std::move(name)) {
  check(tensors.size() > 0, "TensorDataset '{}': no tensors", name_);
  bool first = true;
  for (const auto& [field, tensor] : tensors) {
    check(tensor.defined() && tensor.dim() >= 1,
          "TensorDataset '{}': '{}' needs a leading example dim, got shape {}", name_, field,
          tensor.defined() ? tensor.shape().str() : "undefined");
    if (first) size_ = tensor.size(0), first = false;
    check(tensor.size(0) == size_,
          "TensorDataset '{}': '{}' has {} examples (shape {}), the first tensor {}", name_, field,
          tensor.size(0), tensor.shape(), size_);
    Shape row;
    for (int d = 1; d < tensor.dim(); ++d) row.push_back(tensor.size(d));
    fields_.push_back({field, tensor.dtype(), row});
    tensors_.add(field, tensor.contiguous());
  }
}

void TensorDataset::get_into(std::int64_t index, const ExampleSlot& out) const {
  std::size_t k = 0;
  for (const auto& [field, tensor] : tensors_) {
    const std::size_t n = fields_[k].nbytes();
    if (n > 0)
      std::memcpy(out.raw(k), static_cast<const std::byte*>(tensor.raw_data()) + index * n, n);
    ++k;
  }
}

}  // namespace liandan::data
