// core::cpu: the instruction-set level, its errors, and our kernels agreeing across every level
// this CPU can run (Note [CPU dispatch]). The whole suite also runs under LIANDAN_ISA=generic
// and avx2 in CI; this file compares the levels with each other in one process.
#include <doctest/doctest.h>

#include <functional>
#include <vector>

#include "liandan/core/core.hpp"
#include "liandan/core/cpu.hpp"
#include "liandan/core/linear_attention.hpp"
#include "support/fixtures.hpp"

using namespace liandan;
using core::Tensor;
using core::cpu::Isa;

namespace {

std::vector<Isa> runnable_levels() {
  std::vector<Isa> levels;
  for (Isa level : {Isa::generic, Isa::avx2, Isa::avx512})
    if (level <= core::cpu::detected_isa()) levels.push_back(level);
  return levels;
}

// Runs f at every runnable level and checks each result against the generic one.
void expect_same_at_every_level(const std::function<std::vector<Tensor>()>& f, double rtol,
                                double atol) {
  std::vector<Tensor> reference;
  {
    core::cpu::IsaGuard guard(Isa::generic);
    reference = f();
  }
  for (Isa level : runnable_levels()) {
    core::cpu::IsaGuard guard(level);
    CAPTURE(core::cpu::name(level));
    const std::vector<Tensor> got = f();
    REQUIRE(got.size() == reference.size());
    for (std::size_t i = 0; i < got.size(); ++i)
      test::expect_close(got[i], reference[i], rtol, atol);
  }
}

}  // namespace

TEST_CASE("cpu::isa: names, parsing, set_isa bounds and IsaGuard") {
  for (Isa level : {Isa::generic, Isa::avx2, Isa::avx512})
    CHECK(core::cpu::parse_isa(core::cpu::name(level)) == level);
  CHECK_THROWS_WITH(core::cpu::parse_isa("sse9"),
                    "ISA level 'sse9' is not one of generic, avx2, avx512");
  CHECK(core::cpu::isa() <= core::cpu::detected_isa());
  const Isa before = core::cpu::isa();
  {
    core::cpu::IsaGuard guard(Isa::generic);
    CHECK(core::cpu::isa() == Isa::generic);
  }
  CHECK(core::cpu::isa() == before);
  if (core::cpu::detected_isa() < Isa::avx512) {
    CHECK_THROWS_WITH(core::cpu::set_isa(Isa::avx512),
                      doctest::Contains("ISA level avx512 is not supported by this CPU"));
    CHECK(core::cpu::isa() == before);
  }
}

TEST_CASE("cpu dispatch: elementwise, activations and their backward agree at every level") {
  // Odd sizes: vector bodies, remainders and the parallel split all run.
  const Tensor x = core::normal({7, 129, 97}, 0, 3), y = core::normal({129, 97});
  const Tensor g = core::normal({7, 129, 97});
  expect_same_at_every_level(
      [&] {
        return std::vector<Tensor>{core::add(x, y),
                                   core::mul(x, 0.5),
                                   core::exp(core::clamp(x, -80, 80)),
                                   core::tanh(x),
                                   core::sigmoid(x),
                                   core::erf(x),
                                   core::gelu(x),
                                   core::gelu(x, core::GeluApprox::tanh),
                                   core::silu(x),
                                   core::elu(x, 1.0),
                                   core::softplus(x, 1.0, 20.0),
                                   core::gelu_backward(g, x, core::GeluApprox::none),
                                   core::elu_backward(g, x, 1.0)};
      },
      2e-6, 1e-5);
}

TEST_CASE("cpu dispatch: reductions, softmax and layer_norm agree at every level") {
  const Tensor x = core::normal({33, 517});
  const Tensor w = core::normal({517}), b = core::normal({517});
  expect_same_at_every_level(
      [&] {
        const auto ln = core::layer_norm(x, {517}, w, b, 1e-5);
        return std::vector<Tensor>{core::sum(x, {1}),
                                   core::sum(x, {0}),
                                   core::mean(x),
                                   core::softmax(x, -1),
                                   core::log_softmax(x, 0),
                                   ln.out,
                                   ln.mean,
                                   ln.rstd};
      },
      1e-5, 1e-5);
}

TEST_CASE("cpu dispatch: flash attention and causal linear attention agree at every level") {
  // T and S not multiples of the tiles; head size 64 takes AVX-512's register-blocked tiles.
  const Tensor q = core::normal({2, 3, 150, 64}), k = core::normal({2, 3, 131, 64});
  const Tensor v = core::normal({2, 3, 131, 64}), dout = core::normal({2, 3, 150, 64});
  const Tensor lq = core::normal({2, 200, 32}), lk = core::normal({2, 200, 32});
  const Tensor lv = core::normal({2, 200, 48});
  expect_same_at_every_level(
      [&] {
        const core::AttentionResult r = core::flash_attention(q, k, v);
        const core::AttentionGrads d = core::flash_attention_backward(dout, q, k, v, r.out, r.lse);
        return std::vector<Tensor>{r.out,
                                   r.lse,
                                   d.dq,
                                   d.dk,
                                   d.dv,
                                   core::causal_dot_product(lq, lk, lv),
                                   core::causal_dot_product(lq, lk, lv, {.reverse = true})};
      },
      1e-4, 1e-4);
}
