// Photo decoding: TurboJPEG and stb against OpenCV's imread (same libjpeg-turbo, same IDCT and
// upsampling, so JPEG pixels must be identical), decode_into a caller's buffer, the orientation
// transform against cv::flip / cv::transpose, and corrupt or truncated files.
#include <hdrgpu/io.hpp>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <unistd.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>

#include "support.hpp"

namespace fs = std::filesystem;
namespace io = hdrgpu::io;
using hdrgpu::channel_order;
using hdrgpu::image;
using hdrgpu::image_view;

namespace {

struct scratch_dir : hdrgpu_test::temp_dir {
  scratch_dir() : temp_dir("decode-test") {}
};


std::vector<std::uint8_t> slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}

void spit(const fs::path& p, const std::vector<std::uint8_t>& bytes) {
  std::ofstream f(p, std::ios::binary);
  f.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// Samples of `v` that differ from OpenCV's Mat (B,G,R when v is rgb), and the largest difference.
struct diff {
  std::size_t count = 0;
  int max = 0;
  bool shape_ok = false;
};
template <class T>
diff compare(image_view<const T> v, const cv::Mat& m) {
  diff d;
  if (m.cols != v.width() || m.rows != v.height() || m.channels() != v.channels()) return d;
  d.shape_ok = true;
  const int c = v.channels();
  const bool swap = c == 3 && v.order() == channel_order::rgb;
  for (int y = 0; y < v.height(); ++y) {
    const T* r = m.ptr<T>(y);
    for (int x = 0; x < v.width(); ++x)
      for (int k = 0; k < c; ++k) {
        const int a = v.at(x, y, k), b = r[x * c + (swap ? 2 - k : k)];
        if (a != b) ++d.count, d.max = std::max(d.max, std::abs(a - b));
      }
  }
  return d;
}

cv::Mat noise(int w, int h, int type, unsigned seed) {
  cv::Mat m(h, w, type);
  cv::RNG rng(seed);
  if (CV_MAT_DEPTH(type) == CV_32F)
    rng.fill(m, cv::RNG::UNIFORM, -1.0, 1.0);
  else
    rng.fill(m, cv::RNG::UNIFORM, 0, CV_MAT_DEPTH(type) == CV_16U ? 65536 : 256);
  return m;
}

template <class T>
image_view<const T> view_of(const cv::Mat& m) {
  return image_view<const T>(m.ptr<T>(), m.cols, m.rows, m.channels(), std::ptrdiff_t(m.step));
}

// OpenCV's ExifTransform (imgcodecs/src/loadsave.cpp) for orientation o.
cv::Mat opencv_orient(const cv::Mat& src, int o) {
  cv::Mat m = src.clone();
  if (o >= 5) cv::transpose(m, m);
  switch (o) {
    case 2: case 6: cv::flip(m, m, 1); break;
    case 3: case 7: cv::flip(m, m, -1); break;
    case 4: case 8: cv::flip(m, m, 0); break;
    default: break;
  }
  return m;
}

template <class T>
void check_orientation_matches_opencv(int type, int w, int h, int pad) {
  const cv::Mat big = noise(w + pad, h, type, unsigned(w * 31 + h));
  const cv::Mat src = big(cv::Rect(0, 0, w, h));  // a view with row padding
  for (int o = 1; o <= 8; ++o) {
    CAPTURE(o);
    const cv::Mat ref = opencv_orient(src, o);
    cv::Mat out(ref.rows, ref.cols, ref.type(), cv::Scalar::all(0));
    io::apply_orientation(view_of<T>(src), image_view<T>(out.ptr<T>(), out.cols, out.rows, out.channels(),
                                                         std::ptrdiff_t(out.step)),
                          o);
    CHECK(cv::norm(out, ref, cv::NORM_INF) == 0);
  }
}

}  // namespace

