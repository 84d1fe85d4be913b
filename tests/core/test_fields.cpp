// Note [Field tables]: rows built from members, checked assignment, did-you-mean, embedding.
#include <doctest/doctest.h>

#include "liandan/core/fields.hpp"

using namespace liandan;

namespace field_test {

enum class Shape { ring, grid };

struct Inner {
  std::int64_t width = 8;
};

struct Options {
  double lr = 1e-3;
  float beta = 0.9f;
  int steps = 5;
  bool nesterov = false;
  Shape shape = Shape::ring;
  std::string corpus = "poems";
  std::optional<double> eta;
  std::optional<Axes> reduce;
  Inner inner;
};

inline const Fields<Options>& fields(const Options*) {
  static const Fields<Options> table = [] {
    Fields<Options> t = {
        number("lr", &Options::lr, "learning rate", {.min = 0}),
        number("beta", &Options::beta, "momentum", {.min = 0, .max = 1, .open_max = true}),
        integer("steps", &Options::steps, "iterations", {.min = 1}),
        flag("nesterov", &Options::nesterov, "Nesterov momentum"),
        choice("shape", &Options::shape, "the mixture", {"ring", "grid"}),
        text("corpus", &Options::corpus, "the corpus", {"poems", "fortunes"}),
        number("eta", &Options::eta, "scale (unset: derived)"),
        axes("reduce", &Options::reduce, "averaged axes (unset: derived)"),
    };
    static const Fields<Inner> inner = {integer("width", &Inner::width, "width", {.min = 1})};
    for (auto& f : embed("model.", &Options::inner, inner)) t.push_back(std::move(f));
    return t;
  }();
  return table;
}

}  // namespace field_test

using field_test::Options;

TEST_CASE("fields: defaults read back from a default-constructed struct, by kind") {
  const Fields<Options>& t = fields_of<Options>();
  const Options o;
  REQUIRE(t.size() == 9);
  CHECK(str(*t[0].get(o)) == "0.001");
  CHECK(t[0].kind == FieldKind::number);
  CHECK(str(*t[2].get(o)) == "5");
  CHECK(str(*t[3].get(o)) == "false");
  CHECK(str(*t[4].get(o)) == "ring");
  CHECK(t[5].kind == FieldKind::choice);
  CHECK(t[6].optional);
  CHECK_FALSE(t[6].get(o).has_value());
  CHECK_FALSE(t[7].get(o).has_value());
  CHECK(t[8].name == "model.width");
  CHECK(str(*t[8].get(o)) == "8");
}

TEST_CASE("fields: assign converts, checks ranges and names, and sets the member") {
  const Fields<Options>& t = fields_of<Options>();
  Options o;
  assign(o, t, "lr", FieldValue(std::int64_t(2)), "Test");
  CHECK(o.lr == 2.0);
  assign(o, t, "steps", FieldValue(7.0), "Test");
  CHECK(o.steps == 7);
  assign(o, t, "shape", FieldValue(std::string("grid")), "Test");
  CHECK(o.shape == field_test::Shape::grid);
  assign(o, t, "eta", FieldValue(0.5), "Test");
  CHECK(o.eta == 0.5);
  assign(o, t, "reduce", FieldValue(Axes{1, 2}), "Test");
  CHECK(*o.reduce == Axes{1, 2});
  assign(o, t, "model.width", FieldValue(std::int64_t(3)), "Test");
  CHECK(o.inner.width == 3);

  CHECK_THROWS_WITH(assign(o, t, "beta", FieldValue(1.0), "Adam"),
                    "Adam: beta = 1: out of range: must be in [0, 1)");
  CHECK_THROWS_WITH(assign(o, t, "steps", FieldValue(2.5), "Adam"),
                    "Adam: steps = 2.5: expected an integer");
  CHECK_THROWS_WITH(assign(o, t, "steps", FieldValue(std::int64_t(0)), "Adam"),
                    "Adam: steps = 0: out of range: must be >= 1");
  CHECK_THROWS_WITH(assign(o, t, "nesterov", FieldValue(1.0), "Adam"),
                    "Adam: nesterov = 1: expected true or false");
  CHECK_THROWS_WITH(assign(o, t, "shape", FieldValue(std::string("rnig")), "Adam"),
                    "Adam: shape = rnig: not one of ring, grid (did you mean 'ring'?)");
  CHECK_THROWS_WITH(
      assign(o, t, "nestrov", FieldValue(true), "Adam"),
      "Adam: unknown option 'nestrov' (did you mean 'nesterov'?) (known: lr, beta, steps, "
      "nesterov, shape, corpus, eta, reduce, model.width)");
  CHECK(o.steps == 7);  // a rejected value leaves the member alone
}

TEST_CASE("fields: check_all rejects a struct filled in from C++ with a value out of range") {
  Options o;
  check_all(o, fields_of<Options>(), "Test");
  o.beta = 1.5f;
  CHECK_THROWS_WITH(check_all(o, fields_of<Options>(), "Lion"),
                    "Lion: beta = 1.5: out of range: must be in [0, 1)");
}

TEST_CASE("fields: edit_distance and nearest") {
  CHECK(edit_distance("lr", "lrr") == 1);
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(edit_distance("", "abc") == 3);
  CHECK(nearest("wieght_decay", {"lr", "weight_decay", "beta1"}) == "weight_decay");
  CHECK(nearest("xyz", {"lr", "weight_decay"}).empty());
}
