// Byte-level text corpora from strfile files (Debian's fortunes and fortunes-zh): entries
// separated by lines holding a single '%'. The vocabulary is the 256 byte values of the
// UTF-8 text, so no tokenizer files are needed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "liandan/data/tokens.hpp"

namespace liandan::data {

inline constexpr const char* kFortunesDir = "/usr/share/games/fortunes";

// The entries of one strfile text file, with ANSI colour codes (ESC [ ... m, used by the
// poem files of fortunes-zh) removed and blank entries skipped. A missing file, or one with no
// entries, is an Error naming the path.
std::vector<std::string> read_strfile(const std::string& path);

// Text files of the English fortunes (fortunes package): every file in dir except the
// strfile indexes (*.dat), the *.u8 links and the fortunes-zh files, sorted by name.
std::vector<std::string> english_fortune_files(const std::string& dir = kFortunesDir);
// The classical Chinese poems of fortunes-zh: tang300 (Tang poems) and song100 (Song ci).
std::vector<std::string> chinese_poem_files(const std::string& dir = kFortunesDir);

// Note [Corpus split]: an entry belongs to the validation split when the 64-bit FNV-1a hash of
// its bytes, modulo 2^20, is below val_fraction * 2^20. The split depends only on each entry's
// text: it is the same for any file order, and duplicated entries land on the same side, so
// no validation text is seen in training.
bool is_validation_entry(std::string_view entry, double val_fraction);

struct CorpusOptions {
  double val_fraction = 0.1;
  std::string separator = "%\n";  // written after each entry (an end-of-entry marker)
};

struct ByteCorpus {
  Tokens train, val;
  std::int64_t train_entries = 0, val_entries = 0;
};

// Reads files, splits their entries (Note [Corpus split]) and concatenates each split, every
// entry followed by the separator. An empty split is an Error naming the files.
ByteCorpus byte_corpus(const std::vector<std::string>& files, const CorpusOptions& options = {});

}  // namespace liandan::data
