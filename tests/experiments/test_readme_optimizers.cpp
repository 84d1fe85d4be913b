// README's option tables (optimizers, schedules, tasks) are what `liandan options KIND` prints
// from the field tables, and "Adding an optimizer" (signSGD, below verbatim) compiles, steps, and
// makes its table entry with one line.
#include <doctest/doctest.h>

#include "liandan/experiments/optimizers.hpp"
#include "liandan/experiments/schedules.hpp"
#include "liandan/experiments/tasks.hpp"
#include "support/readme.hpp"

// ---- begin README block
// optim/include/liandan/optim/sign_sgd.hpp: signSGD (Bernstein et al., arXiv 1802.04434,
// Algorithm 1) with decoupled weight decay: p = p (1 - lr wd) - lr sign(g).
#include "liandan/optim/optimizer.hpp"

namespace liandan::optim {

struct SignSGDOptions {
  double lr = 1e-3;
  double weight_decay = 0;
};

// The only description of the options: checks, YAML keys, README's table.
inline const Fields<SignSGDOptions>& fields(const SignSGDOptions*) {
  static const Fields<SignSGDOptions> table = {
      number("lr", &SignSGDOptions::lr, "learning rate", {.min = 0}),
      number("weight_decay", &SignSGDOptions::weight_decay,
             "decoupled weight decay: p *= 1 - lr * weight_decay", {.min = 0}),
  };
  return table;
}

class SignSGD : public OptimizerOf<SignSGDOptions> {
 public:
  SignSGD(std::vector<ParamGroup> groups, const SignSGDOptions& options = {})
      : OptimizerOf("SignSGD", std::move(groups), options) {}

 protected:
  // o: the options of the parameter's group, resolved once.
  void update(const SignSGDOptions& o, std::size_t, const core::Tensor& param,
              const core::Tensor& grad) override {
    dispatch_floating(param.dtype(), "SignSGD", [&]<typename T>() {
      T* p = param.data<T>();
      const T* g = grad.data<T>();
      const T lr = T(o.lr), decay = T(1 - o.lr * o.weight_decay);
      for (std::int64_t i = 0; i < param.numel(); ++i)
        p[i] = p[i] * decay - lr * T((T(0) < g[i]) - (g[i] < T(0)));
    });
  }
  // No per-parameter state.
  NamedTensors save_state(std::size_t) const override { return {}; }
  void load_state(std::size_t, const std::string& key, const core::Tensor&,
                  const NamedTensors& fields) override {
    check_fields(key, fields, {});
  }
};

}  // namespace liandan::optim

// experiments/src/optimizers.cpp: #include "liandan/optim/sign_sgd.hpp", and in
// optimizer_table():
//   entry<optim::SignSGD>("sign_sgd"),
// ---- end README block

using namespace liandan;

// The block of README between the markers of `liandan options KIND`.
std::string generated_block(const std::string& readme, const std::string& kind) {
  const std::string begin = "<!-- liandan options " + kind + ": generated, do not edit -->\n";
  const std::string end = "<!-- end liandan options " + kind + " -->\n";
  const std::size_t b = readme.find(begin), e = readme.find(end);
  REQUIRE(b != std::string::npos);
  REQUIRE(e != std::string::npos);
  return readme.substr(b + begin.size(), e - b - begin.size());
}

TEST_CASE("README option tables: generated from the field tables (liandan options KIND)") {
  const std::string readme = test::read_text(std::string(LIANDAN_FIXTURE_DIR) + "/../../README.md");
  INFO(
      "README.md's option tables differ from the code: paste the output of `liandan options "
      "KIND` between the markers");
  CHECK(generated_block(readme, "optimizers") == experiments::optimizer_options_markdown());
  CHECK(generated_block(readme, "schedules") == experiments::schedule_options_markdown());
  CHECK(generated_block(readme, "tasks") == experiments::task_options_markdown());
}

TEST_CASE("README Adding an optimizer: signSGD steps, checks its groups, makes its entry") {
  test::check_readme_block("### Adding an optimizer",
                           "tests/experiments/test_readme_optimizers.cpp");
  const Tensor w = tensor<double>({1.0, -2.0, 3.0}, {3}).requires_grad_();
  const Tensor b = tensor<double>({1.0}, {1}).requires_grad_();
  optim::SignSGD opt(
      std::vector<optim::ParamGroup>{
          {.params = {{"w", w}}},
          {.params = {{"b", b}}, .options = {{"lr", 0.5}, {"weight_decay", 1}}}},
      {.lr = 0.1});
  w.set_grad(tensor<double>({0.5, -1.0, 0.0}, {3}));
  b.set_grad(tensor<double>({2.0}, {1}));
  opt.step();
  CHECK(w.to_vector<double>() == std::vector<double>{0.9, -1.9, 3.0});
  CHECK(b.to_vector<double>() == std::vector<double>{1.0 * 0.5 - 0.5});
  CHECK_THROWS_WITH_AS(optim::SignSGD(std::vector<optim::ParamGroup>{
                           {.params = {{"w", w}}, .options = {{"lr", -1}}}}),
                       "SignSGD param group 0: lr = -1: out of range: must be >= 0", Error);

  const experiments::OptimizerEntry entry = experiments::entry<optim::SignSGD>("sign_sgd");
  CHECK(entry.class_name == "SignSGD");
  CHECK(experiments::markdown_table(entry.options, "optimizer.sign_sgd.") ==
        "| option | default | range | meaning |\n|---|---|---|---|\n"
        "| lr | 0.001 | >= 0 | learning rate |\n"
        "| weight_decay | 0 | >= 0 | decoupled weight decay: p *= 1 - lr * weight_decay |\n");
  CHECK(entry.options[0].when == "optimizer.name=sign_sgd");
}
