// Runs a libFuzzer target without libFuzzer: a deterministic stream of random and mutated inputs,
// so every CI run exercises the fuzz targets for crashes and sanitizer reports. Usage: NAME [count]
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
std::vector<std::vector<std::uint8_t>> fuzz_seeds();  // valid inputs each target provides

int main(int argc, char** argv) {
  long iterations = argc > 1 ? std::atol(argv[1]) : 10000;
  std::mt19937_64 random(42);
  auto seeds = fuzz_seeds();
  for (const auto& seed : seeds) LLVMFuzzerTestOneInput(seed.data(), seed.size());
  for (long i = 0; i < iterations; ++i) {
    std::vector<std::uint8_t> input;
    if (!seeds.empty() && i % 4 != 0) {
      input = seeds[random() % seeds.size()];
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
    } else {
      input.resize(random() % 256);
      for (auto& byte : input) byte = static_cast<std::uint8_t>(random());
    }
    LLVMFuzzerTestOneInput(input.data(), input.size());
  }
  return 0;
}
