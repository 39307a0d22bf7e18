// JPEG decoding through libjpeg-turbo's TurboJPEG API. Flags are chosen to give the pixels OpenCV's
// imread gives on a libjpeg-turbo build: accurate integer IDCT (JDCT_ISLOW, libjpeg's default) and
// fancy (triangle-filter) chroma upsampling. The 2.x API is used: it is all 2.1 offers and is kept,
// unchanged in behaviour, by 3.x.
#include <turbojpeg.h>

#include <algorithm>
#include <memory>
#include <string>

#include "io_internal.hpp"

namespace hdrgpu::io::detail {
namespace {

struct handle_deleter {
  void operator()(void* h) const noexcept { tjDestroy(h); }
};
using handle_ptr = std::unique_ptr<void, handle_deleter>;

// One decompressor per thread for reading headers: instances are not thread-safe. After a failure the
// instance is dropped: TurboJPEG 2.1 leaves libjpeg mid-header when tjDecompressHeader3 fails, and the
// next image would be parsed from that state. Decoding uses a fresh instance (see jpeg_decode).
handle_ptr& thread_handle() {
  thread_local handle_ptr h;
  return h;
}

tjhandle decompressor() {
  handle_ptr& h = thread_handle();
  if (!h) h.reset(tjInitDecompress());
  if (!h) throw failure(std::string("cannot create a JPEG decompressor: ") + tjGetErrorStr2(nullptr));
  return h.get();
}

// The message of the last call on `h`, after which the thread's instance is discarded.
std::string message_and_discard(tjhandle h) {
  const char* m = tjGetErrorStr2(h);
  std::string out = m && *m ? m : "unknown error";
  thread_handle().reset();
  return out;
}

std::string tj_message(tjhandle h) {
  const char* m = tjGetErrorStr2(h);
  return m && *m ? m : "unknown error";
}

// No end-of-image marker near the end: the file was cut short. (FF D9 cannot occur inside
// entropy-coded data, which stuffs every FF with 00.)
bool lacks_eoi(std::span<const std::uint8_t> d) {
  const auto tail = d.subspan(d.size() - std::min<std::size_t>(d.size(), 4096));
  const std::uint8_t eoi[] = {0xff, 0xd9};
  return std::search(tail.begin(), tail.end(), eoi, eoi + 2) == tail.end();
}

[[noreturn]] void fail(tjhandle h, std::span<const std::uint8_t> d, bool warning) {
  const std::string why = message_and_discard(h);
  throw failure(std::string(lacks_eoi(d) ? "truncated JPEG" : "corrupt JPEG") + " (libjpeg-turbo" +
                (warning ? " warning: " : ": ") + why + ")");
}

// libjpeg warns, and goes on, for damage it papers over with grey blocks (premature end of the data,
// bad Huffman codes...); those images are errors here. Stray bytes between segments leave every
// pixel intact, so that warning alone is accepted, as OpenCV accepts it.
bool harmless_warning(const std::string& message) {
  return message.find("extraneous bytes before marker") != std::string::npos;
}

unsigned long checked_size(std::span<const std::uint8_t> d) {
  if (d.size() > 0x7fffffffu) throw failure("file is too large to decode (over 2 GiB)");
  return static_cast<unsigned long>(d.size());
}

}  // namespace

jpeg_header jpeg_probe(std::span<const std::uint8_t> d) {
  const tjhandle h = decompressor();
  int w = 0, ht = 0, subsamp = 0, colorspace = 0;
  if (tjDecompressHeader3(h, d.data(), checked_size(d), &w, &ht, &subsamp, &colorspace) != 0 &&
      (tjGetErrorCode(h) != TJERR_WARNING || w <= 0 || ht <= 0))
    throw failure("corrupt JPEG header (libjpeg-turbo: " + message_and_discard(h) + ")");
  if (w <= 0 || ht <= 0)
    throw failure("corrupt JPEG header (image size " + std::to_string(w) + "x" + std::to_string(ht) + ")");
  switch (colorspace) {
    case TJCS_GRAY: return {w, ht, 1};
    case TJCS_RGB:
    case TJCS_YCbCr: return {w, ht, 3};
    case TJCS_CMYK:
    case TJCS_YCCK: throw failure("unsupported JPEG colour space (CMYK)");
    default: throw failure("unsupported JPEG colour space (" + std::to_string(colorspace) + ")");
  }
}

void jpeg_decode(std::span<const std::uint8_t> d, image_view<std::uint8_t> dst) {
  // A fresh decompressor for every image (under a microsecond): libjpeg keeps the Huffman and
  // quantization tables of the images an instance decoded before (for abbreviated datastreams), so a
  // reused one decoded a file lacking a table, or with a broken one, with an earlier image's table: the
  // same bytes gave pixels, or an error, depending on what the thread had decoded before (found by
  // fuzz/fuzz_jpeg.cpp; reproducer fuzz/corpus/jpeg/crash-stale-huffman-tables).
  const handle_ptr fresh(tjInitDecompress());
  if (!fresh) throw failure(std::string("cannot create a JPEG decompressor: ") + tjGetErrorStr2(nullptr));
  const tjhandle h = fresh.get();
  const int format = dst.channels() == 1 ? TJPF_GRAY : dst.order() == channel_order::bgr ? TJPF_BGR : TJPF_RGB;
  if (dst.row_bytes() > 0x7fffffff) throw failure("row pitch too large for the JPEG decoder");
  // ACCURATEDCT: islow, as libjpeg's default that OpenCV uses. LIMITSCANS: refuse progressive files
  // with absurd scan counts (a decoding-time attack); cameras write at most ~10 scans.
  const int flags = TJFLAG_ACCURATEDCT | TJFLAG_LIMITSCANS;
  if (tjDecompress2(h, d.data(), checked_size(d), dst.data(), dst.width(), int(dst.row_bytes()), dst.height(),
                    format, flags) != 0) {
    const bool warning = tjGetErrorCode(h) == TJERR_WARNING;
    if (!warning || !harmless_warning(tj_message(h)) || lacks_eoi(d)) fail(h, d, warning);
  }
}

}  // namespace hdrgpu::io::detail
