// strfile corpora: reading entries, the fortunes file lists, the hashed train/val split.
#include "liandan/data/text.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

namespace liandan::data {
namespace {

// Removes ANSI escape sequences: ESC '[' parameter bytes, then one final byte in '@'..'~'.
std::string strip_ansi(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\x1b' && i + 1 < text.size() && text[i + 1] == '[') {
      std::size_t j = i + 2;
      while (j < text.size() && !(text[j] >= '@' && text[j] <= '~')) ++j;
      i = j;  // skip the final byte too
      continue;
    }
    out.push_back(text[i]);
  }
  return out;
}

bool is_blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

const std::set<std::string>& chinese_file_names() {
  static const std::set<std::string> names = {"chinese", "tang300", "song100"};
  return names;
}

}  // namespace

std::vector<std::string> read_strfile(const std::string& path) {
  std::error_code ec;
  check(std::filesystem::is_regular_file(path, ec), "read_strfile: '{}': no such file", path);
  std::ifstream in(path, std::ios::binary);
  check(in.good(), "read_strfile: '{}': cannot open", path);
  const std::string text =
      strip_ansi(std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()));
  std::vector<std::string> entries;
  std::string entry;
  std::size_t line_start = 0;
  while (line_start < text.size()) {
    std::size_t line_end = text.find('\n', line_start);
    line_end = line_end == std::string::npos ? text.size() : line_end + 1;
    std::string_view line(text.data() + line_start, line_end - line_start);
    if (line == "%\n" || line == "%" || line == "%\r\n") {
      if (!is_blank(entry)) entries.push_back(std::move(entry));
      entry.clear();
    } else {
      entry.append(line);
    }
    line_start = line_end;
  }
  if (!is_blank(entry)) entries.push_back(std::move(entry));
  check(!entries.empty(), "read_strfile: '{}': empty corpus (no entries)", path);
  return entries;
}

std::vector<std::string> english_fortune_files(const std::string& dir) {
  std::error_code ec;
  check(std::filesystem::is_directory(dir, ec), "english_fortune_files: '{}': no such directory",
        dir);
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::filesystem::path& p = e.path();
    const std::string ext = p.extension().string();
    if (ext == ".dat" || ext == ".u8" || e.is_symlink() || !e.is_regular_file()) continue;
    if (chinese_file_names().contains(p.filename().string())) continue;
    files.push_back(p.string());
  }
  std::sort(files.begin(), files.end());
  check(!files.empty(), "english_fortune_files: '{}': no fortune files", dir);
  return files;
}

std::vector<std::string> chinese_poem_files(const std::string& dir) {
  return {dir + "/tang300", dir + "/song100"};
}

bool is_validation_entry(std::string_view entry, double val_fraction) {
  std::uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a 64
  for (unsigned char c : entry) h = (h ^ c) * 0x100000001b3ull;
  constexpr std::uint64_t buckets = 1 << 20;
  return static_cast<double>(h % buckets) < val_fraction * buckets;
}

ByteCorpus byte_corpus(const std::vector<std::string>& files, const CorpusOptions& options) {
  check(!files.empty(), "byte_corpus: no files");
  check(options.val_fraction >= 0 && options.val_fraction < 1,
        "byte_corpus: val_fraction must lie in [0, 1), got {}", options.val_fraction);
  std::vector<std::uint8_t> train, val;
  std::int64_t train_entries = 0, val_entries = 0;
  for (const std::string& file : files) {
    for (const std::string& entry : read_strfile(file)) {
      const bool is_val = is_validation_entry(entry, options.val_fraction);
      std::vector<std::uint8_t>& out = is_val ? val : train;
      out.insert(out.end(), entry.begin(), entry.end());
      out.insert(out.end(), options.separator.begin(), options.separator.end());
      ++(is_val ? val_entries : train_entries);
    }
  }
  const std::string names = fmt::format("{}", fmt::join(files, ", "));
  check(train_entries > 0, "byte_corpus: {}: no training entries", names);
  check(val_entries > 0 || options.val_fraction == 0,
        "byte_corpus: {}: no validation entries at val_fraction {} (a corpus of {} entries)", names,
        options.val_fraction, train_entries);
  const std::string label = files.size() == 1 ? files[0] : fmt::format("{} files", files.size());
  return {Tokens::from_bytes(std::move(train), label + " [train]"),
          Tokens::from_bytes(std::move(val), label + " [val]"), train_entries, val_entries};
}

}  // namespace liandan::data
