// The shipped experiments' tasks through the trainer: a byte-level GPT on the poems (resume
// bit-identical, `sample`, evaluation with dropout off), the Fashion-MNIST MLP, the position
// probe's variants; the task registry and README's worked example of a task.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "experiments/helpers.hpp"
#include "liandan/experiments/metrics.hpp"
#include "liandan/experiments/run_dir.hpp"
#include "liandan/experiments/trainer.hpp"

using namespace liandan;
using namespace liandan::experiments;

namespace {

TrainOptions quiet(const fs::path& out, bool resume = false) {
  return {.out_dir = out, .resume = resume, .console = false, .after_step = {}};
}

std::vector<json> untimed(const fs::path& run) {
  std::vector<json> lines = read_metrics(RunDir(run).metrics());
  for (json& line : lines)
    for (const std::string& key : timing_fields) line.erase(key);
  return lines;
}

constexpr const char* kTinyLm = R"(task: byte_lm
data: {corpus: poems, block_size: 16, batch_size: 4, eval_batches: 2}
model: {n_layers: 1, d_model: 16, n_heads: 2, positions: rope}
optimizer: {name: adamw, adamw: {lr: 0.003}}
train: {steps: 8, log_interval: 2, eval_interval: 4, checkpoint_interval: 4}
seed: 1
threads: 1
)";

}  // namespace

TEST_CASE("byte_lm task: trains on the poems, resumes bit-identically, samples text") {
  test::ScratchDir dir("byte_lm");
  const Config config = Config::parse(kTinyLm, "lm.yaml");
  CHECK(train(config, quiet(dir.path / "full")).finished);
  const fs::path out = dir.path / "stopped";
  TrainOptions stopping = quiet(out);
  stopping.after_step = [](std::int64_t step) {
    if (step == 3) request_stop();
  };
  CHECK(train(config, stopping).interrupted);
  CHECK(train(config, quiet(out, true)).finished);
  CHECK(untimed(out) == untimed(dir.path / "full"));
  const std::vector<json> lines = read_metrics(RunDir(out).metrics());
  CHECK(lines.back().contains("eval_bits_per_byte"));
  CHECK(lines.back()["tokens_per_s"].get<double>() > 0);
  const std::string text = sample_run(out, {.prompt = "床前", .tokens = 6, .seed = 2});
  CHECK(text.rfind("床前", 0) == 0);
  CHECK(text.size() == std::string("床前").size() + 6);
}

TEST_CASE("EvalScope: byte_lm with dropout evaluates in eval mode, the same numbers every time") {
  test::ScratchDir dir("byte_lm_dropout");
  const Config config = Config::parse(kTinyLm, "lm.yaml",
                                      {"model.dropout=0.5", "train.steps=2",
                                       "train.eval_interval=2", "train.checkpoint_interval=2"});
  CHECK(train(config, quiet(dir.path / "run")).finished);
  const std::map<std::string, double> first = evaluate_run(dir.path / "run");
  CHECK(evaluate_run(dir.path / "run") == first);
  // The trainer's eval of the same parameters at the same step saw the same model.
  const json last = read_metrics(RunDir(dir.path / "run").metrics()).back();
  CHECK(last["eval_loss"].get<double>() == first.at("loss"));
}

TEST_CASE("sample: a task that is not a TextSampler is an error naming the run") {
  test::ScratchDir dir("sample_spiral");
  CHECK(train(Config::parse(test::tiny_config, "tiny.yaml"), quiet(dir.path / "run")).finished);
  CHECK_THROWS_WITH_AS(
      sample_run(dir.path / "run", {}),
      ("sample: the task of '" + (dir.path / "run").string() + "' does not generate text").c_str(),
      Error);
}

TEST_CASE("fashion_mlp task: a few steps on Fashion-MNIST, accuracy on the test images") {
  test::ScratchDir dir("fashion");
  const Config config = Config::parse(
      "task: fashion_mlp\nmodel: {hidden: 32, depth: 1}\ndata: {batch_size: 64, eval_size: 500}\n"
      "optimizer: {name: adam, adam: {lr: 0.003}}\n"
      "train: {steps: 40, log_interval: 20, eval_interval: 40, checkpoint_interval: 40}\n"
      "threads: 1\n",
      "fashion.yaml");
  CHECK(train(config, quiet(dir.path / "run")).finished);
  const auto metrics = evaluate_run(dir.path / "run");
  CHECK(metrics.at("accuracy") > 0.5);  // 40 steps of Adam: well above chance (0.1)
}

