// File input/output: decoding 8/16-bit photos, exposure lists, whole stacks, response-curve CSVs,
// radiance maps (EXR, Radiance .hdr, PFM) and 8-bit previews. Every writer is atomic.
//
// Errors: hdrgpu::io_error (carrying the path) when a file is missing, unreadable, corrupt or cannot be
// written; hdrgpu::invalid_argument for unusable values (bad channel count, unknown extension...).
// Every message names the file; stack-level messages also name the stack ("stack 'NAME': FILE: why").
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <hdrgpu/error.hpp>
#include <hdrgpu/exposure_stack.hpp>
#include <hdrgpu/image.hpp>
#include <hdrgpu/response_curve.hpp>

namespace hdrgpu::io {

/// A decoded photo: 8 or 16 bits per sample, as stored in the file.
using any_image = std::variant<image<std::uint8_t>, image<std::uint16_t>>;

// ---- decoding -------------------------------------------------------------------------------------

/// Decodes a PNG (8 or 16 bit), JPEG, BMP or TGA file. Grey (with or without alpha) gives 1 channel,
/// colour gives 3 channels RGB (alpha dropped); the result is channel_order::rgb. EXIF orientation is
/// not applied. Throws io_error if the file is missing, unreadable, truncated, corrupt or of another format.
any_image load_image(const std::filesystem::path& file);

/// load_image for 8-bit files only; throws io_error also when the file holds 16-bit samples.
image<std::uint8_t> load_image_u8(const std::filesystem::path& file);

// ---- exposure lists -------------------------------------------------------------------------------

struct exposure_entry {
  std::string file;  ///< as written in the list, relative to the list's folder
  double seconds;
};

/// Parses an exposure time: decimal ("0.5", "1e-3") or fraction of decimals ("1/250", "25/10").
/// Throws invalid_argument unless the text is such a number and the value is finite and > 0.
double parse_seconds(std::string_view text);

/// Reads `<file> <seconds>` lines; '#' starts a comment, blank lines are skipped. Throws io_error
/// (naming the file and line) when the file cannot be read, a line has a missing or extra field,
/// unusable seconds, or a file is listed twice.
std::vector<exposure_entry> read_exposures(const std::filesystem::path& exposures_txt);

// ---- stacks ---------------------------------------------------------------------------------------

/// The decoded images of one stack folder, in exposures.txt order, with their times and file names.
struct loaded_stack {
  std::string name;            ///< the folder's name
  std::filesystem::path dir;
  std::vector<any_image> images;
  std::vector<float> times;    ///< seconds, f32 as OpenCV stores them
  std::vector<std::string> files;

  /// Sample type shared by all images; throws invalid_argument when there are none.
  pixel_type type() const;

  /// Views of the images as an exposure_stack (sources = file names). Throws invalid_argument if an
  /// image is not of type T, or (from exposure_stack::add) differs in size or channel count.
  template <class T>
  exposure_stack<T> view() const {
    exposure_stack<T> s(name);
    for (std::size_t i = 0; i < images.size(); ++i) {
      const auto* img = std::get_if<image<T>>(&images[i]);
      if (!img)
        throw invalid_argument(s.label() + ": " + files[i] + " has " + to_string(type_of(images[i])) +
                               " samples, expected " + to_string(pixel_traits<T>::type));
      s.add(img->view(), times[i], files[i]);
    }
    return s;
  }

  static pixel_type type_of(const any_image& img) noexcept {
    return img.index() == 0 ? pixel_type::u8 : pixel_type::u16;
  }
};

/// Loads dir/exposures.txt and every image it lists. Throws io_error when exposures.txt or an image is
/// missing or broken ("stack 'NAME': FILE: why"), invalid_argument when the images differ in sample
/// type, size or channel count.
loaded_stack load_stack(const std::filesystem::path& dir);

// ---- response curves ------------------------------------------------------------------------------

/// Reads a response curve in OpenCV's golden CSV layout: 256 or 65536 rows, columns B,G,R (or a single
/// column), separated by any run of ',', ';' and white space. Returns it in `order`. Throws io_error
/// (with the line number) for a non-number, ragged rows, a wrong row count, or an unreadable file.
response_curve read_response_csv(const std::filesystem::path& file, channel_order order = channel_order::rgb);

/// Writes `curve` as read_response_csv expects: B,G,R columns, ", "-separated, shortest text that
/// reads back to the same f32. Atomic; throws io_error when the file cannot be written.
void write_response_csv(const std::filesystem::path& file, const response_curve& curve);

// ---- atomic writes --------------------------------------------------------------------------------

/// Writes `bytes` to a unique temporary file next to `file`, syncs it and renames it over `file`.
/// On any failure the temporary is removed, `file` is left as it was, and io_error is thrown.
void write_file_atomic(const std::filesystem::path& file, std::span<const std::byte> bytes);
void write_file_atomic(const std::filesystem::path& file, std::string_view bytes);

// ---- radiance maps --------------------------------------------------------------------------------

enum class hdr_format {
  exr,       ///< OpenEXR, 32-bit float channels
  exr_half,  ///< OpenEXR, 16-bit half channels
  hdr,       ///< Radiance RGBE (.hdr): 8-bit mantissas, shared exponent; negatives/NaN become 0
  pfm,       ///< Portable float map, little-endian float32
};

/// Format from the extension (.exr, .hdr, .pfm; case-insensitive); `half` picks exr_half for .exr.
/// Throws invalid_argument for any other extension.
hdr_format hdr_format_from_path(const std::filesystem::path& file, bool half = false);

/// Writes a 1- or 3-channel host radiance map, atomically. Colour files are always stored R,G,B
/// (the view's order says which channel is red); grey maps become PFM "Pf", EXR channel "Y", and
/// grey replicated to RGB in .hdr. Throws invalid_argument for other channel counts or a device
/// view, io_error when the file cannot be written.
void write_radiance(const std::filesystem::path& file, image_view<const float> map, hdr_format format);

/// Reads an .exr (half, float or uint channels R,G,B or Y), .hdr or .pfm file into an RGB (or grey)
/// image, channel_order::rgb. Throws io_error when the file is missing, corrupt or unsupported.
image<float> read_radiance(const std::filesystem::path& file);

// ---- 8-bit output ---------------------------------------------------------------------------------

/// Writes an 8-bit image as PNG, or as JPEG (quality 95) for .jpg/.jpeg, atomically, in RGB(A) order.
/// Throws invalid_argument for another extension or a device view, io_error when writing fails.
void write_ldr(const std::filesystem::path& file, image_view<const std::uint8_t> img);

/// OpenCV's convertTo(CV_8U, 255): round(v * 255) (f32 product) half to even, saturated to [0, 255],
/// NaN -> 0. One deliberate difference: OpenCV gives 0 where v * 255 >= 2^31 or +inf (cvRound
/// overflow); here those saturate to 255. Keeps the channel count and order. Throws invalid_argument
/// for a device view.
image<std::uint8_t> to_ldr(image_view<const float> img);

/// to_ldr, then write_ldr.
void write_ldr(const std::filesystem::path& file, image_view<const float> img);

}  // namespace hdrgpu::io
