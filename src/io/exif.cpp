// EXIF through libexif: exposure time and orientation, from a JPEG (or a bare "Exif\0\0" block).
#include <libexif/exif-data.h>

#include <cmath>
#include <memory>
#include <string>

#include "io_internal.hpp"

namespace hdrgpu::io {
namespace {

struct exif_deleter {
  void operator()(ExifData* d) const noexcept { exif_data_unref(d); }
};

// The entry of `tag` in one IFD when it has the expected format and at least one component.
ExifEntry* entry_of(ExifData* ed, ExifIfd ifd, ExifTag tag, ExifFormat format) {
  ExifEntry* e = exif_content_get_entry(ed->ifd[ifd], tag);
  return e && e->format == format && e->components >= 1 && e->data ? e : nullptr;
}

}  // namespace

exif_info read_exif(std::span<const std::uint8_t> data) {
  exif_info info;
  // libexif finds the APP1 "Exif" segment itself; it only reads the segment's declared length.
  if (data.size() < 6 || data.size() > 0xffffffffu) return info;
  std::unique_ptr<ExifData, exif_deleter> ed(exif_data_new());
  if (!ed) return info;
  // As stored: no "fixing" of the data towards the specification (it adds or rewrites tags).
  exif_data_unset_option(ed.get(), EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
  exif_data_load_data(ed.get(), data.data(), static_cast<unsigned int>(data.size()));
  for (int i = 0; i < EXIF_IFD_COUNT; ++i)
    if (ed->ifd[i] && ed->ifd[i]->count > 0) info.present = true;
  if (!info.present) return info;
  const ExifByteOrder order = exif_data_get_byte_order(ed.get());

  if (ExifEntry* e = entry_of(ed.get(), EXIF_IFD_0, EXIF_TAG_ORIENTATION, EXIF_FORMAT_SHORT)) {
    const int o = exif_get_short(e->data, order);
    if (o >= 1 && o <= 8) info.orientation = o;  // OpenCV also leaves other values alone
  }
  if (ExifEntry* e = entry_of(ed.get(), EXIF_IFD_EXIF, EXIF_TAG_EXPOSURE_TIME, EXIF_FORMAT_RATIONAL)) {
    const ExifRational r = exif_get_rational(e->data, order);
    if (r.denominator != 0 && r.numerator != 0)
      info.exposure_seconds = double(r.numerator) / double(r.denominator);
    else
      info.invalid_exposure = std::to_string(r.numerator) + "/" + std::to_string(r.denominator);
  }
  if (!info.exposure_seconds) {
    // APEX shutter speed Tv = -log2(t): an approximation some cameras store instead.
    if (ExifEntry* e = entry_of(ed.get(), EXIF_IFD_EXIF, EXIF_TAG_SHUTTER_SPEED_VALUE, EXIF_FORMAT_SRATIONAL)) {
      const ExifSRational r = exif_get_srational(e->data, order);
      const double t = r.denominator != 0 ? std::exp2(-double(r.numerator) / double(r.denominator)) : 0.0;
      if (std::isfinite(t) && t > 0) {
        info.exposure_seconds = t;
        info.exposure_from_apex = true;
      }
    }
  }
  return info;
}

exif_info read_exif(const std::filesystem::path& file) {
  try {
    return read_exif(detail::read_bytes(file, max_image_file_bytes));
  } catch (const detail::failure& e) {
    detail::throw_io(file, e.what());
  }
}

}  // namespace hdrgpu::io
