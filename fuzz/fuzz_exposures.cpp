// Fuzz target `exposures`: io::read_exposures of the input written to a temporary exposures.txt.
#include <cmath>

#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using hdrgpu_fuzz::check;
  const auto file = hdrgpu_fuzz::write_temp(data, size, "exposures.txt");
  try {
    for (const auto& e : hdrgpu::io::read_exposures(file)) {
      check(!e.file.empty(), "empty file name in an exposure list");
      check(std::isfinite(e.seconds) && e.seconds > 0, "exposure time not finite and > 0");
    }
  } catch (const hdrgpu::error&) {
  }
  return 0;
}
