// The byte_lm task: a byte-level GPT (vocab 256) on random training windows of a corpus (the
// Tang/Song poems of fortunes-zh or the English fortunes); eval: validation loss in nats per
// byte (and bits per byte). It also continues prompts (`liandan sample`).
#include <cmath>
#include <numbers>

#include "liandan/autograd/autograd.hpp"
#include "liandan/data/loader.hpp"
#include "liandan/data/text.hpp"
#include "liandan/experiments/tasks.hpp"
#include "liandan/nn/losses.hpp"
#include "liandan/nn/models/generation.hpp"
#include "liandan/nn/models/gpt.hpp"

namespace liandan::experiments {
namespace {

struct ByteLmOptions {
  std::string corpus = "poems";  // "poems" (Tang/Song, fortunes-zh) or "fortunes" (English)
  std::int64_t block_size = 64;
  std::int64_t batch_size = 16;
  std::int64_t eval_batches = 8;  // of sequential validation windows
  nn::GPTConfig gpt{};            // vocab_size and max_len are set from the task
};

// The GPT's settings a config may choose, under "model.".
Fields<nn::GPTConfig> gpt_fields() {
  using G = nn::GPTConfig;
  return {
      integer("n_layers", &G::n_layers, "Transformer blocks", {.min = 1}),
      integer("d_model", &G::d_model, "model width", {.min = 1}),
      integer("n_heads", &G::n_heads, "attention heads", {.min = 1}),
      choice("attention", &G::attention, "attention kind", {"softmax", "linear"}),
      choice("positions", &G::positions, "positions", {"none", "learned", "sinusoidal", "rope"}),
      number("dropout", &G::dropout, "dropout probability (training only)",
             {.min = 0, .max = 1, .open_max = true}),
  };
}

const Fields<ByteLmOptions>& fields(const ByteLmOptions*) {
  using O = ByteLmOptions;
  static const Fields<O> table = concat<O>({
      {text("data.corpus", &O::corpus, "the corpus", {"poems", "fortunes"}),
       integer("data.block_size", &O::block_size, "context length T", {.min = 2}),
       integer("data.batch_size", &O::batch_size, "training batch", {.min = 1}),
       integer("data.eval_batches", &O::eval_batches, "validation batches evaluated", {.min = 1})},
      embed("model.", &O::gpt, gpt_fields()),
  });
  return table;
}

data::ByteCorpus load_corpus(const std::string& name) {
  if (name == "poems") return data::byte_corpus(data::chinese_poem_files());
  return data::byte_corpus(data::english_fortune_files());
}

class ByteLmTask : public Task, public TextSampler {
 public:
  using Options = ByteLmOptions;

  ByteLmTask(const Options& o, const TaskContext& context)
      : ByteLmTask(o, context.seed, load_corpus(o.corpus)) {}

  nn::Module& model() override { return model_; }

  Batch next_batch() override {
    const data::Batch b = train_.next_batch();
    const std::int64_t examples = b["input"].shape()[0];
    return {.tensors = {{"input", b["input"]}, {"target", b["target"]}},
            .examples = examples,
            .tokens = examples * options_.block_size};
  }

  Tensor loss(const Batch& batch) override {
    const Tensor logits = model_(batch["input"]);  // (B, T, 256)
    return nn::cross_entropy(reshape(logits, {-1, 256}), reshape(batch["target"], {-1}));
  }

  std::map<std::string, double> evaluate() override {
    double total = 0;
    const std::int64_t n = eval_input_.size(0), b = options_.batch_size;
    for (std::int64_t start = 0; start < n; start += b) {
      const std::int64_t end = std::min(n, start + b);
      const Tensor logits = model_(slice(eval_input_, 0, start, end));  // (b, T, 256)
      total += nn::cross_entropy(reshape(logits, {-1, 256}),
                                 reshape(slice(eval_target_, 0, start, end), {-1}),
                                 {.reduction = nn::Reduction::sum})
                   .item();
    }
    const double loss = total / double(n * options_.block_size);
    return {{"loss", loss}, {"bits_per_byte", loss / std::numbers::ln2}};
  }

  core::NamedTensors sampler_state() const override { return train_.state_dict(); }
  void load_sampler_state(const core::NamedTensors& state) override {
    train_.load_state_dict(state);
  }

  std::string sample(const std::string& prompt, std::int64_t tokens, double temperature,
                     std::uint64_t seed) override {
    std::vector<std::int64_t> bytes;
    for (unsigned char c : prompt.empty() ? std::string("\n") : prompt) bytes.push_back(c);
    const std::int64_t room = options_.block_size - std::int64_t(bytes.size());
    check(room > 0, "sample: the prompt ({} bytes) fills the model's context of {}", bytes.size(),
          options_.block_size);
    const Tensor start(core::Tensor::from(std::span<const std::int64_t>(bytes),
                                          Shape{1, std::int64_t(bytes.size())}));
    const Tensor out = nn::generate(model_, start,
                                    {.max_new_tokens = std::min(tokens, room),
                                     .sampling = {.temperature = temperature, .top_p = 0.95},
                                     .seed = seed});
    std::string text;
    for (std::int64_t t : out.to_vector<std::int64_t>()) text.push_back(static_cast<char>(t));
    return text;
  }

 private:
  ByteLmTask(const Options& o, std::uint64_t seed, const data::ByteCorpus& corpus)
      : options_(o),
        model_([&] {
          nn::GPTConfig c = o.gpt;
          c.vocab_size = 256;
          c.max_len = o.block_size;
          return c;
        }()),
        train_(std::make_shared<data::TokenWindows>(
                   corpus.train,
                   data::WindowOptions{.block_size = o.block_size,
                                       .random = true,
                                       // the loader keeps an order of this many indices (8 MiB):
                                       // 2^20 windows last 65536 steps of 16 before repeating
                                       .num_windows = std::int64_t(1) << 20,
                                       .seed = data_seed(seed, 0)}),
               {.batch_size = o.batch_size, .shuffle = false}) {
    const data::TokenWindows val(corpus.val, {.block_size = o.block_size});
    const std::int64_t n = std::min(o.eval_batches * o.batch_size, val.size());
    check(n > 0, "byte_lm: the validation split of '{}' is shorter than one block of {}", o.corpus,
          o.block_size);
    std::vector<std::int64_t> rows(n);
    for (std::int64_t i = 0; i < n; ++i) rows[i] = i;
    const data::Batch b = data::collate(val, rows);
    eval_input_ = Tensor(b["input"]), eval_target_ = Tensor(b["target"]);
  }

  Options options_;
  nn::GPT model_;
  data::DataLoader train_;
  Tensor eval_input_, eval_target_;  // (N, T) i64 each
};

}  // namespace

TaskEntry byte_lm_task() {
  return task_entry<ByteLmTask>(
      "byte_lm", "a byte-level GPT on the Tang/Song poems (fortunes-zh) or English fortunes");
}

}  // namespace liandan::experiments
