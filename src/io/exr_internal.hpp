// The OpenEXR writer's pieces (exr_write.cpp, exr_blocks.cpp). Not installed.
#pragma once

#include <functional>
#include <span>

#include "io_internal.hpp"

namespace hdrgpu::io::detail {

/// A block of scanlines as the file stores it before compression: for each line, for each channel in file
/// order (B, G, R, or Y), `width` little-endian samples.
struct exr_block_shape {
  int width = 0, lines = 0, channels = 0;
  bool half = false;
};

/// "B", "G", "R" (c = 0, 1, 2) for colour, "Y" for grey: the file's channels, in its (alphabetical) order.
const char* exr_channel_name(int channels, int c) noexcept;

/// Scanlines per block: 16 for zip, 32 for piz, else 1.
int exr_lines_per_block(exr_compression c) noexcept;

/// The compression attribute's value in the file.
int exr_compression_code(exr_compression c) noexcept;

/// Appends the stored bytes of block `raw` to `out`: compressed, or `raw` itself when compression would not
/// make it smaller. Throws failure or std::bad_alloc.
void exr_encode_block(exr_compression c, std::span<const unsigned char> raw, const exr_block_shape& shape, bytes& out);

/// What exr_encode makes from: the image's size and sample type, and `line(y, out)`, which writes scanline
/// y in block layout (see exr_block_shape) and returns how many samples it clamped to half's range.
struct exr_lines {
  int width = 0, height = 0, channels = 0;
  bool half = false;
  std::function<std::size_t(int y, unsigned char* out)> line;
};

/// A whole OpenEXR file in pieces, to be written in order (header with offset table, then the blocks).
struct exr_file {
  std::vector<bytes> parts;
  std::size_t clamped = 0;
};

/// Encodes a single-part scanline OpenEXR file, its blocks spread over `exec` (null: this thread).
exr_file exr_encode(const exr_lines& src, exr_compression c, const cpu_executor* exec);

}  // namespace hdrgpu::io::detail
