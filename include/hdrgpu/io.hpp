// File input/output: decoding 8/16-bit photos, EXIF, exposure lists, batch manifests, whole stacks,
// response-curve CSVs, radiance maps (EXR, Radiance .hdr, PFM) and 8-bit previews. Every writer is atomic.
//
// Errors: hdrgpu::io_error (carrying the path) when a file is missing, unreadable, corrupt or cannot be
// written; hdrgpu::invalid_argument for unusable values (bad channel count, unknown extension...).
// Every message names the file; stack-level messages also name the stack ("stack 'NAME': FILE: why").
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <hdrgpu/error.hpp>
#include <hdrgpu/exposure_stack.hpp>
#include <hdrgpu/image.hpp>
#include <hdrgpu/response_curve.hpp>

namespace hdrgpu {
class cpu_executor;
}

namespace hdrgpu::io {

// ---- decoding -------------------------------------------------------------------------------------
//
// JPEG goes through libjpeg-turbo (TurboJPEG API: accurate integer IDCT, fancy upsampling: the same
// pixels as OpenCV's imread on a libjpeg-turbo build); PNG (8/16 bit), BMP and TGA through stb_image.
// The format is sniffed from the content, not the extension (TGA, which has no signature, excepted).
// Grey (with or without alpha) gives 1 channel, colour gives 3 (alpha dropped).
//
// EXIF orientation (JPEG only; tag 0x0112 of IFD0, values 1..8) is applied by default exactly as
// OpenCV's imread does: 2 flip left-right, 3 rotate 180, 4 flip top-bottom, 5 transpose, 6 rotate 90
// clockwise, 7 transverse, 8 rotate 90 counter-clockwise. Other values, and PNG/BMP/TGA files, are
// left as stored.
//
// Decoding is stricter than libjpeg's defaults: a truncated JPEG, or one whose entropy-coded data is
// corrupt (libjpeg would fill the gap with grey and only warn), is an error. Harmless warnings
// (extraneous bytes before a marker) are accepted.

/// A decoded photo: 8 or 16 bits per sample, as stored in the file.
using any_image = std::variant<image<std::uint8_t>, image<std::uint16_t>>;

enum class image_format : std::uint8_t { png, jpeg, bmp, tga };

/// "PNG", "JPEG", "BMP", "TGA".
const char* to_string(image_format f) noexcept;

/// What a file's header (and EXIF) says, without decoding pixels.
struct image_info {
  image_format format = image_format::png;
  int width = 0, height = 0;  ///< as stored, before orientation
  int channels = 0;           ///< what decoding gives: 1 (grey) or 3 (colour)
  int bit_depth = 8;          ///< 8, or 16 for 16-bit PNGs
  int orientation = 1;        ///< EXIF orientation 1..8 (JPEG); 1 when absent, invalid or not a JPEG