TEST_CASE("position_probe task: every variant builds and reports per-position accuracy") {
  for (const char* variant : {"softmax", "boundary", "gau"}) {
    CAPTURE(variant);
    test::ScratchDir dir(std::string("probe_") + variant);
    const Config config = Config::parse(
        std::string("task: position_probe\ndata: {length: 8, batch_size: 2}\n"
                    "model: {variant: ") +
            variant +
            ", positions: rope, n_layers: 1, d_model: 16, n_heads: 2}\n"
            "train: {steps: 4, log_interval: 2, eval_interval: 4, checkpoint_interval: 4}\n"
            "threads: 1\n",
        "probe.yaml");
    CHECK(train(config, quiet(dir.path / "run")).finished);
    const auto metrics = evaluate_run(dir.path / "run");
    CHECK(metrics.count("accuracy_pos08") == 1);
    CHECK(metrics.at("accuracy") >= 0);
  }
}

TEST_CASE("init_from: a run starts from another run's model weights") {
  test::ScratchDir dir("init_from");
  const Config base = Config::parse(test::tiny_config, "tiny.yaml");
  CHECK(train(base, quiet(dir.path / "pretrain")).finished);
  const std::string checkpoint = RunDir(dir.path / "pretrain").checkpoint(30).string();
  // lr 0: the fine-tuning run's model is exactly the loaded one
  const Config tune =
      Config::parse(test::tiny_config, "tiny.yaml",
                    {"init_from=" + checkpoint, "optimizer.adamw.lr=0", "train.steps=10"});
  CHECK(train(tune, quiet(dir.path / "tune")).finished);
  CHECK(evaluate_run(dir.path / "tune").at("loss") ==
        evaluate_run(dir.path / "pretrain").at("loss"));
  const Config missing =
      Config::parse(test::tiny_config, "tiny.yaml", {"init_from=" + (dir.path / "no.h5").string()});
  CHECK_THROWS_AS(train(missing, quiet(dir.path / "bad")), Error);
}

namespace {

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE(
    "README: the worked example of a task is tasks/spiral.cpp verbatim, with its registry line") {
  const fs::path root = fs::path(LIANDAN_FIXTURE_DIR).parent_path().parent_path();
  const std::string readme = read_text(root / "README.md");
  const std::string spiral = read_text(root / "experiments/src/tasks/spiral.cpp");
  CHECK(readme.find("```cpp\n" + spiral + "```\n") != std::string::npos);
  // Its one line in the registry, as README quotes it (with the list's first line).
  const std::string registry = read_text(root / "experiments/src/tasks/registry.cpp");
  std::vector<std::string> lines;
  std::istringstream in(registry);
  for (std::string line; std::getline(in, line);)
    if (line.find("X(spiral)") != std::string::npos) lines.push_back(line + "\n");
  REQUIRE(lines.size() == 1);
  CHECK(readme.find("#define LIANDAN_TASKS(X) \\\n" + lines[0]) != std::string::npos);
  // The list names each task once, and each entry is its file's task.
  for (const TaskEntry& entry : task_table()) {
    CAPTURE(entry.name);
    CHECK(registry.find("  X(" + entry.name + ")") != std::string::npos);
    CHECK(fs::exists(root / "experiments/src/tasks" / (entry.name + ".cpp")));
  }
}

TEST_CASE("task_table: each task's keys come from its field table; spiral's in their order") {
  std::vector<std::string> names, spiral_keys;
  for (const TaskEntry& entry : task_table()) {
    names.push_back(entry.name);
    if (entry.name == "spiral")
      for (const Key& key : entry.keys) spiral_keys.push_back(key.path + "=" + key.fallback);
  }
  CHECK(names == std::vector<std::string>{"spiral", "fashion_mlp", "byte_lm", "position_probe",
                                          "vae_fashion", "eae_fashion", "gan_mixture",
                                          "gan_fashion"});
  CHECK(spiral_keys == std::vector<std::string>{"model.hidden=64", "model.depth=2",
                                                "data.classes=3", "data.turns=1", "data.noise=0.05",
                                                "data.batch_size=64", "data.eval_size=1024"});
}
