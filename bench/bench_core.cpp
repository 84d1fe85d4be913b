// bench_core: the tensor core's matmul, elementwise, reduction and normalisation ops, beside two
// baselines in the same process: a raw oneDNN matmul primitive and a copy kernel (the machine's
// memory bandwidth). Prints one JSON line per measurement; bench/run_core adds PyTorch and
// prints the table (bench/RESULTS.md).
//   bench_core [--threads N] [--min-time SECONDS] [--min-reps N] [--filter TEXT]
//
// Note [Bench timing]: every op runs on preallocated inputs, first as warm-up (at least two
// calls and 0.1 s), then timed call by call until there are min_reps calls and min_time
// seconds; the median call is reported. bench_core_torch.py does the same, so the two sides
// differ only in the library. "bytes" is what an op must move at least (inputs read once,
// output written once), the same for every implementation, so GB/s = bytes / time compares
// directly with the copy kernel. Calls run back to back (warm), as in a training step; the
// [8192, 1024] ops (32 MiB in, 32 MiB out) can partly hit a 32 MiB L3 that way, so the
// reductions are also run on [65536, 1024], which cannot. (Flushing the caches between calls
// was tried: on this VM a worker thread that went idle takes milliseconds to wake, which
// swamped the 1 ms ops with noise on both sides.)
#include <fmt/core.h>
#include <omp.h>
#include <dnnl.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "liandan/core/core.hpp"

namespace core = liandan::core;