TEST_SUITE("io.decode") {
  TEST_CASE("JPEG stacks decode exactly as OpenCV's imread") {
    // Both are libjpeg-turbo 2.1 with the islow IDCT and fancy upsampling: the comparison is exact.
    // 4:4:4 (courtyard), 4:2:2 (stlouis), 4:2:0 (window, stored orientation).
    for (const auto& [stack, file] : {std::pair{"courtyard-people", "SAM_0022.JPG"},
                                      std::pair{"stlouis-arch", "StLouisArchMultExpEV-1.82.jpeg"},
                                      std::pair{"window-handheld", "3.JPG"}}) {
      CAPTURE(stack);
      HDRGPU_REQUIRE_DATA(stack);
      const fs::path path = hdrgpu_test::data_root() / stack / file;
      const auto img = io::load_image_u8(path, {.apply_orientation = false});
      const cv::Mat ref = cv::imread(path.string(), cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION);
      const diff d = compare(image_view<const std::uint8_t>(img.view()), ref);
      CHECK(d.shape_ok);
      CHECK(d.count == 0);
      CHECK(d.max == 0);
    }
  }

  TEST_CASE("window-handheld is rotated upright exactly as cv::imread does (orientation 6)") {
    HDRGPU_REQUIRE_DATA("window-handheld");
    const fs::path path = hdrgpu_test::data_root() / "window-handheld" / "1.JPG";
    const io::image_info info = io::probe_image(path);
    CHECK(info.format == io::image_format::jpeg);
    CHECK(info.width == 3264);
    CHECK(info.height == 2448);
    CHECK(info.channels == 3);
    CHECK(info.bit_depth == 8);
    CHECK(info.orientation == 6);
    CHECK(info.decoded_width() == 2448);
    CHECK(info.decoded_height() == 3264);
    CHECK(info.decoded_width(false) == 3264);

    const auto upright = io::load_image_u8(path);
    CHECK(upright.width() == 2448);
    CHECK(upright.height() == 3264);
    const cv::Mat ref = cv::imread(path.string(), cv::IMREAD_COLOR);
    REQUIRE(ref.cols == 2448);
    const diff d = compare(image_view<const std::uint8_t>(upright.view()), ref);
    CHECK(d.shape_ok);
    CHECK(d.count == 0);
  }

  TEST_CASE("memorial PNGs decode_into a caller's buffer as OpenCV reads them") {
    HDRGPU_REQUIRE_DATA("memorial");
    for (const char* name : {"memorial0061.png", "memorial0068.png", "memorial0076.png"}) {
      CAPTURE(name);
      const fs::path path = hdrgpu_test::data_root() / "memorial" / name;
      const auto bytes = slurp(path);
      const io::image_info info = io::probe_image(bytes, path);
      CHECK(info.format == io::image_format::png);
      CHECK(info.width == 512);
      CHECK(info.height == 768);
      CHECK(info.channels == 3);
      CHECK(info.bit_depth == 8);
      CHECK(info.orientation == 1);
      // BGR into a padded buffer, as staging memory might be laid out.
      const std::ptrdiff_t pitch = 512 * 3 + 64;
      std::vector<std::uint8_t> buf(std::size_t(pitch) * 768, 0xab);
      const image_view<std::uint8_t> dst(buf.data(), 512, 768, 3, pitch, channel_order::bgr);
      io::decode_into(bytes, dst, {}, path);
      const diff d = compare(image_view<const std::uint8_t>(dst), cv::imread(path.string(), cv::IMREAD_UNCHANGED));
      CHECK(d.shape_ok);
      CHECK(d.count == 0);
      bool padding_untouched = true;
      for (int y = 0; y < 768; ++y)
        for (std::ptrdiff_t x = 512 * 3; x < pitch; ++x) padding_untouched &= buf[std::size_t(y * pitch + x)] == 0xab;
      CHECK(padding_untouched);
    }
  }

  TEST_CASE("decode_into writes JPEGs in BGR or RGB, with any pitch, and grey stays grey") {
    scratch_dir dir;
    const cv::Mat colour = noise(45, 29, CV_8UC3, 3);
    cv::Mat smooth;
    colour.convertTo(smooth, CV_8U, 0.5, 60);
    REQUIRE(cv::imwrite((dir / "c.jpg").string(), smooth));
    REQUIRE(cv::imwrite((dir / "g.jpg").string(), noise(33, 17, CV_8UC1, 4)));

    const auto c = slurp(dir / "c.jpg");
    const cv::Mat ref = cv::imread((dir / "c.jpg").string(), cv::IMREAD_COLOR);
    std::vector<std::uint8_t> buf(std::size_t(200) * 29);
    for (const channel_order order : {channel_order::rgb, channel_order::bgr}) {
      const image_view<std::uint8_t> dst(buf.data(), 45, 29, 3, 200, order);
      io::decode_into(c, dst, {}, dir / "c.jpg");
      CHECK(compare(image_view<const std::uint8_t>(dst), ref).count == 0);
    }

    const auto g = slurp(dir / "g.jpg");
    const io::image_info gi = io::probe_image(g, dir / "g.jpg");
    CHECK(gi.channels == 1);
    image<std::uint8_t> grey(33, 17, 1);
    io::decode_into(g, grey.view(), {}, dir / "g.jpg");
    const diff gd = compare(image_view<const std::uint8_t>(grey.view()), cv::imread((dir / "g.jpg").string(), cv::IMREAD_UNCHANGED));
    CHECK(gd.shape_ok);
    CHECK(gd.count == 0);
  }

  TEST_CASE("16-bit PNGs decode_into u16 buffers only") {
    scratch_dir dir;
    const cv::Mat wide = noise(21, 13, CV_16UC3, 5);
    REQUIRE(cv::imwrite((dir / "w.png").string(), wide));
    const auto bytes = slurp(dir / "w.png");
    const io::image_info info = io::probe_image(bytes, dir / "w.png");
    CHECK(info.bit_depth == 16);
    image<std::uint16_t> out(21, 13, 3);
    io::decode_into(bytes, out.view(), {}, dir / "w.png");
    CHECK(compare(image_view<const std::uint16_t>(out.view()), wide).count == 0);

    image<std::uint8_t> narrow(21, 13, 3);
    try {
      io::decode_into(bytes, narrow.view(), {}, dir / "w.png");
      FAIL("no exception");
    } catch (const hdrgpu::invalid_argument& e) {
      CHECK(contains(e.what(), (dir / "w.png").string() + ": "));
      CHECK(contains(e.what(), "16-bit samples, the destination 8-bit"));
    }
  }

  TEST_CASE("decode_into rejects a destination of the wrong size, naming the file") {
    HDRGPU_REQUIRE_DATA("window-handheld");
    const fs::path path = hdrgpu_test::data_root() / "window-handheld" / "8.JPG";
    const auto bytes = slurp(path);
    image<std::uint8_t> stored(3264, 2448, 3);  // the stored size, but orientation is applied by default
    try {
      io::decode_into(bytes, stored.view(), {}, path);
      FAIL("no exception");
    } catch (const hdrgpu::invalid_argument& e) {
      CHECK(contains(e.what(), path.string() + ": "));
      CHECK(contains(e.what(), "destination is 3264x2448x3, the decoded image is 2448x3264x3"));
    }
    // Without orientation the stored size is right, and the pixels are imread's with IGNORE_ORIENTATION.
    io::decode_into(bytes, stored.view(), {.apply_orientation = false}, path);
    const cv::Mat ref = cv::imread(path.string(), cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION);
    CHECK(compare(image_view<const std::uint8_t>(stored.view()), ref).count == 0);
  }

  TEST_CASE("corrupt and truncated JPEGs throw io_error naming the file") {
    scratch_dir dir;
    cv::Mat smooth;
    noise(64, 48, CV_8UC3, 6).convertTo(smooth, CV_8U, 0.25, 90);
    std::vector<std::uint8_t> jpg;
    REQUIRE(cv::imencode(".jpg", smooth, jpg));
    const auto check = [&](const std::string& name, const std::vector<std::uint8_t>& bytes, const std::string& why) {
      CAPTURE(name);
      const fs::path file = dir / name;
      spit(file, bytes);
      for (int via_bytes = 0; via_bytes < 2; ++via_bytes) {
        try {
          if (via_bytes) {
            image<std::uint8_t> dst(64, 48, 3);
            io::decode_into(bytes, dst.view(), {}, file);
          } else {
            io::load_image(file);
          }
          FAIL("no exception");
        } catch (const hdrgpu::io_error& e) {
          CHECK(e.path() == file);
          CHECK(contains(e.what(), file.string() + ": "));
          CHECK(contains(e.what(), why));
        }
      }
    };
    check("half.jpg", std::vector<std::uint8_t>(jpg.begin(), jpg.begin() + std::ptrdiff_t(jpg.size() / 2)),
          "truncated JPEG (libjpeg-turbo");
    check("header_only.jpg", std::vector<std::uint8_t>(jpg.begin(), jpg.begin() + 40), "corrupt JPEG header");

    // Scribble over the entropy-coded data (after the SOS segment), keeping the end marker: libjpeg
    // only warns and fills in grey; here it is an error.
    std::vector<std::uint8_t> bad = jpg;
    std::size_t sos = 0;
    for (std::size_t i = 2; i + 1 < bad.size(); ++i)
      if (bad[i] == 0xff && bad[i + 1] == 0xda) sos = i;
    REQUIRE(sos > 0);
    for (std::size_t i = sos + 20; i < bad.size() - 10; i += 7) bad[i] = 0xff;
    check("scribbled.jpg", bad, "corrupt JPEG (libjpeg-turbo");

    // Random bytes behind a JPEG signature.
    std::vector<std::uint8_t> junk{0xff, 0xd8, 0xff};
    std::mt19937 rng(9);
    for (int i = 0; i < 500; ++i) junk.push_back(std::uint8_t(rng()));
    check("junk.jpg", junk, "corrupt JPEG");

    // The intact file decodes, and a copy with stray bytes before the end marker does too (OpenCV accepts it).
    std::vector<std::uint8_t> stray(jpg.begin(), jpg.end() - 2);
    stray.insert(stray.end(), {0x00, 0x11, 0x22, 0xff, 0xd9});
    spit(dir / "stray.jpg", stray);
    const auto a = io::load_image_u8(dir / "stray.jpg");
    const cv::Mat ref = cv::imdecode(jpg, cv::IMREAD_COLOR);
    CHECK(compare(image_view<const std::uint8_t>(a.view()), ref).count == 0);
  }

  TEST_CASE("probe_image errors") {
    scratch_dir dir;
    const std::vector<std::uint8_t> text{'h', 'e', 'l', 'l', 'o'};
    try {
      io::probe_image(text, dir / "x.png");
      FAIL("no exception");
    } catch (const hdrgpu::io_error& e) {
      CHECK(contains(e.what(), (dir / "x.png").string() + ": unsupported image format"));
    }
    try {
      io::probe_image(dir / "missing.jpg");
      FAIL("no exception");
    } catch (const hdrgpu::io_error& e) {
      CHECK(e.path() == dir / "missing.jpg");
      CHECK(contains(e.what(), "No such file"));
    }
  }
}

