// DataLoader: seeded epoch order, batching, drop_last, prefetch, errors, sampler state.
#include <algorithm>
#include <atomic>
#include <set>

#include "util.hpp"

using namespace liandan;
using namespace liandan::data;
using namespace liandan::data::test;

namespace {

// n examples: "index" i64 () = i and "twice" f32 (2) = (2i, 2i + 1).
std::shared_ptr<TensorDataset> counting(std::int64_t n) {
  core::Tensor index = core::Tensor::arange(0, static_cast<double>(n), 1, DType::i64);
  core::Tensor twice = core::Tensor::arange(0, static_cast<double>(2 * n), 1).view({n, 2});
  return std::make_shared<TensorDataset>(core::NamedTensors{{"index", index}, {"twice", twice}},
                                         "counting");
}

std::vector<Batch> epoch_batches(DataLoader& loader) {
  std::vector<Batch> out;
  for (const Batch& b : loader) out.push_back(b);
  return out;
}

std::vector<std::int64_t> indices_of(const std::vector<Batch>& batches) {
  std::vector<std::int64_t> out;
  for (const Batch& b : batches) {
    const auto v = b["index"].to_vector<std::int64_t>();
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}

// Fails on every index listed.
struct Faulty : Dataset {
  std::vector<Field> specs{{"x", DType::f32, {3}}};
  std::int64_t bad;
  explicit Faulty(std::int64_t bad_index) : bad(bad_index) {}
  std::int64_t size() const override { return 10; }
  const std::vector<Field>& fields() const override { return specs; }
  std::string name() const override { return "faulty set"; }
  void get_into(std::int64_t index, const ExampleSlot& out) const override {
    check(index != bad, "cannot decode example {}", index);
    std::fill_n(out.field<float>(0), 3, static_cast<float>(index));
  }
};

}  // namespace

TEST_CASE("data::collate: one (B, ...) tensor per field, rows in index order") {
  auto ds = counting(6);
  const std::vector<std::int64_t> idx = {4, 1, 5};
  Batch b = collate(*ds, idx);
  CHECK(b.names() == std::vector<std::string>{"index", "twice"});
  CHECK(b["index"].to_vector<std::int64_t>() == idx);
  CHECK(b["twice"].shape() == Shape{3, 2});
  CHECK(b["twice"].to_vector<float>() == std::vector<float>{8, 9, 2, 3, 10, 11});
  Example e = ds->get(5);
  CHECK(e["index"].dim() == 0);
  CHECK(e["index"].item<std::int64_t>() == 5);
  CHECK(contains(error_of([&] { ds->get(6); }), "counting: index 6 out of range for 6"));
  CHECK(contains(error_of([&] { (void)b["label"]; }),
                 "no tensor named 'label' (have: index, twice)"));
}

TEST_CASE("data::DataLoader: same seed gives the same batches, another seed differs") {
  auto ds = counting(50);
  DataLoader a(ds, {.batch_size = 8, .seed = 7}), b(ds, {.batch_size = 8, .seed = 7}),
      c(ds, {.batch_size = 8, .seed = 8});
  for (int epoch = 0; epoch < 3; ++epoch) {
    const auto ba = epoch_batches(a), bb = epoch_batches(b), bc = epoch_batches(c);
    REQUIRE(ba.size() == 7);
    REQUIRE(bb.size() == 7);
    for (std::size_t i = 0; i < ba.size(); ++i) CHECK(identical(ba[i], bb[i]));
    CHECK(indices_of(ba) != indices_of(bc));
  }
}

TEST_CASE("data::DataLoader: each epoch is a permutation covering every index once") {
  auto ds = counting(37);
  DataLoader loader(ds, {.batch_size = 5, .seed = 3});
  std::set<std::vector<std::int64_t>> orders;
  for (int epoch = 0; epoch < 4; ++epoch) {
    CHECK(loader.epoch() == epoch);
    const auto batches = epoch_batches(loader);
    CHECK(batches.size() == 8);
    CHECK(batches.back()["index"].size(0) == 2);  // 37 = 7 * 5 + 2
    const auto order = indices_of(batches);
    CHECK(order == epoch_order(37, 3, epoch));  // depends only on (seed, epoch)
    auto sorted = order;
    std::sort(sorted.begin(), sorted.end());
    for (std::int64_t i = 0; i < 37; ++i) CHECK(sorted[i] == i);
    orders.insert(order);
    // Rows stay together: "twice" of an example belongs to its "index".
    for (const Batch& b : batches) {
      const auto idx = b["index"].to_vector<std::int64_t>();
      const auto tw = b["twice"].to_vector<float>();
      for (std::size_t r = 0; r < idx.size(); ++r) CHECK(tw[2 * r] == 2 * idx[r]);
    }
  }
  CHECK(orders.size() == 4);  // a fresh order every epoch
  DataLoader in_order(ds, {.batch_size = 5, .shuffle = false});
  CHECK(indices_of(epoch_batches(in_order)) == epoch_order(37, 3, 0, /*shuffle=*/false));
  CHECK(epoch_order(37, 3, 0, false) == epoch_order(37, 4, 2, false));
}

TEST_CASE("data::DataLoader: drop_last drops the short batch") {
  auto ds = counting(23);
  DataLoader keep(ds, {.batch_size = 5, .seed = 1}),
      drop(ds, {.batch_size = 5, .seed = 1, .drop_last = true});
  CHECK(keep.batches_per_epoch() == 5);
  CHECK(drop.batches_per_epoch() == 4);
  const auto kept = epoch_batches(keep), dropped = epoch_batches(drop);
  REQUIRE(kept.size() == 5);
  REQUIRE(dropped.size() == 4);
  CHECK(kept.back()["index"].size(0) == 3);
  for (std::size_t i = 0; i < 4; ++i) CHECK(identical(kept[i], dropped[i]));
  CHECK(contains(error_of([&] { DataLoader(counting(3), {.batch_size = 4, .drop_last = true}); }),
                 "dataset 'counting' has 3 examples, fewer than one batch of 4"));
}

TEST_CASE("data::DataLoader: prefetch on and off give the same batches") {
  auto ds = counting(41);
  for (int depth : {1, 2, 5}) {
    DataLoader sync(ds, {.batch_size = 6, .seed = 11, .prefetch = 0});
    DataLoader ahead(ds, {.batch_size = 6, .seed = 11, .prefetch = depth});
    for (int step = 0; step < 40; ++step) {  // crosses several epoch boundaries
      const std::optional<Batch> a = sync.next(), b = ahead.next();
      REQUIRE(a.has_value() == b.has_value());
      if (a) CHECK(identical(*a, *b));
      CHECK(sync.state() == ahead.state());
    }
  }
}

TEST_CASE("data::DataLoader: destroying a loader mid-epoch stops its prefetch thread") {
  auto ds = counting(1000);
  for (int i = 0; i < 20; ++i) {
    DataLoader loader(ds, {.batch_size = 3, .seed = static_cast<std::uint64_t>(i), .prefetch = 4});
    if (i % 2) loader.next();  // and some that never started
  }
}

TEST_CASE("data::DataLoader: a dataset error is rethrown in the caller naming the dataset") {
  for (int prefetch : {0, 2}) {
    DataLoader loader(std::make_shared<Faulty>(7),
                      {.batch_size = 4, .shuffle = false, .prefetch = prefetch});
    REQUIRE(loader.next().has_value());  // examples 0..3
    const std::string err = error_of([&] { loader.next(); });
    CHECK(contains(err, "dataset 'faulty set'"));
    CHECK(contains(err, "epoch 0, batch 1 (examples 4..7)"));
    CHECK(contains(err, "cannot decode example 7"));
    CHECK(loader.state().position == 4);  // nothing of the failed batch was consumed
    // The loader stays usable: a retry fails the same way.
    CHECK(contains(error_of([&] { loader.next(); }), "cannot decode example 7"));
  }
}

TEST_CASE("data::DataLoader: sampler state saved mid-epoch resumes identically") {
  auto ds = counting(29);
  const LoaderOptions options{.batch_size = 4, .seed = 99};
  DataLoader original(ds, options);
  for (int i = 0; i < 13; ++i) original.next();  // epoch 0: 8 batches + its end, then 4 of epoch 1
  const SamplerState saved = original.state();
  CHECK(saved == SamplerState{99, 1, 16, 29});
  const core::NamedTensors tensors = original.state_dict();
  CHECK(tensors.names() == std::vector<std::string>{"seed", "epoch", "position", "dataset_size"});
  std::vector<std::optional<Batch>> rest;
  for (int i = 0; i < 20; ++i) rest.push_back(original.next());

  for (int prefetch : {0, 3}) {
    // A loader with a different seed in its options: the restored state wins.
    DataLoader resumed(ds, {.batch_size = 4, .seed = 1, .prefetch = prefetch});
    resumed.next();  // prefetching has started: load_state must discard it
    resumed.load_state_dict(tensors);
    CHECK(resumed.state() == saved);
    for (const auto& expected : rest) {
      const std::optional<Batch> got = resumed.next();
      REQUIRE(got.has_value() == expected.has_value());
      if (got) CHECK(identical(*got, *expected));
    }
  }
  // A state whose seed needs all 64 bits survives the i64 round trip.
  DataLoader big(ds, {.batch_size = 4, .seed = 0xfedcba9876543210ull});
  DataLoader other(ds, options);
  other.load_state_dict(big.state_dict());
  CHECK(other.state().seed == 0xfedcba9876543210ull);
  // A state of another dataset is refused.
  DataLoader small(counting(10), options);
  CHECK(contains(error_of([&] { small.load_state_dict(tensors); }),
                 "state is for 29 examples, the dataset has 10"));
}

TEST_CASE("data::DataLoader: next_batch crosses epochs") {
  DataLoader loader(counting(10), {.batch_size = 4, .seed = 5});
  std::vector<std::int64_t> seen;
  for (int i = 0; i < 6; ++i) {  // 3 batches per epoch
    const auto v = loader.next_batch()["index"].to_vector<std::int64_t>();
    seen.insert(seen.end(), v.begin(), v.end());
  }
  std::vector<std::int64_t> expected = epoch_order(10, 5, 0);
  const auto second = epoch_order(10, 5, 1);
  expected.insert(expected.end(), second.begin(), second.end());
  CHECK(seen == expected);
  CHECK(loader.epoch() == 1);
}
