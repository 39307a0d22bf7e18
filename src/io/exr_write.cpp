// OpenEXR writer: a single-part scanline file (header, offset table, blocks in increasing y), with the
// blocks gathered and compressed on many threads. Replaces tinyexr's writer, which compresses on one
// thread with zlib at its default level (6x the time of a PFM for a 12 MP map).
#include <algorithm>
#include <bit>
#include <cstring>
#include <string_view>

#include <hdrgpu/executor.hpp>

#include "exr_internal.hpp"

namespace hdrgpu::io::detail {
namespace {

static_assert(std::endian::native == std::endian::little, "the OpenEXR writer stores host-order samples");

void put_bytes(bytes& out, const void* p, std::size_t n) {
  const auto* b = static_cast<const unsigned char*>(p);
  out.insert(out.end(), b, b + n);
}
void put_i32(bytes& out, std::int32_t v) { put_bytes(out, &v, 4); }
void put_f32(bytes& out, float v) { put_bytes(out, &v, 4); }
void put_text(bytes& out, std::string_view s) {
  put_bytes(out, s.data(), s.size());
  out.push_back(0);
}
void attribute(bytes& out, std::string_view name, std::string_view type, std::int32_t size) {
  put_text(out, name);
  put_text(out, type);
  put_i32(out, size);
}

// Magic, version 2 (single-part scanline, short names) and the attributes every file must have.
bytes header_of(const exr_lines& src, exr_compression c) {
  bytes h;
  const unsigned char magic[] = {0x76, 0x2f, 0x31, 0x01, 2, 0, 0, 0};
  put_bytes(h, magic, sizeof magic);

  std::int32_t chlist = 1;
  for (int k = 0; k < src.channels; ++k) chlist += std::int32_t(std::strlen(exr_channel_name(src.channels, k))) + 1 + 16;
  attribute(h, "channels", "chlist", chlist);
  for (int k = 0; k < src.channels; ++k) {
    put_text(h, exr_channel_name(src.channels, k));
    put_i32(h, src.half ? 1 : 2);  // pixel type: HALF or FLOAT
    put_i32(h, 0);                 // pLinear and three reserved bytes
    put_i32(h, 1);                 // x sampling
    put_i32(h, 1);                 // y sampling
  }
  h.push_back(0);
  attribute(h, "compression", "compression", 1);
  h.push_back(static_cast<unsigned char>(exr_compression_code(c)));
  for (const char* window : {"dataWindow", "displayWindow"}) {
    attribute(h, window, "box2i", 16);
    put_i32(h, 0);
    put_i32(h, 0);
    put_i32(h, src.width - 1);
    put_i32(h, src.height - 1);
  }
  attribute(h, "lineOrder", "lineOrder", 1);
  h.push_back(0);  // increasing y
  attribute(h, "pixelAspectRatio", "float", 4);
  put_f32(h, 1.0f);
  attribute(h, "screenWindowCenter", "v2f", 8);
  put_f32(h, 0.0f);
  put_f32(h, 0.0f);
  attribute(h, "screenWindowWidth", "float", 4);
  put_f32(h, 1.0f);
  h.push_back(0);  // end of header
  return h;
}

}  // namespace

exr_file exr_encode(const exr_lines& src, exr_compression c, const cpu_executor* exec) {
  const int per_block = exr_lines_per_block(c);
  const std::size_t blocks = std::size_t((src.height + per_block - 1) / per_block);
  const std::size_t line_bytes = std::size_t(src.width) * std::size_t(src.channels) * (src.half ? 2 : 4);
  exr_file file;
  file.parts.resize(1 + blocks);
  std::vector<std::size_t> clamped(blocks, 0);

  // Each block: its y and size (filled in once known), then its stored bytes.
  const auto encode = [&](std::size_t first, std::size_t last) {
    thread_local bytes raw;
    for (std::size_t b = first; b < last; ++b) {
      const int y0 = int(b) * per_block, lines = std::min(per_block, src.height - y0);
      raw.resize(line_bytes * std::size_t(lines));
      for (int l = 0; l < lines; ++l) clamped[b] += src.line(y0 + l, raw.data() + line_bytes * std::size_t(l));
      bytes& out = file.parts[1 + b];
      out.clear();
      put_i32(out, y0);
      put_i32(out, 0);
      exr_encode_block(c, raw, {src.width, lines, src.channels, src.half}, out);
      const auto size = std::int32_t(out.size() - 8);
      std::memcpy(out.data() + 4, &size, 4);
    }
  };
  // Ranges of about 64 KiB of raw samples or more, so scheduling stays cheap next to the encoding.
  const std::size_t grain = std::max<std::size_t>(1, (std::size_t(64) << 10) / std::max<std::size_t>(1, line_bytes * per_block));
  if (exec && blocks > grain)
    exec->parallel_ranges(blocks, grain, encode);
  else
    encode(0, blocks);

  bytes head = header_of(src, c);
  std::uint64_t offset = head.size() + 8 * blocks;
  for (std::size_t b = 0; b < blocks; ++b) {
    put_bytes(head, &offset, 8);
    offset += file.parts[1 + b].size();
  }
  file.parts[0] = std::move(head);
  for (const std::size_t n : clamped) file.clamped += n;
  return file;
}

}  // namespace hdrgpu::io::detail
