// Fuzz target `png`: probe_image + decode_image (and decode_into) of the input as a PNG file
// (8 or 16 bit; content sniffing may also take it to BMP).
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  hdrgpu_fuzz::decode_photo(data, size, "fuzz.png");
  return 0;
}