namespace {

struct Options {
  int threads = 2;
  double min_time = 0.3;  // seconds of timed calls per measurement
  int min_reps = 5;
  std::string filter;  // run only ops whose name contains this
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Median of the timed calls of fn, in ms (Note [Bench timing]).
struct Timing {
  double ms;
  int reps;
};
Timing time_median(const std::function<void()>& fn, const Options& opt) {
  const auto warm = std::chrono::steady_clock::now();
  for (int i = 0; i < 2 || seconds_since(warm) < 0.1; ++i) fn();
  std::vector<double> ms;
  double timed = 0;
  while (static_cast<int>(ms.size()) < opt.min_reps || timed < opt.min_time) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    ms.push_back(seconds_since(t0) * 1e3);
    timed += ms.back() / 1e3;
  }
  std::sort(ms.begin(), ms.end());
  const std::size_t n = ms.size();
  return {n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2, static_cast<int>(n)};
}

void run(const Options& opt, const std::string& op, const std::string& impl, double bytes,
         double flops, const std::function<void()>& fn) {
  const Timing t = time_median(fn, opt);
  fmt::print(
      "{{\"op\": \"{}\", \"impl\": \"{}\", \"ms\": {:.4f}, \"bytes\": {:.0f}, \"flops\": {:.0f}, "
      "\"reps\": {}, \"threads\": {}}}\n",
      op, impl, t.ms, bytes, flops, t.reps, opt.threads);
  std::fflush(stdout);
}

bool selected(const Options& opt, const std::string& op) {
  return opt.filter.empty() || op.find(opt.filter) != std::string::npos;
}

// ---- matmul: ours against a oneDNN primitive created once on the same buffers

struct MatmulCase {
  std::int64_t M, K, N;
  bool transposed_weight;  // W stored (N, K) as in a linear layer, the op is x @ W^T
  std::string name() const {
    return transposed_weight ? fmt::format("mm {}x{} @ ({}x{})^T", M, K, N, K)
                             : fmt::format("mm {}x{} @ {}x{}", M, K, K, N);
  }
};

std::vector<MatmulCase> matmul_cases() {
  std::vector<MatmulCase> cases = {{1024, 1024, 1024, false}, {2048, 2048, 2048, false}};
  // Transformer shapes, B*T = 2048 rows: x @ W (d, d), x @ W (d, 4d), x @ W^T with W (4d, d).
  for (std::int64_t d : {256, 512, 1024}) {
    cases.push_back({2048, d, d, false});
    cases.push_back({2048, d, 4 * d, false});
    cases.push_back({2048, d, 4 * d, true});
  }
  cases.push_back({2048, 2048, 8192, true});
  return cases;
}

void bench_matmul(const Options& opt, const MatmulCase& c) {
  const std::string op = c.name();
  if (!selected(opt, op)) return;
  const core::Tensor x = core::uniform({c.M, c.K}, -1, 1);
  const core::Tensor w =
      c.transposed_weight ? core::uniform({c.N, c.K}, -1, 1) : core::uniform({c.K, c.N}, -1, 1);
  const core::Tensor rhs = c.transposed_weight ? w.transpose(0, 1) : w;  // (K, N)
  const double flops = 2.0 * c.M * c.K * c.N;
  const double bytes = 4.0 * (c.M * c.K + c.K * c.N + c.M * c.N);

  run(opt, op, "liandan", bytes, flops, [&] { core::matmul(x, rhs); });

  using dnnl::memory;
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  const memory::desc a_md({c.M, c.K}, memory::data_type::f32, memory::dims{c.K, 1});
  const memory::desc b_md({c.K, c.N}, memory::data_type::f32,
                          c.transposed_weight ? memory::dims{1, c.K} : memory::dims{c.N, 1});
  const memory::desc c_md({c.M, c.N}, memory::data_type::f32, memory::dims{c.N, 1});
  const dnnl::matmul primitive(
      dnnl::matmul::primitive_desc(dnnl::matmul::desc(a_md, b_md, c_md), engine));
  const core::Tensor out = core::Tensor::empty({c.M, c.N});
  memory a_mem(a_md, engine, x.raw_data()), b_mem(b_md, engine, w.raw_data()),
      c_mem(c_md, engine, out.raw_data());
  run(opt, op, "onednn", bytes, flops, [&] {
    primitive.execute(stream,
                      {{DNNL_ARG_SRC, a_mem}, {DNNL_ARG_WEIGHTS, b_mem}, {DNNL_ARG_DST, c_mem}});
    stream.wait();
  });
}

// ---- the copy kernels: the bandwidth the memory-bound ops are measured against

// One contiguous chunk per thread; GCC makes it a 512-bit load/store loop with ordinary stores,
// as our elementwise kernels are. The reference bandwidth of the memory-bound ops.
void copy_loop(const float* src, float* dst, std::int64_t n) {
#pragma omp parallel for schedule(static)
  for (std::int64_t i = 0; i < n; ++i) dst[i] = src[i];
}

// glibc's memcpy on each thread's chunk; for chunks this large it uses non-temporal stores,
// which skip reading the destination first. Shown beside copy_loop for comparison.
void memcpy_chunks(const float* src, float* dst, std::int64_t n) {
#pragma omp parallel
  {
    const std::int64_t t = omp_get_thread_num(), nt = omp_get_num_threads();
    const std::int64_t begin = n * t / nt, end = n * (t + 1) / nt;
    std::memcpy(dst + begin, src + begin, sizeof(float) * (end - begin));
  }
}

void bench_copy(const Options& opt) {
  const std::int64_t n = std::int64_t{64} << 20;
  const core::Tensor src = core::uniform({n}), dst = core::Tensor::empty({n});
  const float* s = src.data<float>();
  float* d = dst.data<float>();
  if (selected(opt, "copy 64M"))
    run(opt, "copy 64M", "copy", 8.0 * n, 0, [&] { copy_loop(s, d, n); });
  if (selected(opt, "memcpy 64M"))
    run(opt, "memcpy 64M", "copy", 8.0 * n, 0, [&] { memcpy_chunks(s, d, n); });
}

// ---- elementwise, reductions, softmax, layer_norm

void bench_memory_bound(const Options& opt) {
  const std::int64_t n = std::int64_t{16} << 20;  // 16M floats, 64 MiB
  auto bench = [&](const std::string& op, double bytes, const std::function<void()>& fn) {
    if (selected(opt, op)) run(opt, op, "liandan", bytes, 0, fn);
  };
  {
    const core::Tensor a = core::uniform({n}, -1, 1), b = core::uniform({n}, -1, 1);
    bench("add 16M", 12.0 * n, [&] { core::add(a, b); });
    bench("exp 16M", 8.0 * n, [&] { core::exp(a); });
    bench("gelu 16M", 8.0 * n, [&] { core::gelu(a); });
  }
  {
    // A scale-and-shift per column followed by GELU, as after a normalisation layer.
    const core::Tensor x = core::uniform({4096, 4096}, -1, 1);
    const core::Tensor a = core::uniform({4096}, 0.5, 1.5), b = core::uniform({4096}, -1, 1);
    bench("gelu(x*a+b) 4096x4096", 8.0 * n, [&] { core::gelu(core::add(core::mul(x, a), b)); });
  }
  const std::int64_t cols = 1024;
  {
    const std::int64_t rows = 65536;  // 256 MiB: from memory, whatever the cache
    const core::Tensor x = core::uniform({rows, cols}, -1, 1);
    bench("sum(-1) 65536x1024", 4.0 * (rows * cols + rows), [&] { core::sum(x, {-1}); });
    bench("sum() 65536x1024", 4.0 * rows * cols, [&] { core::sum(x); });
  }
  const std::int64_t rows = 8192;
  const core::Tensor x = core::uniform({rows, cols}, -1, 1);
  const core::Tensor weight = core::uniform({cols}, 0.5, 1.5), bias = core::uniform({cols});
  bench("sum(-1) 8192x1024", 4.0 * (rows * cols + rows), [&] { core::sum(x, {-1}); });
  bench("sum() 8192x1024", 4.0 * rows * cols, [&] { core::sum(x); });
  bench("softmax(-1) 8192x1024", 8.0 * rows * cols, [&] { core::softmax(x, -1); });
  bench("layer_norm 8192x1024", 8.0 * rows * cols,
        [&] { core::layer_norm(x, {cols}, weight, bias); });
}

Options parse(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--threads" && has_value) {
      opt.threads = std::atoi(argv[++i]);
    } else if (arg == "--min-time" && has_value) {
      opt.min_time = std::atof(argv[++i]);
    } else if (arg == "--min-reps" && has_value) {
      opt.min_reps = std::atoi(argv[++i]);
    } else if (arg == "--filter" && has_value) {
      opt.filter = argv[++i];
    } else {
      fmt::print(stderr,
                 "usage: bench_core [--threads N] [--min-time SECONDS] [--min-reps N] "
                 "[--filter TEXT]\n(got '{}')\n",
                 arg);
      std::exit(2);
    }
  }
  if (opt.threads < 1 || opt.min_reps < 1) {
    fmt::print(stderr, "bench_core: --threads and --min-reps must be >= 1\n");
    std::exit(2);
  }
  return opt;
}

}  // namespace

int main(int argc, char** argv) {
  const Options opt = parse(argc, argv);
  core::set_num_threads(opt.threads);
  bench_copy(opt);
  for (const MatmulCase& c : matmul_cases()) bench_matmul(opt, c);
  bench_memory_bound(opt);
  return 0;
}