TEST_SUITE("io.orientation") {
  TEST_CASE("apply_orientation matches cv::flip and cv::transpose for all 8 orientations") {
    SUBCASE("u8, 3 channels, odd size, padded rows") { check_orientation_matches_opencv<std::uint8_t>(CV_8UC3, 37, 23, 5); }
    SUBCASE("u8, 1 channel, larger than a tile") { check_orientation_matches_opencv<std::uint8_t>(CV_8UC1, 150, 71, 0); }
    SUBCASE("u8, 3 channels, one row") { check_orientation_matches_opencv<std::uint8_t>(CV_8UC3, 9, 1, 0); }
    SUBCASE("u16, 3 channels") { check_orientation_matches_opencv<std::uint16_t>(CV_16UC3, 70, 130, 3); }
    SUBCASE("f32, 1 channel") { check_orientation_matches_opencv<float>(CV_32FC1, 65, 64, 1); }
    SUBCASE("u8, 4 channels") { check_orientation_matches_opencv<std::uint8_t>(CV_8UC4, 66, 67, 2); }
  }

  TEST_CASE("apply_orientation rejects bad arguments") {
    image<std::uint8_t> src(4, 3, 3), same(4, 3, 3), turned(3, 4, 3);
    const image_view<const std::uint8_t> s = src.view();
    CHECK_THROWS_WITH_AS(io::apply_orientation(s, same.view(), 9), doctest::Contains("orientation 9 is not 1..8"),
                         hdrgpu::invalid_argument);
    CHECK_THROWS_WITH_AS(io::apply_orientation(s, same.view(), 6),
                         doctest::Contains("destination is 4x3x3, orientation 6 of a 4x3x3 image needs 3x4x3"),
                         hdrgpu::invalid_argument);
    CHECK_THROWS_WITH_AS(io::apply_orientation(s, src.view(), 3), doctest::Contains("overlap"),
                         hdrgpu::invalid_argument);
    io::apply_orientation(s, turned.view(), 8);  // fine
  }
}
