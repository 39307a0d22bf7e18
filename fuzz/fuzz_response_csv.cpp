// Fuzz target `response_csv`: io::read_response_csv of the input written to a temporary .csv file.
#include <cmath>

#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using hdrgpu_fuzz::check;
  const auto file = hdrgpu_fuzz::write_temp(data, size, "response.csv");
  try {
    const hdrgpu::response_curve c = hdrgpu::io::read_response_csv(file, hdrgpu::channel_order::rgb);
    check(c.levels() == 256 || c.levels() == 65536, "response curve with a level count other than 256 or 65536");
    check(c.channels() >= 1 && c.channels() <= 4, "response curve with a channel count outside 1..4");
    check(c.values().size() == std::size_t(c.levels()) * std::size_t(c.channels()),
          "response curve values do not match levels x channels");
    check(c.order() == hdrgpu::channel_order::rgb, "response curve not in the requested order");
    for (float v : c.values()) check(std::isfinite(v) && v >= 0.0f, "response value not finite and >= 0");
  } catch (const hdrgpu::error&) {
  }
  return 0;
}
