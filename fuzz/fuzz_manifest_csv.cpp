// Fuzz target `manifest_csv`: io::read_manifest of the input as a .csv manifest (the extension picks
// the CSV reader whatever the content).
#include "manifest_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  hdrgpu_fuzz::fuzz_manifest(data, size, "manifest.csv");
  return 0;
}
