// Fuzz target `exif`: io::read_exif of the input (a JPEG, or a bare "Exif\0\0" block). It never throws
// for the content, so any exception is a finding.
#include <cmath>

#include "fuzz_common.hpp"

namespace {

// Where exif_info reports an unusable ExposureTime (newer versions), no time may come from it.
template <class Info>
void check_invalid_exposure(const Info& info) {
  if constexpr (requires { info.invalid_exposure.empty(); })
    hdrgpu_fuzz::check(info.invalid_exposure.empty() || !info.exposure_seconds || info.exposure_from_apex,
                       "an invalid ExposureTime gave an exposure time");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using hdrgpu_fuzz::check;
  const hdrgpu::io::exif_info info = hdrgpu::io::read_exif(std::span<const std::uint8_t>(data, size));
  check(info.orientation >= 1 && info.orientation <= 8, "EXIF orientation outside 1..8");
  if (info.exposure_seconds)
    check(std::isfinite(*info.exposure_seconds) && *info.exposure_seconds > 0, "EXIF exposure time not finite and > 0");
  check(info.present || (!info.exposure_seconds && info.orientation == 1), "EXIF values without an EXIF block");
  check_invalid_exposure(info);
  check(!info.exposure_from_apex || info.exposure_seconds.has_value(), "exposure_from_apex without a time");
  return 0;
}
