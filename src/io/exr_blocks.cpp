// OpenEXR block codecs for the writer: one block of scanlines in, its stored bytes out. Blocks are
// independent, so exr_write.cpp encodes them on many threads.
//   zip/zips: byte planes split (even bytes, then odd), differences of neighbours + 128, then a zlib
//             stream (libdeflate: several times faster per core than zlib, same format);
//   rle:      the same split and differences, then runs (count byte < 0: that many literal bytes follow;
//             >= 0: the next byte repeated count + 1 times);
//   piz:      tinyexr's encoder, run on a sub-image of exactly this block (its output does not depend on
//             where the block sits in the image), from which the block's data is taken.
// A block that would not shrink is stored as is, which every reader recognises by its size.
#include <libdeflate.h>
#include <tinyexr.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "exr_internal.hpp"

namespace hdrgpu::io::detail {
namespace {

// libdeflate level for zip/zips: on float radiance from real photos level 6 saves only 0.6 % more than
// level 1, for 1.3x the time (docs/performance.md), so the fastest.
constexpr int zip_level = 1;

struct deflater {
  std::unique_ptr<libdeflate_compressor, void (*)(libdeflate_compressor*)> c{libdeflate_alloc_compressor(zip_level),
                                                                             &libdeflate_free_compressor};
};

// Splits `raw` into its even and odd bytes and replaces each byte by its difference to the previous one
// (+128, mod 256), as OpenEXR's zip and rle codecs store them. One pass: the previous byte of the split
// sequence is two bytes back in `raw` (one back at the start of the odd half).
void split_and_predict(std::span<const unsigned char> raw, bytes& out) {
  const std::size_t n = raw.size();
  out.resize(n);
  if (n == 0) return;
  const std::size_t half = (n + 1) / 2;  // even bytes
  const unsigned char* r = raw.data();
  unsigned char* even = out.data();
  unsigned char* odd = out.data() + half;
  even[0] = r[0];
  for (std::size_t k = 1; k < half; ++k) even[k] = static_cast<unsigned char>(r[2 * k] - r[2 * k - 2] + 128u);
  if (n > 1) {
    odd[0] = static_cast<unsigned char>(r[1] - r[2 * (half - 1)] + 128u);
    for (std::size_t k = 1; k < n - half; ++k) odd[k] = static_cast<unsigned char>(r[2 * k + 1] - r[2 * k - 1] + 128u);
  }
}

// Run-length encoding of `in` appended to `out`: runs of 3..127 equal bytes, literal stretches of 1..127.
void run_lengths(std::span<const unsigned char> in, bytes& out) {
  const std::size_t n = in.size();
  std::size_t i = 0;
  const auto run_at = [&](std::size_t k) {
    std::size_t r = 1;
    while (k + r < n && r < 127 && in[k + r] == in[k]) ++r;
    return r;
  };
  while (i < n) {
    const std::size_t run = run_at(i);
    if (run >= 3) {
      out.push_back(static_cast<unsigned char>(run - 1));
      out.push_back(in[i]);
      i += run;
      continue;
    }
    std::size_t end = i + 1;  // literals up to the next run of 3 or 127 bytes
    while (end < n && end - i < 127 && !(end + 2 < n && in[end] == in[end + 1] && in[end] == in[end + 2])) ++end;
    out.push_back(static_cast<unsigned char>(-static_cast<int>(end - i)));
    out.insert(out.end(), in.begin() + std::ptrdiff_t(i), in.begin() + std::ptrdiff_t(end));
    i = end;
  }
}

// The data of the only block of an OpenEXR file in memory: after the header (attributes up to an empty
// name) and the one-entry offset table come the block's y (int32), its size (int32) and its bytes.
std::span<const unsigned char> single_block_data(std::span<const unsigned char> file) {
  std::size_t pos = 8;  // magic and version
  const auto skip_string = [&] {
    while (pos < file.size() && file[pos] != 0) ++pos;
    ++pos;
  };
  for (;;) {
    if (pos >= file.size()) throw failure("OpenEXR block encoder produced a truncated header");
    if (file[pos] == 0) break;
    skip_string();  // name
    skip_string();  // type
    if (pos + 4 > file.size()) throw failure("OpenEXR block encoder produced a truncated header");
    std::int32_t size = 0;
    std::memcpy(&size, file.data() + pos, 4);
    pos += 4 + std::size_t(std::max(0, size));
  }
  pos += 1 + 8 + 4;  // end of header, offset table, block y
  std::int32_t size = 0;
  if (pos + 4 > file.size()) throw failure("OpenEXR block encoder produced no block");
  std::memcpy(&size, file.data() + pos, 4);
  pos += 4;
  if (size < 0 || pos + std::size_t(size) > file.size()) throw failure("OpenEXR block encoder produced a truncated block");
  return file.subspan(pos, std::size_t(size));
}

// PIZ through tinyexr on a sub-image holding just this block: planes per channel, in file order.
void piz_block(std::span<const unsigned char> raw, const exr_block_shape& s, bytes& planes, bytes& out) {
  const std::size_t sample = s.half ? 2 : 4, row = std::size_t(s.width) * sample;
  planes.resize(raw.size());
  std::vector<unsigned char*> ptrs(std::size_t(s.channels));
  for (int c = 0; c < s.channels; ++c) {
    unsigned char* plane = planes.data() + std::size_t(c) * row * std::size_t(s.lines);
    ptrs[std::size_t(c)] = plane;
    for (int l = 0; l < s.lines; ++l)
      std::memcpy(plane + std::size_t(l) * row, raw.data() + (std::size_t(l) * s.channels + c) * row, row);
  }
  std::vector<EXRChannelInfo> infos(std::size_t(s.channels));
  const int type = s.half ? TINYEXR_PIXELTYPE_HALF : TINYEXR_PIXELTYPE_FLOAT;
  std::vector<int> types(std::size_t(s.channels), type);
  for (int c = 0; c < s.channels; ++c) {
    std::memset(&infos[std::size_t(c)], 0, sizeof(EXRChannelInfo));
    std::strcpy(infos[std::size_t(c)].name, exr_channel_name(s.channels, c));
  }
  EXRImage img;
  InitEXRImage(&img);
  img.images = ptrs.data();
  img.width = s.width;
  img.height = s.lines;
  img.num_channels = s.channels;
  EXRHeader header;
  InitEXRHeader(&header);
  header.num_channels = s.channels;
  header.channels = infos.data();
  header.pixel_types = types.data();
  header.requested_pixel_types = types.data();
  header.compression_type = TINYEXR_COMPRESSIONTYPE_PIZ;
  unsigned char* mem = nullptr;
  const char* err = nullptr;
  const std::size_t n = SaveEXRImageToMemory(&img, &header, &mem, &err);
  if (n == 0) {
    const std::string why = err ? err : "unknown error";
    if (err) FreeEXRErrorMessage(err);
    throw failure("OpenEXR PIZ encoding failed (tinyexr: " + why + ")");
  }
  const std::unique_ptr<unsigned char, void (*)(void*)> owned(mem, &std::free);
  const auto data = single_block_data({mem, n});
  out.insert(out.end(), data.begin(), data.end());
}

}  // namespace

const char* exr_channel_name(int channels, int c) noexcept {
  static const char* const bgr[] = {"B", "G", "R"};
  return channels == 1 ? "Y" : bgr[c];
}

int exr_lines_per_block(exr_compression c) noexcept {
  switch (c) {
    case exr_compression::zip: return 16;
    case exr_compression::piz: return 32;
    default: return 1;
  }
}

int exr_compression_code(exr_compression c) noexcept {
  switch (c) {
    case exr_compression::none: return 0;
    case exr_compression::rle: return 1;
    case exr_compression::zips: return 2;
    case exr_compression::zip: return 3;
    case exr_compression::piz: return 4;
  }
  return 0;
}

void exr_encode_block(exr_compression c, std::span<const unsigned char> raw, const exr_block_shape& shape, bytes& out) {
  thread_local bytes scratch;
  const std::size_t start = out.size();
  switch (c) {
    case exr_compression::none: break;
    case exr_compression::rle:
      split_and_predict(raw, scratch);
      run_lengths(scratch, out);
      break;
    case exr_compression::zips:
    case exr_compression::zip: {
      thread_local deflater d;
      if (!d.c) throw std::bad_alloc();
      split_and_predict(raw, scratch);
      // A buffer of the full bound: libdeflate writes much faster when it need not check for space.
      thread_local bytes packed;
      packed.resize(libdeflate_zlib_compress_bound(d.c.get(), scratch.size()));
      const std::size_t n = libdeflate_zlib_compress(d.c.get(), scratch.data(), scratch.size(), packed.data(), packed.size());
      if (n == 0) throw failure("OpenEXR zip encoding failed");
      if (n < raw.size()) out.insert(out.end(), packed.begin(), packed.begin() + std::ptrdiff_t(n));
      else out.resize(start + raw.size());  // no gain: stored as is (below)
      break;
    }
    case exr_compression::piz: piz_block(raw, shape, scratch, out); break;
  }
  if (c == exr_compression::none || out.size() - start >= raw.size()) {
    out.resize(start);
    out.insert(out.end(), raw.begin(), raw.end());
  }
}

}  // namespace hdrgpu::io::detail
