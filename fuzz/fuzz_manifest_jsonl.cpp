// Fuzz target `manifest_jsonl`: io::read_manifest of the input as a .jsonl manifest (the extension
// picks the JSON Lines reader whatever the content).
#include "manifest_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  hdrgpu_fuzz::fuzz_manifest(data, size, "manifest.jsonl");
  return 0;
}