  /// Size of the decoded image: width and height swap for orientations 5..8 when applied.
  int decoded_width(bool apply_orientation = true) const noexcept {
    return apply_orientation && orientation >= 5 ? height : width;
  }
  int decoded_height(bool apply_orientation = true) const noexcept {
    return apply_orientation && orientation >= 5 ? width : height;
  }
};

// ---- input limits -----------------------------------------------------------------------------------
// Every read is capped, so a hostile input (a device such as /dev/zero, a huge file, a "decompression
// bomb" whose header claims 65500 x 65500 pixels) fails with an error naming the file instead of
// exhausting memory.

inline constexpr std::uint64_t max_image_file_bytes = std::uint64_t(1) << 30;    ///< one input image: 1 GiB
inline constexpr std::uint64_t max_radiance_file_bytes = std::uint64_t(8) << 30; ///< read_radiance: 8 GiB
inline constexpr std::uint64_t max_text_file_bytes = std::uint64_t(64) << 20;    ///< exposures.txt, response CSV
inline constexpr std::uint64_t max_manifest_bytes = std::uint64_t(2) << 30;      ///< CSV / JSON Lines manifest
/// Default pixel limit of one decoded image (2^28, about 268 MP): checked against the header before
/// anything is allocated.
inline constexpr std::uint64_t default_max_pixels = std::uint64_t(1) << 28;

struct decode_options {
  bool apply_orientation = true;  ///< rotate/flip by the EXIF orientation, as OpenCV's imread does
  host_allocator allocator{};     ///< where decoded images are stored (empty: the heap)
  /// Images whose header claims more pixels are refused before decoding (0: no limit).
  std::uint64_t max_pixels = default_max_pixels;
};

/// Reads the header of `data` (a whole file in memory). `file` names it in messages and picks TGA.
/// Throws io_error naming `file` for an unsupported format or a corrupt header.
image_info probe_image(std::span<const std::uint8_t> data, const std::filesystem::path& file);
/// probe_image on the file's bytes; throws io_error also when it is missing or unreadable.
image_info probe_image(const std::filesystem::path& file);

/// Decodes `data` straight into `dst` (host memory, any row pitch, e.g. pinned staging memory). `dst`
/// must be exactly info.decoded_width/height(options.apply_orientation) x info.channels, and its
/// sample type must match the bit depth (u8 for 8-bit files, u16 for 16-bit PNGs); otherwise
/// invalid_argument. Colour is written in dst.order() (rgb or bgr). Throws io_error naming `file`
/// for a corrupt or truncated image. Thread-safe; each JPEG gets a fresh decoder (libjpeg keeps tables
/// from earlier images, so a reused one would decode a file missing its tables differently depending
/// on what the thread decoded before); orientations 2..8 use a per-thread scratch buffer.
void decode_into(std::span<const std::uint8_t> data, image_view<std::uint8_t> dst, const decode_options& options,
                 const std::filesystem::path& file);
void decode_into(std::span<const std::uint8_t> data, image_view<std::uint16_t> dst, const decode_options& options,
                 const std::filesystem::path& file);

/// Decodes `data` into a new image, channel_order::rgb.
any_image decode_image(std::span<const std::uint8_t> data, const decode_options& options,
                       const std::filesystem::path& file);

/// Decodes a PNG (8 or 16 bit), JPEG, BMP or TGA file into a channel_order::rgb image, applying the
/// EXIF orientation unless told not to. Throws io_error if the file is missing, unreadable,
/// truncated, corrupt or of another format.
any_image load_image(const std::filesystem::path& file, const decode_options& options = {});

/// load_image for 8-bit files only; throws io_error also when the file holds 16-bit samples.
image<std::uint8_t> load_image_u8(const std::filesystem::path& file, const decode_options& options = {});

/// Copies `src` into `dst` rotated/flipped by EXIF `orientation` (1..8, as in the decoding notes);
/// `dst` must have src's size (width and height swapped for 5..8) and channel count. Samples are
/// copied as they are (channel order untouched). Cache-blocked: ~25 ms for a 12 MP RGB rotation on
/// one core. Throws invalid_argument for another orientation, mismatched sizes, overlapping or
/// device views.
void apply_orientation(image_view<const std::uint8_t> src, image_view<std::uint8_t> dst, int orientation);
void apply_orientation(image_view<const std::uint16_t> src, image_view<std::uint16_t> dst, int orientation);
void apply_orientation(image_view<const float> src, image_view<float> dst, int orientation);

// ---- EXIF -----------------------------------------------------------------------------------------

/// The EXIF fields hdrgpu uses (read with libexif).
struct exif_info {
  bool present = false;                    ///< the file has an EXIF block
  std::optional<double> exposure_seconds;  ///< ExposureTime (num / den, e.g. 1/3049, 25/10 -> 2.5)
  bool exposure_from_apex = false;         ///< exposure_seconds came from ShutterSpeedValue: 2^-Tv
  /// ExposureTime is present but unusable: its value as "NUM/DEN" (e.g. "0/0", "1/0"); empty otherwise.
  std::string invalid_exposure;
  int orientation = 1;                     ///< Orientation of IFD0, 1..8; 1 when absent or invalid
};

/// EXIF of a JPEG in memory (whole file). Files without EXIF (or PNG/BMP/TGA files) give
/// present = false; an unusable ExposureTime (zero numerator or denominator) sets invalid_exposure
/// instead of exposure_seconds, and ShutterSpeedValue is used only when ExposureTime gave no time. Never throws for the content.
exif_info read_exif(std::span<const std::uint8_t> data);
/// read_exif of a file's bytes; throws io_error when it is missing or unreadable.
exif_info read_exif(const std::filesystem::path& file);

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

// ---- manifests and stack discovery ----------------------------------------------------------------
//
// A manifest lists stacks for `hdrgpu batch`, in one of two formats (picked by the extension: .csv;
// .jsonl, .ndjson or .json; otherwise by the first character, '{' meaning JSON Lines):
//
//  CSV: a header line `id,image,time` (or `id,image`), then one row per image; the rows of a stack
//  are consecutive and in exposure-list order. `time` is seconds (decimal or fraction, "1/250"); leave
//  it empty in every row of a stack to take the times from EXIF. Fields may be double-quoted ("a,b.jpg",
//  "" for a quote). Blank lines are skipped.
//      id,image,time
//      kitchen,kitchen/a.jpg,1/250
//      kitchen,kitchen/b.jpg,1/60
//      garden,/data/garden/1.jpg,
//
//  JSON Lines: one object per line with exactly these keys: "id" (string), "images" (non-empty array
//  of strings), optional "times" (array of numbers or fraction strings, one per image; absent or []
//  means EXIF). Blank lines are skipped.
//      {"id": "kitchen", "images": ["kitchen/a.jpg", "kitchen/b.jpg"], "times": [0.004, "1/60"]}
//      {"id": "garden", "images": ["/data/garden/1.jpg", "/data/garden/2.jpg"]}
//
// Relative image paths are resolved against the manifest's folder. Ids must be non-empty and unique.

struct manifest_entry {
  std::string id;
  std::vector<std::filesystem::path> images;  ///< resolved paths, in the listed order
  std::vector<double> times;                  ///< seconds, one per image; empty: take them from EXIF
};

/// Reads a CSV or JSON Lines manifest. Throws io_error naming the manifest and the line ("FILE: line
/// N: why") for unreadable files, syntax errors, a bad header, unknown or missing keys, unusable
/// times, a stack whose rows are split or whose times are partly missing, a duplicate id or image,
/// or no stacks at all.
std::vector<manifest_entry> read_manifest(const std::filesystem::path& manifest);

/// The stack folders under `dir`: `dir` itself when it holds exposures.txt or an image (.jpg, .jpeg,
/// .png, .bmp, .tga; hidden files ignored), otherwise each such immediate sub-folder, sorted by name.
/// Returns an empty list when there are none; throws io_error when `dir` is not a readable directory.
std::vector<std::filesystem::path> discover_stacks(const std::filesystem::path& dir);

// ---- stacks ---------------------------------------------------------------------------------------

/// Where a loaded stack's exposure times came from.
enum class exposure_source : std::uint8_t {
  file,  ///< exposures.txt, or the times given in a manifest
  exif,  ///< each image's EXIF ExposureTime
};

/// "file" or "exif".
const char* to_string(exposure_source s) noexcept;

/// The decoded images of one stack, in list order, with their times and file names.
struct loaded_stack {
  std::string name;            ///< the folder's name, or the manifest id
  std::filesystem::path dir;   ///< the stack folder; for manifest stacks the folder of the first image
  std::vector<any_image> images;
  std::vector<float> times;    ///< seconds, f32 as OpenCV stores them
  std::vector<std::string> files;  ///< as listed in exposures.txt, the file names, or the manifest paths
  exposure_source times_from = exposure_source::file;

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

struct load_options {
  bool apply_orientation = true;  ///< rotate/flip JPEGs by their EXIF orientation, as OpenCV's imread does
  /// Where the decoded images are stored (empty: the heap). The batch engine on a GPU passes pinned
  /// memory (pinned_host_pool), which the GPU copies without staging.
  host_allocator allocator{};
  std::uint64_t max_pixels = default_max_pixels;  ///< per image, as decode_options::max_pixels
  /// Called once, after every image's header was read and before any is decoded, with those headers
  /// (in stack order). The batch engine reserves the decode buffers in its memory budget here. An
  /// exception from it fails the stack with its message.
  std::function<void(std::span<const image_info>)> before_decode;
};

/// Loads a stack folder: with dir/exposures.txt, the images it lists and their times (times_from =
/// file); without it, every image in the folder (.jpg, .jpeg, .png, .bmp, .tga, case-insensitive;
/// hidden files ignored), sorted by file name, with times from EXIF ExposureTime (times_from = exif).
/// Throws io_error when exposures.txt or an image is missing or broken, or an image has no EXIF
/// exposure time ("stack 'NAME': FILE: why"), invalid_argument when the images differ in sample type,
/// size or channel count.
loaded_stack load_stack(const std::filesystem::path& dir, const load_options& options = {});

/// Loads a manifest stack: entry.images with entry.times, or EXIF times when entry.times is empty.
/// Same errors as load_stack, naming the stack by entry.id.
loaded_stack load_stack(const manifest_entry& entry, const load_options& options = {});

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

/// Removes the temporary files of every write_file_atomic (and so every writer of this library) in
/// progress in this process. Async-signal-safe: meant for a SIGINT/SIGTERM handler that then ends the
/// process, so that no temporary is left behind. The interrupted writes fail; no finished file is touched.
void remove_temporaries_now() noexcept;

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

/// OpenEXR compression. All are lossless (of the stored float or half samples) and readable by OpenEXR,
/// OpenCV and tinyexr. Measured on 12 MP radiance maps (docs/performance.md): float32 from real photos
/// gains little from any of them (zip about 6 %, piz about 20 %) at 2 to 5 times the write time, while
/// half samples compress well, piz best and fastest.
///   none  uncompressed (1-line blocks)
///   rle   run lengths of byte differences (1-line blocks)
///   zips  deflate, 1-line blocks
///   zip   deflate, 16-line blocks (what OpenCV writes)
///   piz   wavelet + Huffman, 32-line blocks
enum class exr_compression : std::uint8_t { none, rle, zips, zip, piz };

/// Parses "none", "rle", "zips", "zip", "piz"; throws invalid_argument otherwise.
exr_compression parse_exr_compression(std::string_view text);

/// The spelling parse_exr_compression takes.
const char* to_string(exr_compression c) noexcept;

/// The compression used when none is chosen: none for float32 EXR (compression costs 2-5x the write
/// time for 6-20 % on real radiance maps), piz for half EXR (a third of the size, no slower to write).
exr_compression default_exr_compression(hdr_format format) noexcept;

/// How write_radiance encodes.
struct write_options {
  std::optional<exr_compression> compression;  ///< EXR only; unset: default_exr_compression(format)
  /// Spreads the encoding (EXR blocks, .hdr scanlines) over this executor's threads; null: the calling
  /// thread only. The file is the same either way.
  const cpu_executor* executor = nullptr;
};

/// What write_radiance stored.
struct write_result {
  std::uintmax_t bytes = 0;   ///< size of the file
  std::size_t clamped = 0;    ///< exr_half: finite samples beyond +-65504, stored as +-65504
};

/// Writes a 1- or 3-channel host radiance map, atomically. Colour files are always stored R,G,B
/// (the view's order says which channel is red); grey maps become PFM "Pf", EXR channel "Y", and
/// grey replicated to RGB in .hdr. Half EXR clamps finite samples beyond half's range to +-65504 (never
/// infinity) and counts them in the result. Throws invalid_argument for other channel counts or a device
/// view, io_error when the file cannot be written.
write_result write_radiance(const std::filesystem::path& file, image_view<const float> map, hdr_format format,
                            const write_options& options = {});

/// write_radiance with a chosen EXR compression (ignored for .hdr and .pfm), on the calling thread.
write_result write_radiance(const std::filesystem::path& file, image_view<const float> map, hdr_format format,
                            exr_compression compression);

/// Writes half-float samples as hdrgpu::to_half makes them (1 or 3 channels; the view's order says which is
/// red) as an OpenEXR file with half channels, atomically: the file write_radiance(..., exr_half) makes from
/// the float map with the same options. For maps converted on the GPU.
void write_exr_half(const std::filesystem::path& file, image_view<const std::uint16_t> half,
                    const write_options& options = {});

/// Writes RGBE pixels as hdrgpu::to_rgbe makes them (4 channels: R, G, B, E bytes) as a Radiance .hdr file,
/// atomically: the file write_radiance(..., hdr) makes from the float map. For maps converted on the GPU.
/// `executor` (optional) run-length encodes the scanlines on its threads.
void write_rgbe(const std::filesystem::path& file, image_view<const std::uint8_t> rgbe,
                const cpu_executor* executor = nullptr);

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
