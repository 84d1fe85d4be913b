// core/attention: flash_attention and its backward against PyTorch (tests/fixtures/
// gen_attention.py: no mask, causal, key padding, bool, additive and UniLM masks, T != S, several
// tiles, f32 and f64), against the composed core ops on random shapes, the masks, rows that see
// no key, independence of the thread count, and the RoPE kernel against bert4keras' formula.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "liandan/core/core.hpp"
#include "support/fixtures.hpp"

using namespace liandan;
using core::Tensor;

namespace {

const test::Fixture& fixture() {
  static const test::Fixture f("attention");
  return f;
}
Tensor get(const std::string& c, const std::string& name) {
  return fixture().tensor(c + "/" + name);
}

core::AttentionOptions options_of(const std::string& c) {
  core::AttentionOptions o;
  if (fixture().has(c, "mask")) o.mask = get(c, "mask");
  o.causal = fixture().attr(c, "causal") != 0;
  if (fixture().has(c, "scale")) o.scale = fixture().attr(c, "scale");
  return o;
}

// softmax(q k^T scale + mask) v by the composed core ops (the (T, S) matrix formed).
Tensor plain_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                       const core::AttentionOptions& o) {
  Tensor s = core::mul(core::matmul(q, k.transpose(2, 3)), core::attention_scale(o, q.size(3)));
  if (o.mask.defined() && o.mask.dtype() != DType::b8) s = core::add(s, o.mask);
  if (o.mask.defined() && o.mask.dtype() == DType::b8)
    s = core::where(o.mask, s, -std::numeric_limits<double>::infinity());
  if (o.causal)
    s = core::where(core::causal_mask(q.size(2), k.size(2)), s,
                    -std::numeric_limits<double>::infinity());
  return core::matmul(core::softmax(s, -1), v);
}

double tol(DType t) { return t == DType::f64 ? 1e-10 : 2e-5; }

}  // namespace

TEST_CASE("flash_attention and flash_attention_backward: every fixture case vs PyTorch") {
  for (const std::string& c : fixture().cases()) {
    if (!fixture().has(c, "grad_q")) continue;  // RoPE and MHA cases
    INFO("case ", c);
    const Tensor q = get(c, "q"), k = get(c, "k"), v = get(c, "v");
    const core::AttentionOptions o = options_of(c);
    const core::AttentionResult r = core::flash_attention(q, k, v, o);
    const double t = tol(q.dtype());
    test::expect_close(r.out, get(c, "out"), t, t);
    const core::AttentionGrads g =
        core::flash_attention_backward(get(c, "grad_out"), q, k, v, r.out, r.lse, o);
    test::expect_close(g.dq, get(c, "grad_q"), t, t);
    test::expect_close(g.dk, get(c, "grad_k"), t, t);
    test::expect_close(g.dv, get(c, "grad_v"), t, t);
  }
}

TEST_CASE("flash_attention: logsumexp of the scaled, masked scores") {
  const std::string c = "bool_mask_f64";
  const core::AttentionOptions o = options_of(c);
  const Tensor q = get(c, "q"), k = get(c, "k");
  Tensor s = core::mul(core::matmul(q, k.transpose(2, 3)), 1 / std::sqrt(5.0));
  s = core::where(o.mask, s, -std::numeric_limits<double>::infinity());
  test::expect_close(core::flash_attention(q, k, get(c, "v"), o).lse, core::logsumexp(s, {-1}),
                     1e-12, 1e-12);
}

TEST_CASE("flash_attention: equals the composed ops on random shapes around the tile sizes") {
  core::Generator gen(7);
  struct Case {
    std::int64_t B, H, T, S, D, Dv;
  };
  for (const Case& s : std::vector<Case>{{1, 1, 1, 1, 1, 1},
                                         {2, 3, 63, 65, 7, 9},
                                         {1, 2, 64, 64, 64, 64},
                                         {1, 1, 129, 200, 33, 5},
                                         {3, 1, 5, 140, 4, 4},
                                         {1, 2, 150, 20, 8, 8}}) {
    for (DType dt : {DType::f64, DType::f32}) {
      for (int variant = 0; variant < 3; ++variant) {
        INFO("T ", s.T, " S ", s.S, " D ", s.D, " variant ", variant, " ", name(dt));
        const Tensor q = core::normal({s.B, s.H, s.T, s.D}, 0, 1, dt, gen);
        const Tensor k = core::normal({s.B, s.H, s.S, s.D}, 0, 1, dt, gen);
        const Tensor v = core::normal({s.B, s.H, s.S, s.Dv}, 0, 1, dt, gen);
        core::AttentionOptions o;
        if (variant == 1) o.causal = s.S >= s.T;  // every query sees a key
        if (variant == 2) o.mask = core::normal({s.B, 1, s.T, s.S}, 0, 1, dt, gen);
        test::expect_close(core::flash_attention(q, k, v, o).out, plain_attention(q, k, v, o),
                           tol(dt), tol(dt));
      }
    }
  }
}

