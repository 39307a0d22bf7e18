// A PNG's chunk layout and compressed image data, checked before stb_image decodes the file.
//
// stb_image (2.27, the system's libstb) grows its buffer for the joined IDAT data to a chunk's declared
// length before reading it: a 167-byte PNG whose second IDAT claims 1.4 GB made it allocate 2 GiB (found by
// fuzz/fuzz_png.cpp; reproducer fuzz/corpus/png/oom-idat-length). And it inflates the whole IDAT stream,
// however much more than the header's image it holds, and then decodes the image from its start: a
// 389 KB PNG declaring 1x1 pixels took 400 MB and 1.2 s, and was accepted; a larger one reaches 2 GiB
// (found while examining the fuzzer's report; it passes any max_pixels limit). Here a chunk longer than
// the whole file and 64 MiB, or a stream that is not valid deflate ending within what the header's image
// needs, is refused before stb sees the file. The check costs one fast inflate into a temporary buffer
// the size of stb's own, freed before stb allocates its buffers.
#include <libdeflate.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "io_internal.hpp"

namespace hdrgpu::io::detail {
namespace {

std::uint32_t be32(const std::uint8_t* p) {
  return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | std::uint32_t(p[3]);
}

bool is_type(const std::uint8_t* p, const char* type) { return std::memcmp(p, type, 4) == 0; }

}  // namespace

void check_png_data(std::span<const std::uint8_t> d) {
  // Anything this walk does not understand is left to stb, which then fails before inflating: it only
  // inflates on reaching IEND after a well-formed IHDR and complete chunks.
  if (d.size() < 33 || be32(d.data() + 8) != 13 || !is_type(d.data() + 12, "IHDR")) return;
  const std::uint64_t width = be32(d.data() + 16), height = be32(d.data() + 20);
  const unsigned depth = d[24], color = d[25], interlace = d[28];
  unsigned samples = 0;
  switch (color) {
    case 0: samples = 1; break;  // grey
    case 2: samples = 3; break;  // RGB
    case 3: samples = 1; break;  // palette
    case 4: samples = 2; break;  // grey + alpha
    case 6: samples = 4; break;  // RGBA
    default: return;
  }
  if (width == 0 || height == 0 || depth == 0 || depth > 16 || (depth & (depth - 1)) != 0 || interlace > 1) return;
  const std::uint64_t bits = std::uint64_t(samples) * depth;

  // The inflated size stb expects: per row a filter byte and the packed samples; Adam7 passes apart.
  const auto pass_bytes = [&](std::uint64_t w, std::uint64_t h) { return w && h ? h * (1 + (w * bits + 7) / 8) : 0; };
  std::uint64_t expected = 0;
  if (!interlace) {
    expected = pass_bytes(width, height);
  } else {
    static constexpr int x0[] = {0, 4, 0, 2, 0, 1, 0}, y0[] = {0, 0, 4, 0, 2, 0, 1};
    static constexpr int dx[] = {8, 8, 4, 4, 2, 2, 1}, dy[] = {8, 8, 8, 4, 4, 2, 2};
    for (int p = 0; p < 7; ++p) {
      const std::uint64_t w = width > std::uint64_t(x0[p]) ? (width - x0[p] + dx[p] - 1) / dx[p] : 0;
      const std::uint64_t h = height > std::uint64_t(y0[p]) ? (height - y0[p] + dy[p] - 1) / dy[p] : 0;
      expected += pass_bytes(w, h);
    }
  }

  std::vector<std::uint8_t> z;  // the IDAT chunks' data, joined
  bool iphone = false, ended = false;
  for (std::size_t pos = 8; !ended;) {
    if (d.size() - pos < 12) return;
    const std::uint32_t len = be32(d.data() + pos);
    if (len > d.size() - pos - 12) {
      // Cut short (or a broken length): stb reports it, after growing its buffer to the declared length,
      // so a length beyond both the file and 64 MiB is refused here.
      if (len > d.size() && len > (std::uint32_t(1) << 26)) {
        static constexpr char iend[] = "IEND";
        const auto tail = d.subspan(d.size() - 12);
        const bool ends = std::search(tail.begin(), tail.end(), iend, iend + 4) != tail.end();
        throw failure(std::string(ends ? "corrupt" : "truncated") + " PNG (a chunk claims " + std::to_string(len) +
                      " bytes, more than the whole file)");
      }
      return;
    }
    const std::uint8_t* type = d.data() + pos + 4;
    if (is_type(type, "IDAT")) z.insert(z.end(), type + 4, type + 4 + len);
    if (is_type(type, "CgBI")) iphone = true;  // Apple's PNGs: raw deflate, no zlib header
    ended = is_type(type, "IEND");
    pos += 12 + std::size_t(len);
  }
  const std::size_t skip = iphone ? 0 : 2;  // zlib header (stb checks it); the Adler-32 trailer is ignored, as by stb
  if (z.size() < skip) return;

  const std::unique_ptr<libdeflate_decompressor, void (*)(libdeflate_decompressor*)> dec(
      libdeflate_alloc_decompressor(), &libdeflate_free_decompressor);
  if (!dec) throw std::bad_alloc();
  const std::unique_ptr<std::uint8_t[]> out(new std::uint8_t[std::size_t(expected)]);
  std::size_t in_used = 0, out_used = 0;
  switch (libdeflate_deflate_decompress_ex(dec.get(), z.data() + skip, z.size() - skip, out.get(),
                                           std::size_t(expected), &in_used, &out_used)) {
    case LIBDEFLATE_SUCCESS: return;  // fewer bytes than expected: stb reports it
    case LIBDEFLATE_INSUFFICIENT_SPACE:
      throw failure("corrupt PNG (the compressed image data holds more than the " + std::to_string(width) + "x" +
                    std::to_string(height) + " image needs)");
    default: throw failure("corrupt PNG (broken or unterminated compressed image data)");
  }
}

}  // namespace hdrgpu::io::detail
