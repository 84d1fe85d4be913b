// The byte-level language-model task (builtin_tasks.hpp).
#include <cmath>
#include <numbers>

#include "liandan/autograd/autograd.hpp"
#include "liandan/data/text.hpp"
#include "liandan/experiments/builtin_tasks.hpp"
#include "liandan/nn/losses.hpp"
#include "liandan/nn/models/generation.hpp"

namespace liandan::experiments {
namespace {

data::ByteCorpus load_corpus(const std::string& name) {
  if (name == "poems") return data::byte_corpus(data::chinese_poem_files());
  check(name == "fortunes", "data.corpus: unknown corpus '{}' (poems or fortunes)", name);
  return data::byte_corpus(data::english_fortune_files());
}

}  // namespace

ByteLmTask::ByteLmTask(const ByteLmOptions& o, std::uint64_t seed)
    : ByteLmTask(o, seed, load_corpus(o.corpus)) {}

ByteLmTask::ByteLmTask(const ByteLmOptions& o, std::uint64_t seed, const data::ByteCorpus& corpus)
    : options_(o),
      model_([&] {
        nn::GPTConfig c = o.gpt;
        c.vocab_size = 256;
        c.max_len = o.block_size;
        return c;
      }()),
      train_(std::make_shared<data::TokenWindows>(
                 load_corpus(o.corpus).train,
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

Batch ByteLmTask::next_batch() {
  const data::Batch b = train_.next_batch();
  const std::int64_t examples = b["input"].shape()[0];
  return {.tensors = {{"input", b["input"]}, {"target", b["target"]}},
          .examples = examples,
          .tokens = examples * options_.block_size};
}

Tensor ByteLmTask::loss(const Batch& batch) {
  const Tensor logits = model_(batch["input"]);  // (B, T, 256)
  return nn::cross_entropy(reshape(logits, {-1, 256}), reshape(batch["target"], {-1}));
}

std::map<std::string, double> ByteLmTask::evaluate() {
  NoGradGuard no_grad;
  double total = 0;
  const std::int64_t n = eval_input_.size(0), b = options_.batch_size;
  for (std::int64_t start = 0; start < n; start += b) {
    const std::int64_t end = std::min(n, start + b);
    const Tensor logits = model_(slice(eval_input_, 0, start, end));
    total += nn::cross_entropy(reshape(logits, {-1, 256}),
                               reshape(slice(eval_target_, 0, start, end), {-1}),
                               {.reduction = nn::Reduction::sum})
                 .item();
  }
  const double loss = total / double(n * options_.block_size);
  return {{"loss", loss}, {"bits_per_byte", loss / std::numbers::ln2}};
}

core::NamedTensors ByteLmTask::sampler_state() const { return train_.state_dict(); }

void ByteLmTask::load_sampler_state(const core::NamedTensors& state) {
  train_.load_state_dict(state);
}

std::optional<std::string> ByteLmTask::sample(const std::string& prompt, std::int64_t tokens,
                                              double temperature, std::uint64_t seed) {
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

}  // namespace liandan::experiments