TEST_CASE("flash_attention: strided inputs and a custom scale") {
  core::Generator gen(3);
  const Tensor qkv = core::normal({2, 9, 3, 4, 6}, 0, 1, DType::f64, gen);  // (B, T, 3, H, D)
  const Tensor q = qkv.select(2, 0).transpose(1, 2), k = qkv.select(2, 1).transpose(1, 2),
               v = qkv.select(2, 2).transpose(1, 2);
  const core::AttentionOptions o{.causal = true, .scale = 0.7};
  test::expect_close(core::flash_attention(q, k, v, o).out,
                     plain_attention(q.contiguous(), k.contiguous(), v.contiguous(), o), 1e-12,
                     1e-12);
}

// Note [Head layouts]: head-split views are read and written in place; the results are the
// same bits as for contiguous copies, and out / dq / dk / dv come back in the inputs' layouts.
// T = 70 spans two query and key tiles; H * B = 6 heads take both backward schemes' paths.
TEST_CASE("flash_attention: head-split views in, same layout out, same bits as contiguous") {
  core::Generator gen(4);
  for (std::int64_t B : {1, 3}) {
    CAPTURE(B);
    // q, k, v as (B, T, H, D) projections viewed as (B, H, T, D); dout likewise.
    const auto split = [&](std::int64_t d) {
      return core::normal({B, 70, 2, d}, 0, 1, DType::f32, gen).transpose(1, 2);
    };
    const Tensor q = split(32), k = split(32), v = split(64), dout = split(64);
    const core::AttentionOptions o{.causal = true};
    const core::AttentionResult strided = core::flash_attention(q, k, v, o);
    const core::AttentionResult packed =
        core::flash_attention(q.contiguous(), k.contiguous(), v.contiguous(), o);
    CHECK(strided.out.strides() == Strides{70 * 2 * 64, 64, 2 * 64, 1});  // (B, T, H, Dv) memory
    CHECK(packed.out.is_contiguous());
    CHECK(strided.out.to_vector<float>() == packed.out.to_vector<float>());
    const core::AttentionGrads gs =
        core::flash_attention_backward(dout, q, k, v, strided.out, strided.lse, o);
    const core::AttentionGrads gp =
        core::flash_attention_backward(dout.contiguous(), q.contiguous(), k.contiguous(),
                                       v.contiguous(), packed.out, packed.lse, o);
    CHECK(gs.dq.strides() == q.strides());
    CHECK(gs.dv.strides() == v.strides());
    CHECK(gs.dq.to_vector<float>() == gp.dq.to_vector<float>());
    CHECK(gs.dk.to_vector<float>() == gp.dk.to_vector<float>());
    CHECK(gs.dv.to_vector<float>() == gp.dv.to_vector<float>());
  }
}

TEST_CASE("flash_attention: a query that sees no key outputs 0 with zero gradients") {
  core::Generator gen(5);
  const Tensor q = core::normal({1, 1, 4, 3}, 0, 1, DType::f64, gen);
  const Tensor k = core::normal({1, 1, 2, 3}, 0, 1, DType::f64, gen);
  const Tensor v = core::normal({1, 1, 2, 3}, 0, 1, DType::f64, gen);
  // Causal with T = 4 > S = 2: queries 0 and 1 see nothing, query 2 key 0, query 3 both.
  const core::AttentionOptions o{.causal = true};
  const core::AttentionResult r = core::flash_attention(q, k, v, o);
  const auto out = r.out.to_vector<double>(), lse = r.lse.to_vector<double>();
  for (int i = 0; i < 6; ++i) CHECK(out[i] == 0.0);
  CHECK(std::isinf(lse[0]));
  CHECK(lse[0] < 0);
  for (int d = 0; d < 3; ++d) CHECK(out[6 + d] == doctest::Approx(v.to_vector<double>()[d]));
  const core::AttentionGrads g = core::flash_attention_backward(
      core::Tensor::ones({1, 1, 4, 3}, DType::f64), q, k, v, r.out, r.lse, o);
  const auto dq = g.dq.to_vector<double>();
  for (int i = 0; i < 6; ++i) CHECK(dq[i] == 0.0);
  // A bool mask blocking a whole row does the same.
  Tensor mask = core::Tensor::ones({4, 2}, DType::b8).to(DType::b8);
  mask.select(0, 1).fill_(0);
  const auto out2 = core::flash_attention(q, k, v, {.mask = mask}).out.to_vector<double>();
  for (int d = 0; d < 3; ++d) CHECK(out2[3 + d] == 0.0);
  for (double x : out2) CHECK(std::isfinite(x));
}

