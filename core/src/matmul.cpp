// matmul: f32 through oneDNN's matmul primitive (cached per shape and strides), f64 through a
// blocked loop. Batch dims broadcast; strided operands are passed to oneDNN as they are.
#include "liandan/core/matmul.hpp"

#include <map>
#include <mutex>
#include <vector>

#include "onednn.hpp"
#include "liandan/core/parallel.hpp"

namespace liandan::core {
namespace {

// Operands brought to the same rank r >= 2; a 1-D operand becomes a row (a) or column (b).
struct MatmulShapes {
  Tensor a, b;
  Shape out;                 // full result shape, rank r
  bool squeeze_row = false;  // a was 1-D
  bool squeeze_col = false;  // b was 1-D
};

MatmulShapes plan(const Tensor& a0, const Tensor& b0) {
  check(a0.defined() && b0.defined(), "matmul: undefined tensor");
  check(a0.dim() >= 1 && b0.dim() >= 1, "matmul: {} x {}: operands must have at least 1 dim",
        a0.shape(), b0.shape());
  check(a0.dtype() == b0.dtype(), "matmul: {} {} x {} {}: dtypes differ", a0.shape(), a0.dtype(),
        b0.shape(), b0.dtype());
  check(is_floating(a0.dtype()), "matmul: {} x {}: expected f32 or f64, got {}", a0.shape(),
        b0.shape(), a0.dtype());
  MatmulShapes s;
  s.a = a0.dim() == 1 ? a0.unsqueeze(0) : a0;
  s.b = b0.dim() == 1 ? b0.unsqueeze(1) : b0;
  s.squeeze_row = a0.dim() == 1;
  s.squeeze_col = b0.dim() == 1;
  const std::int64_t k_a = s.a.size(-1), k_b = s.b.size(-2);
  check(k_a == k_b, "matmul: {} x {}: inner dimensions {} and {} differ", a0.shape(), b0.shape(),
        k_a, k_b);
  Shape batch_a, batch_b;
  for (int i = 0; i < s.a.dim() - 2; ++i) batch_a.push_back(s.a.size(i));
  for (int i = 0; i < s.b.dim() - 2; ++i) batch_b.push_back(s.b.size(i));
  Shape batch;
  try {
    batch = broadcast_shapes(batch_a, batch_b, "matmul");
  } catch (const Error&) {
    throw Error(fmt::format("matmul: {} x {}: batch dims {} and {} do not broadcast", a0.shape(),
                            b0.shape(), batch_a, batch_b));
  }
  // Same rank for both: prepend size-1 batch dims.
  while (s.a.dim() < batch.size() + 2) s.a = s.a.unsqueeze(0);
  while (s.b.dim() < batch.size() + 2) s.b = s.b.unsqueeze(0);
  s.out = batch;
  s.out.push_back(s.a.size(-2));
  s.out.push_back(s.b.size(-1));
  return s;
}

dnnl::memory::desc describe(const Tensor& t) {
  return dnnl::memory::desc(dnnl::memory::dims(t.shape().begin(), t.shape().end()),
                            dnnl::memory::data_type::f32,
                            dnnl::memory::dims(t.strides().begin(), t.strides().end()));
}

// oneDNN's fast kernels want one of the two matrix strides to be 1.
Tensor gemm_friendly(const Tensor& t) {
  return (t.stride(-1) == 1 || t.stride(-2) == 1) ? t : t.contiguous();
}

struct CachedMatmul {
  dnnl::matmul primitive;
  dnnl::memory::desc a, b, c;
};

const CachedMatmul& cached_primitive(const Tensor& a, const Tensor& b, const Tensor& c) {
  static std::mutex mutex;
  static std::map<std::vector<std::int64_t>, CachedMatmul> cache;
  std::vector<std::int64_t> key;
  for (const Tensor* t : {&a, &b, &c}) {
    key.push_back(t->dim());
    key.insert(key.end(), t->shape().begin(), t->shape().end());
    key.insert(key.end(), t->strides().begin(), t->strides().end());
  }
  std::lock_guard lock(mutex);
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  const auto a_md = describe(a), b_md = describe(b), c_md = describe(c);
  const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a_md, b_md, c_md),
                                        detail::dnnl_engine());
  return cache.emplace(key, CachedMatmul{dnnl::matmul(pd), a_md, b_md, c_md}).first->second;
}

