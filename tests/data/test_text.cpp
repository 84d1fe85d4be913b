// strfile corpora: entries, ANSI stripping, the hashed split, the real fortunes if installed.
#include <set>

#include "util.hpp"

using namespace liandan;
using namespace liandan::data;
using namespace liandan::data::test;

namespace {

std::string bytes_of(const Tokens& t) {
  std::vector<std::int64_t> v(t.size());
  if (t.size() > 0) t.copy_to(0, t.size(), v.data());
  return std::string(v.begin(), v.end());
}

// The entries of a corpus stream (each followed by "%\n").
std::vector<std::string> entries_of(const std::string& stream) {
  std::vector<std::string> out;
  std::size_t at = 0;
  for (std::size_t end; (end = stream.find("%\n", at)) != std::string::npos; at = end + 2)
    out.push_back(stream.substr(at, end - at));
  return out;
}

}  // namespace

TEST_CASE("data::read_strfile: entries between % lines, ANSI colours stripped") {
  TempDir dir;
  write_text(
      dir.file("poems"),
      "\x1b[32m《静夜思》\x1b[m\n床前明月光\n%\nsecond\nentry\n%\n\n%\n   \n%\nlast, no final %\n");
  const auto entries = read_strfile(dir.file("poems"));
  REQUIRE(entries.size() == 3);
  CHECK(entries[0] == "《静夜思》\n床前明月光\n");
  CHECK(entries[1] == "second\nentry\n");
  CHECK(entries[2] == "last, no final %\n");
}

TEST_CASE("data::byte_corpus: the split is deterministic, disjoint and covers every entry") {
  TempDir dir;
  std::string a, b;
  std::vector<std::string> all;
  for (int i = 0; i < 300; ++i) {
    const std::string entry = fmt::format("entry number {} says {}\n", i, i * i);
    all.push_back(entry);
    (i % 2 ? a : b) += entry + "%\n";
  }
  write_text(dir.file("a"), a);
  write_text(dir.file("b"), b);
  const std::vector<std::string> files = {dir.file("a"), dir.file("b")};
  const ByteCorpus one = byte_corpus(files, {.val_fraction = 0.2});
  const ByteCorpus two = byte_corpus(files, {.val_fraction = 0.2});
  CHECK(bytes_of(one.train) == bytes_of(two.train));
  CHECK(bytes_of(one.val) == bytes_of(two.val));
  const auto train = entries_of(bytes_of(one.train)), val = entries_of(bytes_of(one.val));
  CHECK(static_cast<std::int64_t>(train.size()) == one.train_entries);
  CHECK(static_cast<std::int64_t>(val.size()) == one.val_entries);
  CHECK(train.size() + val.size() == 300);
  CHECK(val.size() > 30);  // about 20%
  CHECK(val.size() < 90);
  std::set<std::string> train_set(train.begin(), train.end()), val_set(val.begin(), val.end());
  for (const std::string& e : val) CHECK(!train_set.contains(e));
  for (const std::string& e : all) CHECK(train_set.contains(e) != val_set.contains(e));
  for (const std::string& e : val) CHECK(is_validation_entry(e, 0.2));
  // The split depends on each entry's text only: the other file order gives the same sets.
  const ByteCorpus swapped = byte_corpus({files[1], files[0]}, {.val_fraction = 0.2});
  const auto val2 = entries_of(bytes_of(swapped.val));
  CHECK(std::set<std::string>(val2.begin(), val2.end()) == val_set);
  CHECK(one.train.name() == "2 files [train]");
}

TEST_CASE("data::byte_corpus: missing and empty corpora are errors naming the file") {
  TempDir dir;
  const std::string missing = dir.file("no-such-fortunes");
  CHECK(contains(error_of([&] { byte_corpus({missing}); }), "'" + missing + "': no such file"));
  const std::string empty = dir.file("empty");
  write_text(empty, "%\n  \n%\n");
  CHECK(contains(error_of([&] { byte_corpus({empty}); }), "'" + empty + "': empty corpus"));
  const std::string one = dir.file("one");
  write_text(one, "a single entry\n");
  CHECK(contains(error_of([&] { byte_corpus({one}, {.val_fraction = 0.01}); }),
                 one + ": no validation entries"));
  CHECK(byte_corpus({one}, {.val_fraction = 0}).val.size() == 0);
}

TEST_CASE("data::byte_corpus: the Debian fortunes and Chinese poems if installed") {
  if (!fs::exists(std::string(kFortunesDir) + "/tang300") ||
      !fs::exists(std::string(kFortunesDir) + "/fortunes")) {
    MESSAGE("fortunes or fortunes-zh is not installed: skipped");
    return;
  }
  const auto english = english_fortune_files();
  CHECK(english.size() > 20);
  for (const std::string& f : english) {
    CHECK(!contains(f, ".dat"));
    CHECK(!contains(f, "tang300"));
  }
  const ByteCorpus en = byte_corpus(english);
  CHECK(en.train.size() > 2'000'000);
  CHECK(en.val.size() > 100'000);
  const ByteCorpus zh = byte_corpus(chinese_poem_files());
  const std::string text = bytes_of(zh.train);
  CHECK(text.find('\x1b') == std::string::npos);  // colour codes are gone
  CHECK(contains(text + bytes_of(zh.val), "床前明月光"));
  TokenWindows windows(zh.train, {.block_size = 64});
  const Example e = windows.get(3);
  const auto in = e["input"].to_vector<std::int64_t>();
  CHECK(*std::max_element(in.begin(), in.end()) <= 255);
}