TEST_CASE("flash_attention: results do not depend on the thread count") {
  // Three heads: one thread runs the backward per head, two threads per key and query tile.
  core::Generator gen(11);
  const Tensor q = core::normal({3, 1, 150, 32}, 0, 1, DType::f32, gen);
  const Tensor k = core::normal({3, 1, 150, 32}, 0, 1, DType::f32, gen);
  const Tensor v = core::normal({3, 1, 150, 32}, 0, 1, DType::f32, gen);
  const Tensor g = core::normal({3, 1, 150, 32}, 0, 1, DType::f32, gen);
  const core::AttentionOptions o{.causal = true};
  const int threads = core::num_threads();
  std::vector<std::vector<float>> runs;
  for (int n : {1, 2}) {
    core::set_num_threads(n);
    const core::AttentionResult r = core::flash_attention(q, k, v, o);
    const core::AttentionGrads d = core::flash_attention_backward(g, q, k, v, r.out, r.lse, o);
    std::vector<float> all = r.out.to_vector<float>();
    for (const Tensor& t : {d.dq, d.dk, d.dv}) {
      const auto x = t.to_vector<float>();
      all.insert(all.end(), x.begin(), x.end());
    }
    runs.push_back(all);
  }
  core::set_num_threads(threads);
  CHECK(runs[0] == runs[1]);
}

TEST_CASE("causal_mask, key_padding_mask, seq2seq_mask: against the fixtures' masks") {
  CHECK(core::causal_mask(3, 5).to_vector<bool>() ==
        std::vector<bool>{1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1});
  const Tensor lengths = Tensor::from<std::int64_t>({4, 9}, {2});
  CHECK(core::key_padding_mask(lengths, 9).to_vector<bool>() ==
        get("key_padding_f64", "mask").to_vector<bool>());
  CHECK(core::key_padding_mask(lengths, 9).shape() == Shape{2, 1, 1, 9});
  // bert4keras' cumsum(segment_ids) rule for sources of 3 and 5 tokens out of 8
  const Tensor unilm = core::seq2seq_mask(Tensor::from<std::int64_t>({3, 5}, {2}), 8);
  CHECK(unilm.shape() == Shape{2, 1, 8, 8});
  CHECK(unilm.to_vector<bool>() == get("unilm_f64", "mask").to_vector<bool>());
  CHECK_THROWS_WITH_AS(core::key_padding_mask(lengths, 5),
                       "key_padding_mask: length 9 of batch 1 outside [0, 5]", Error);
}

TEST_CASE("flash_attention: errors name the op and the shapes") {
  const Tensor q = Tensor::zeros({1, 2, 3, 4}), k = Tensor::zeros({1, 2, 5, 4});
  CHECK_THROWS_WITH_AS(core::flash_attention(q, Tensor::zeros({1, 2, 5, 3}), k),
                       "flash_attention: q [1,2,3,4], k [1,2,5,3], v [1,2,5,4] do not fit "
                       "(B, H, T, D), (B, H, S, D), (B, H, S, Dv)",
                       Error);
  CHECK_THROWS_WITH_AS(core::flash_attention(q, k, k, {.mask = Tensor::zeros({4, 5})}),
                       "flash_attention: mask [4,5] does not broadcast to (B, H, T, S) = [1,2,3,5]",
                       Error);
  CHECK_THROWS_AS(core::flash_attention(q, k, k, {.mask = Tensor::zeros({3, 5}, DType::f64)}),
                  Error);
  CHECK_THROWS_AS(core::flash_attention(q.view({2, 3, 4}), k, k), Error);
}

TEST_CASE("rope kernel and angle tables: 1-D, offset and base, f32, 2-D vs bert4keras") {
  for (const std::string c : {"rope_1d", "rope_1d_offset_base", "rope_1d_f32", "rope_2d"}) {
    INFO("case ", c);
    const Tensor x = get(c, "x");
    const double base = fixture().attr(c, "base");
    const Tensor angles = fixture().text(c, "kind") == "1d"
                              ? core::rope_angles(get(c, "positions"), x.size(-1), base)
                              : core::rope_angles_2d(get(c, "positions"), x.size(-1), base);
    const auto [cs, sn] = core::rope_table(angles, x.dtype());
    const double t = x.dtype() == DType::f64 ? 1e-12 : 1e-5;
    test::expect_close(core::rope(x, cs, sn), get(c, "out"), t, t);
    // The inverse rotation is the backward: R^T g.
    test::expect_close(core::rope(get(c, "grad_out"), cs, sn, true), get(c, "grad_x"), t, t);
    // Strided input: the same rotation.
    const Tensor xt = x.transpose(0, 1).contiguous().transpose(0, 1);
    CHECK(core::rope(xt, cs, sn).to_vector<double>() == core::rope(x, cs, sn).to_vector<double>());
  }
  CHECK_THROWS_WITH_AS(core::rope_angles_2d(Tensor::zeros({3, 2}), 6),
                       "rope_angles_2d: head size 6 must be a positive multiple of 4", Error);
}