// Note [Matmul batch dims]: oneDNN 2.6 broadcasts batch dims of the weights (b) only, and
// takes a slow reference path for stride-0 dims. So: when b has no real batch and a's batch
// and row dims fold into one, run a single 2-D GEMM (the common x @ W of a linear layer);
// otherwise a's broadcast batch dims are materialised.
void matmul_f32(Tensor a, Tensor b, Tensor c) {
  const int r = c.dim();
  bool b_shared = true, a_broadcast = false, b_expanded = false;
  for (int i = 0; i < r - 2; ++i) {
    b_shared = b_shared && b.size(i) == 1;
    a_broadcast = a_broadcast || a.size(i) != c.size(i) || a.stride(i) == 0;
    b_expanded = b_expanded || (b.size(i) > 1 && b.stride(i) == 0);
  }
  if (r > 2 && b_shared && !a_broadcast && a.stride(-1) == 1 && a.can_view(Shape{-1, a.size(-1)})) {
    a = a.view(Shape{-1, a.size(-1)});
    b = b.reshape(Shape{b.size(-2), b.size(-1)});
    c = c.view(Shape{-1, c.size(-1)});
  }
  if (a_broadcast) {
    Shape full = c.shape();
    full[r - 2] = a.size(-2), full[r - 1] = a.size(-1);
    a = a.expand(full).contiguous();
  }
  if (b_expanded) b = b.contiguous();
  a = gemm_friendly(a);
  b = gemm_friendly(b);
  const CachedMatmul& m = cached_primitive(a, b, c);
  auto& engine = detail::dnnl_engine();
  dnnl::memory a_mem(m.a, engine, a.raw_data()), b_mem(m.b, engine, b.raw_data()),
      c_mem(m.c, engine, c.raw_data());
  m.primitive.execute(detail::dnnl_stream(),
                      {{DNNL_ARG_SRC, a_mem}, {DNNL_ARG_WEIGHTS, b_mem}, {DNNL_ARG_DST, c_mem}});
  detail::dnnl_stream().wait();
}

// C[i, :] = sum_k A[i, k] B[k, :] per batch, B rows contiguous so the inner loop vectorises.
void matmul_f64(const Tensor& a, const Tensor& b, const Tensor& c) {
  const Tensor bc = b.contiguous();
  const int r = c.dim();
  const std::int64_t M = c.size(-2), N = c.size(-1), K = a.size(-1);
  const std::int64_t batches = c.numel() / std::max<std::int64_t>(M * N, 1);
  const double* A = a.data<double>();
  const double* B = bc.data<double>();
  double* C = c.data<double>();
  // Offsets of batch index n in a and b (broadcast dims contribute 0).
  auto batch_offset = [&](const Tensor& t, std::int64_t n) {
    std::int64_t off = 0;
    for (int d = r - 3; d >= 0; --d) {
      const std::int64_t i = n % c.size(d);
      n /= c.size(d);
      if (t.size(d) != 1) off += i * t.stride(d);
    }
    return off;
  };
  parallel_for(batches * M, N * K, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t row = begin; row < end; ++row) {
      const std::int64_t n = row / M, i = row % M;
      const double* a_row = A + batch_offset(a, n) + i * a.stride(-2);
      const double* b_mat = B + batch_offset(bc, n);
      double* c_row = C + row * N;
      for (std::int64_t j = 0; j < N; ++j) c_row[j] = 0;
      for (std::int64_t k = 0; k < K; ++k) {
        const double aik = a_row[k * a.stride(-1)];
        const double* b_row = b_mat + k * N;
#pragma omp simd
        for (std::int64_t j = 0; j < N; ++j) c_row[j] += aik * b_row[j];
      }
    }
  });
}

}  // namespace

Tensor matmul(const Tensor& a0, const Tensor& b0) {
  MatmulShapes s = plan(a0, b0);
  Tensor c = Tensor::empty(s.out, a0.dtype());
  if (c.numel() > 0) {
    if (a0.dtype() == DType::f64) {
      matmul_f64(s.a, s.b, c);
    } else if (s.a.size(-1) == 0) {
      c.zero_();
    } else {
      matmul_f32(s.a, s.b, c);
    }
  }
  if (s.squeeze_row) c = c.squeeze(-2);
  if (s.squeeze_col) c = c.squeeze(-1);
  return c;
}

}  // namespace liandan::core
