// Shared by the fuzz targets (fuzz_*.cpp): what counts as a finding, the temporary file for the
// path-taking readers, and the photo-decoding body of the jpeg and png targets.
//
// Expected failures are hdrgpu::error and its subclasses (io_error, invalid_argument): the targets
// catch and ignore them. Anything else escaping LLVMFuzzerTestOneInput is a finding: libFuzzer reports
// the uncaught exception as a crash, replay_main.cpp as a failed input. Broken promises of the API
// (a decoded size that differs from the probed one...) are thrown as `finding`.
#pragma once

#include <hdrgpu/error.hpp>
#include <hdrgpu/io.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <system_error>
#include <variant>

namespace hdrgpu_fuzz {

/// An input made the library break one of its documented promises. Not an hdrgpu::error.
struct finding : std::logic_error {
  using std::logic_error::logic_error;
};

inline void check(bool cond, const std::string& what) {
  if (!cond) throw finding("fuzz invariant violated: " + what);
}

/// Largest image (probed width * height) the decoding targets decode: a forged header must not make
/// the fuzzer allocate gigabytes (rss_limit) or spend seconds filling a huge image with grey.
inline constexpr std::uint64_t max_pixels = 4096ull * 4096ull;

/// A folder under $TMPDIR (or /tmp), made on first use and removed at normal exit.
class temp_dir {
 public:
  static const std::filesystem::path& get() {
    static temp_dir d;
    return d.path_;
  }

 private:
  temp_dir() {
    std::error_code ec;
    std::filesystem::path base = std::filesystem::temp_directory_path(ec);
    if (ec) base = "/tmp";
    std::string templ = (base / "hdrgpu-fuzz-XXXXXX").string();
    if (!::mkdtemp(templ.data())) {
      std::perror("hdrgpu fuzz: mkdtemp");
      std::abort();
    }
    path_ = templ;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::filesystem::path path_;
};

/// Writes the input to `name` (e.g. "manifest.csv") in the process's temporary folder, replacing what
/// an earlier input left there, and returns the file's path.
inline std::filesystem::path write_temp(const std::uint8_t* data, std::size_t size, const char* name) {
  const std::filesystem::path file = temp_dir::get() / name;
  std::FILE* f = std::fopen(file.c_str(), "wb");
  if (!f) {
    std::perror("hdrgpu fuzz: fopen");
    std::abort();
  }
  const bool ok = (size == 0 || std::fwrite(data, 1, size, f) == size) && std::fflush(f) == 0;
  if (std::fclose(f) != 0 || !ok) {
    std::perror("hdrgpu fuzz: write");
    std::abort();
  }
  return file;
}

/// Sets decode_options::max_pixels where this version of the library has it.
template <class Options>
void limit_pixels(Options& o) {
  if constexpr (requires { o.max_pixels = max_pixels; }) o.max_pixels = max_pixels;
}

template <class T>
void check_decoded(const hdrgpu::image<T>& img, const hdrgpu::io::image_info& info, bool orient) {
  check(img.width() == info.decoded_width(orient) && img.height() == info.decoded_height(orient),
        "decoded size differs from the probed size");
  check(img.channels() == info.channels, "decoded channel count differs from the probed one");
  check(int(sizeof(T)) * 8 == info.bit_depth, "decoded sample type differs from the probed bit depth");
}

/// probe_image, then decode_image (orientation applied) and, for small images, decode_into a BGR
/// destination as stored. `name` only names the input in messages (and would pick TGA for ".tga").
inline void decode_photo(const std::uint8_t* data, std::size_t size, const std::filesystem::path& name) {
  namespace io = hdrgpu::io;
  const std::span<const std::uint8_t> bytes(data, size);
  io::image_info info;
  try {
    info = io::probe_image(bytes, name);
  } catch (const hdrgpu::error&) {
    return;
  }
  check(info.width > 0 && info.height > 0, "probe gave a non-positive size");
  check(info.channels == 1 || info.channels == 3, "probe gave a channel count other than 1 or 3");
  check(info.bit_depth == 8 || (info.bit_depth == 16 && info.format == io::image_format::png),
        "probe gave an unexpected bit depth");
  check(info.orientation >= 1 && info.orientation <= 8, "probe gave an orientation outside 1..8");
  const std::uint64_t pixels = std::uint64_t(info.width) * std::uint64_t(info.height);
  if (pixels > max_pixels) return;

  io::decode_options options;
  limit_pixels(options);
  try {
    const io::any_image img = io::decode_image(bytes, options, name);
    std::visit([&](const auto& i) { check_decoded(i, info, true); }, img);
  } catch (const hdrgpu::error&) {
    return;  // a corrupt image fails the same way below
  }

  if (pixels > 512u * 512u) return;  // the second path costs a second decode: small images only
  io::decode_options stored = options;
  stored.apply_orientation = false;
  try {
    if (info.bit_depth == 16) {
      auto dst = hdrgpu::image<std::uint16_t>(info.width, info.height, info.channels, hdrgpu::channel_order::bgr);
      io::decode_into(bytes, dst.view(), stored, name);
    } else {
      auto dst = hdrgpu::image<std::uint8_t>(info.width, info.height, info.channels, hdrgpu::channel_order::bgr);
      io::decode_into(bytes, dst.view(), stored, name);
    }
  } catch (const hdrgpu::error& e) {
    // The bytes decoded a moment ago: the other entry point must accept them too.
    throw finding(std::string("decode_into failed where decode_image succeeded: ") + e.what());
  }
}

}  // namespace hdrgpu_fuzz
