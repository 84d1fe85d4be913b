// Memory overlap checks for in-place ops (PyTorch's assert_no_internal_overlap and
// assert_no_partial_overlap, ATen/MemoryOverlap.h).
//
// Note [In-place overlap]: an in-place op writes its destination element by element while it
// reads its inputs (and, for add_ and mul_, the destination itself). When two elements of the
// destination share one address (a stride-0 expand, an overlapping as_strided view), or an
// input shares addresses with the destination other than element for element (x.add_(x.t()),
// copy_ between overlapping slices, x.mul_(x[0])), the result depends on the order the loop
// visits elements: silently wrong. Such calls are refused with an error naming the op and the
// shapes, as PyTorch does. An input that is the destination itself, or a view with the same
// offset, shape and strides, is fine (x.add_(x)); so are views of one storage that touch
// disjoint elements (x[::2].copy_(x[1::2])). fill_ and zero_ write one value everywhere and
// read nothing, so they are allowed on an expand (as PyTorch).
#pragma once

#include "liandan/core/tensor.hpp"

namespace liandan::core {

// Whether two elements of t refer to one memory location.
bool has_internal_overlap(const Tensor& t);

// Errors unless every element of self has an address of its own.
void check_no_internal_overlap(const Tensor& self, const char* op);

// Errors if input, broadcast to self's shape, reads an address that self writes at another
// element (self must have no internal overlap).
void check_no_partial_overlap(const Tensor& self, const Tensor& input, const char* op);

}  // namespace liandan::core
