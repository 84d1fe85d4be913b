// bench_attention: the fused flash attention kernels (core::flash_attention and its backward)
// against the plain path of core ops that forms the (T, S) matrices (matmul, softmax, matmul;
// the backward likewise), f32, d_head 64, the GPT benchmark's shapes. Prints one line per shape:
// median milliseconds of forward and forward + backward for both.
//   bench_attention [--threads N] [--reps N]
#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <vector>

#include "liandan/core/core.hpp"

namespace core = liandan::core;
using core::Tensor;

namespace {

double median_ms(const std::function<void()>& f, int reps) {
  f();  // warm-up
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    const auto a = std::chrono::steady_clock::now();
    f();
    t.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

struct Plain {
  Tensor p, out;
};
Plain plain_forward(const Tensor& q, const Tensor& k, const Tensor& v, bool causal, double scale) {
  Tensor s = core::mul(core::matmul(q, k.transpose(2, 3)), scale);
  if (causal)
    s = core::where(core::causal_mask(q.size(2), k.size(2)), s,
                    -std::numeric_limits<double>::infinity());
  Tensor p = core::softmax(s, -1);
  return {p, core::matmul(p, v)};
}
void plain_backward(const Plain& f, const Tensor& g, const Tensor& q, const Tensor& k,
                    const Tensor& v, double scale) {
  const Tensor dv = core::matmul(f.p.transpose(2, 3), g);
  const Tensor dp = core::matmul(g, v.transpose(2, 3));
  const Tensor ds =
      core::mul(core::mul(f.p, core::sub(dp, core::sum(core::mul(dp, f.p), {-1}, true))), scale);
  const Tensor dq = core::matmul(ds, k), dk = core::matmul(ds.transpose(2, 3), q);
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 2, reps = 5;
  for (int i = 1; i + 1 < argc; ++i) {
    if (!std::strcmp(argv[i], "--threads"))
      threads = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--reps"))
      reps = std::atoi(argv[++i]);
  }
  core::set_num_threads(threads);
  fmt::print("threads {}; median ms (f32, D 64)\n", threads);
  fmt::print("{:>22} {:>7} | {:>9} {:>9} | {:>9} {:>9}\n", "B,H,T", "causal", "flash fwd",
             "plain fwd", "flash f+b", "plain f+b");
  struct Shape {
    std::int64_t B, H, T;
  };
  for (const Shape s : {Shape{16, 4, 128}, Shape{2, 4, 2048}}) {
    for (bool causal : {false, true}) {
      const std::int64_t D = 64;
      const Tensor q = core::normal({s.B, s.H, s.T, D}), k = core::normal({s.B, s.H, s.T, D}),
                   v = core::normal({s.B, s.H, s.T, D}), g = core::normal({s.B, s.H, s.T, D});
      const double scale = 0.125;
      const core::AttentionOptions o{.causal = causal};
      const double ff = median_ms([&] { core::flash_attention(q, k, v, o); }, reps);
      const double pf = median_ms([&] { plain_forward(q, k, v, causal, scale); }, reps);
      const double fb = median_ms(
          [&] {
            const core::AttentionResult r = core::flash_attention(q, k, v, o);
            core::flash_attention_backward(g, q, k, v, r.out, r.lse, o);
          },
          reps);
      const double pb = median_ms(
          [&] { plain_backward(plain_forward(q, k, v, causal, scale), g, q, k, v, scale); }, reps);
      fmt::print("{:>22} {:>7} | {:9.2f} {:9.2f} | {:9.2f} {:9.2f}\n",
                 fmt::format("{},{},{}", s.B, s.H, s.T), causal, ff, pf, fb, pb);
    }
  }
}
