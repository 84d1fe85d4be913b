// Everything of the tensor core.
#pragma once

#include "liandan/core/attention.hpp"
#include "liandan/core/conv.hpp"
#include "liandan/core/dtype.hpp"
#include "liandan/core/elementwise.hpp"
#include "liandan/core/error.hpp"
#include "liandan/core/indexing.hpp"
#include "liandan/core/join.hpp"
#include "liandan/core/matmul.hpp"
#include "liandan/core/normalization.hpp"
#include "liandan/core/overlap.hpp"
#include "liandan/core/random.hpp"
#include "liandan/core/reduce.hpp"
#include "liandan/core/rope.hpp"
#include "liandan/core/shape.hpp"
#include "liandan/core/storage.hpp"
#include "liandan/core/tensor.hpp"
