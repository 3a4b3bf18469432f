// Runs a libFuzzer target without libFuzzer, so every CI run exercises the fuzz targets for
// crashes and sanitizer reports: first the target's seeds (fuzz_seeds()) and every file of its
// checked-in corpus (tests/fuzz/corpus/<target>/: a crash reproducer put there is a regression
// test), then a deterministic stream of random inputs and mutations of those.
// Usage: NAME [count [corpus-dir-or-file]]   or   NAME --write-seeds DIR (fuzz_seeds() as files);
// `NAME 0 crash-file` replays one libFuzzer reproducer without libFuzzer.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
std::vector<std::vector<std::uint8_t>> fuzz_seeds();  // valid inputs each target provides

namespace {

namespace fs = std::filesystem;
using Input = std::vector<std::uint8_t>;

int write_seeds(const fs::path& dir) {
  fs::create_directories(dir);
  auto seeds = fuzz_seeds();
  for (std::size_t i = 0; i < seeds.size(); ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "seed-%03zu", i);
    std::ofstream out(dir / name, std::ios::binary);
    out.write(reinterpret_cast<const char*>(seeds[i].data()),
              static_cast<std::streamsize>(seeds[i].size()));
    if (!out) {
      std::fprintf(stderr, "cannot write %s\n", (dir / name).c_str());
      return 1;
    }
  }
  std::printf("%zu seeds written to %s\n", seeds.size(), dir.c_str());
  return 0;
}

// Every regular file of a directory, in name order (so runs are repeatable), or the one file.
std::vector<Input> read_corpus(const fs::path& path) {
  std::vector<fs::path> files;
  if (fs::is_regular_file(path)) files.push_back(path);
  if (fs::is_directory(path)) {
    for (const auto& entry : fs::directory_iterator(path)) {
      if (entry.is_regular_file()) files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<Input> inputs;
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    inputs.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return inputs;
}

void mutate(Input& input, std::mt19937_64& random) {
  int edits = 1 + static_cast<int>(random() % 8);
  for (int e = 0; e < edits && !input.empty(); ++e) {
    std::size_t at = random() % input.size();
    switch (random() % 4) {
      case 0:
        input[at] = static_cast<std::uint8_t>(random());
        break;
      case 1:
        input.erase(input.begin() + static_cast<std::ptrdiff_t>(at));
        break;
      case 2:
        input.insert(input.begin() + static_cast<std::ptrdiff_t>(at),
                     static_cast<std::uint8_t>(random()));
        break;
      case 3:
        input.resize(at);
        break;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 2 && std::strcmp(argv[1], "--write-seeds") == 0) return write_seeds(argv[2]);
  long iterations = argc > 1 ? std::atol(argv[1]) : 10000;
  std::mt19937_64 random(42);
  auto seeds = fuzz_seeds();
  std::size_t from_code = seeds.size();
  if (argc > 2) {
    auto corpus = read_corpus(argv[2]);
    if (corpus.empty()) {
      std::fprintf(stderr, "no corpus files in %s\n", argv[2]);
      return 1;
    }
    seeds.insert(seeds.end(), corpus.begin(), corpus.end());
  }
  for (const auto& seed : seeds) LLVMFuzzerTestOneInput(seed.data(), seed.size());
  for (long i = 0; i < iterations; ++i) {
    Input input;
    if (!seeds.empty() && i % 4 != 0) {
      input = seeds[random() % seeds.size()];
      mutate(input, random);
    } else {
      input.resize(random() % 256);
      for (auto& byte : input) byte = static_cast<std::uint8_t>(random());
    }
    LLVMFuzzerTestOneInput(input.data(), input.size());
  }
  std::printf("%zu seeds, %zu corpus files, %ld generated inputs: no crash\n", from_code,
              seeds.size() - from_code, iterations);
  return 0;
}
