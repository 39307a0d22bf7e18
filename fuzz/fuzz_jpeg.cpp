// Fuzz target `jpeg`: probe_image + decode_image (and decode_into) of the input as a JPEG file.
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  hdrgpu_fuzz::decode_photo(data, size, "fuzz.jpg");
  return 0;
}
