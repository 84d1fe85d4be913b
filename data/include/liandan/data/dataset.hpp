// Datasets: a fixed schema of named, typed fields and examples written straight into a batch.
//
// Note [Collation]: a Dataset declares its fields once (name, dtype, per-example shape), so a
// loader can allocate every batch tensor (B, ...shape) up front and ask the dataset to write
// example i into row b of each field (get_into). Collating a batch is then one contiguous write
// (for in-memory data one memcpy) per field and example, with no per-example tensors, as
// PyTorch's default_collate does with torch.stack into a preallocated output. get(i), which
// returns fresh named tensors, is built on get_into for inspection and tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "liandan/core/named_tensors.hpp"
#include "liandan/core/tensor.hpp"

namespace liandan::data {

using Example = core::NamedTensors;  // one example: each field without a batch dim
using Batch = core::NamedTensors;    // a batch: each field with a leading batch dim

// One field of every example: its name, dtype and shape (without the batch dim).
struct Field {
  std::string name;
  DType dtype = DType::f32;
  Shape shape;
  std::size_t nbytes() const {
    return static_cast<std::size_t>(shape.numel()) * element_size(dtype);
  }
};

// Where get_into writes one example: one contiguous, row-major buffer per field, in the
// order of Dataset::fields().
class ExampleSlot {
 public:
  ExampleSlot(std::span<const Field> fields, std::span<void* const> buffers)
      : fields_(fields), buffers_(buffers) {}
  // Field k's buffer; T must be the field's element type (checked).
  template <typename T>
  T* field(std::size_t k) const {
    check(k < fields_.size() && fields_[k].dtype == dtype_of<T>(),
          "ExampleSlot: field {} is not of the requested element type", k);
    return static_cast<T*>(buffers_[k]);
  }
  void* raw(std::size_t k) const { return buffers_[k]; }
  const Field& spec(std::size_t k) const { return fields_[k]; }
  std::size_t size() const { return fields_.size(); }

 private:
  std::span<const Field> fields_;
  std::span<void* const> buffers_;
};

// A map-style dataset: size() examples, each a fixed set of fields (Note [Collation]).
// get_into may be called from the loader's prefetch thread: it must not modify shared state.
class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual std::int64_t size() const = 0;
  virtual const std::vector<Field>& fields() const = 0;
  virtual std::string name() const = 0;  // used in error messages ("fashion-mnist train")
  // Writes example index (0 <= index < size()) into out.
  virtual void get_into(std::int64_t index, const ExampleSlot& out) const = 0;

  // Example index as fresh tensors (checks the index).
  Example get(std::int64_t index) const;
};

// Collates the examples at indices into a batch: one (B, ...shape) tensor per field.
Batch collate(const Dataset& dataset, std::span<const std::int64_t> indices);

// In-memory data: named tensors sharing their leading dim N; example i is row i of each.
class TensorDataset : public Dataset {
 public:
  TensorDataset(core::NamedTensors tensors, std::string name);
  std::int64_t size() const override { return size_; }
  const std::vector<Field>& fields() const override { return fields_; }
  std::string name() const override { return name_; }
  void get_into(std::int64_t index, const ExampleSlot& out) const override;
  const core::NamedTensors& tensors() const { return tensors_; }  // contiguous, (N, ...)

 private:
  core::NamedTensors tensors_;
  std::vector<Field> fields_;
  std::int64_t size_ = 0;
  std::string name_;
};

}  // namespace liandan::data
