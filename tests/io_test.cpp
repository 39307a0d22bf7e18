// hdrgpu::io: decoding, exposure lists, stacks, response CSVs, radiance maps, 8-bit output, atomic
// writes. OpenCV is the reference reader/writer for cross-checks.
#include <hdrgpu/io.hpp>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstring>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <sstream>
#include <variant>

#include "support.hpp"

namespace fs = std::filesystem;
namespace io = hdrgpu::io;
using hdrgpu::channel_order;
using hdrgpu::image;
using hdrgpu::image_view;

namespace {

using hdrgpu_test::temp_dir;


std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}

void spit(const fs::path& p, const std::string& bytes) {
  std::ofstream f(p, std::ios::binary);
  f << bytes;
}

// what() of the E thrown by f, or a marker that makes the CHECKs on it fail.
template <class E, class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("<wrong exception type: ") + e.what() + ">";
  }
  return "<no exception>";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// Same samples, with R and B swapped for colour: compares our RGB image with OpenCV's BGR Mat.
template <class T>
bool equals_bgr_mat(const image<T>& img, const cv::Mat& m) {
  if (m.cols != img.width() || m.rows != img.height() || m.channels() != img.channels()) return false;
  const int c = img.channels();
  for (int y = 0; y < img.height(); ++y) {
    const T* r = m.ptr<T>(y);
    for (int x = 0; x < img.width(); ++x)
      for (int k = 0; k < c; ++k) {
        const T a = img.at(x, y, k), b = r[x * c + (c >= 3 && k < 3 ? 2 - k : k)];
        if (std::memcmp(&a, &b, sizeof(T)) != 0) return false;  // bitwise, so NaN == NaN
      }
  }
  return true;
}

template <class T>
bool bitwise_equal(const image<T>& a, const image<T>& b) {
  return a.width() == b.width() && a.height() == b.height() && a.channels() == b.channels() &&
         std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

// Radiance-like test data: log-uniform magnitudes over 12 stops, a few zeros.
image<float> random_radiance(int w, int h, int c, unsigned seed, bool negatives = false) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> stops(-6.0f, 6.0f);
  image<float> img(w, h, c);
  for (std::size_t i = 0; i < img.size(); ++i) {
    float v = std::exp2(stops(rng));
    if (negatives && rng() % 5 == 0) v = -v;
    if (rng() % 50 == 0) v = 0;
    img.data()[i] = v;
  }
  return img;
}

// OpenCV 4.6 only reads EXR when asked to; it reads the variable on its first EXR decode.
void enable_opencv_exr() { ::setenv("OPENCV_IO_ENABLE_OPENEXR", "1", 1); }

// A minimal uncompressed, top-left-origin 24-bit TGA (OpenCV cannot write TGA).
std::string tga_bytes(const cv::Mat& bgr) {
  std::string s(18, '\0');
  s[2] = 2;  // uncompressed true-colour
  s[12] = char(bgr.cols & 0xff), s[13] = char(bgr.cols >> 8);
  s[14] = char(bgr.rows & 0xff), s[15] = char(bgr.rows >> 8);
  s[16] = 24, s[17] = 0x20;  // 24 bpp, rows from the top
  for (int y = 0; y < bgr.rows; ++y) s.append(reinterpret_cast<const char*>(bgr.ptr(y)), bgr.cols * 3);
  return s;
}

cv::Mat pattern_u8(int w, int h, int type, unsigned seed) {
  cv::Mat m(h, w, type);
  cv::RNG rng(seed);
  rng.fill(m, cv::RNG::UNIFORM, 0, 256);
  return m;
}

}  // namespace

TEST_SUITE("io.exposures") {
  TEST_CASE("parse_seconds reads decimals and fractions") {
    CHECK(io::parse_seconds("0.5") == 0.5);
    CHECK(io::parse_seconds("32") == 32.0);
    CHECK(io::parse_seconds("1e-3") == 1e-3);
    CHECK(io::parse_seconds("0.0009765625") == 1.0 / 1024);
    CHECK(io::parse_seconds("1/250") == 1.0 / 250);
    CHECK(io::parse_seconds("25/10") == 2.5);
    CHECK(io::parse_seconds("1/3049") == 1.0 / 3049);
    CHECK(io::parse_seconds("2.5/0.5") == 5.0);
  }

  TEST_CASE("parse_seconds rejects bad text and unusable values") {
    for (const char* bad : {"", "abc", "0.5s", "1/", "/2", "1//2", "1/2/3", "1/0", "0", "0/5", "-1", "-1/250",
                            "nan", "inf", "-inf", "1e400", " 1", "1 "}) {
      CAPTURE(bad);
      const std::string msg = message_of<hdrgpu::invalid_argument>([&] { io::parse_seconds(bad); });
      CHECK(contains(msg, "invalid exposure time '" + std::string(bad) + "'"));
    }
  }

  TEST_CASE("read_exposures on the memorial list") {
    HDRGPU_REQUIRE_DATA("memorial");
    const auto list = io::read_exposures(hdrgpu_test::data_root() / "memorial" / "exposures.txt");
    REQUIRE(list.size() == 16);
    for (int i = 0; i < 16; ++i) {
      CHECK(list[i].file == "memorial00" + std::to_string(61 + i) + ".png");
      CHECK(list[i].seconds == std::ldexp(32.0, -i));
    }
  }

  TEST_CASE("read_exposures skips comments and blank lines") {
    temp_dir dir;
    spit(dir / "e.txt",
         "\xef\xbb\xbf# camera: none\n\n"
         "a.png 1/250   # trailing comment\n"
         "\tb.png\t 0.5\r\n"
         "   \n"
         "c.png 2e0#no space before the comment\n"
         "d.png 4");  // no final newline
    const auto list = io::read_exposures(dir / "e.txt");
    REQUIRE(list.size() == 4);
    CHECK(list[0].file == "a.png");
    CHECK(list[0].seconds == 1.0 / 250);
    CHECK(list[1].file == "b.png");
    CHECK(list[1].seconds == 0.5);
    CHECK(list[2].file == "c.png");
    CHECK(list[2].seconds == 2.0);
    CHECK(list[3].file == "d.png");
    CHECK(list[3].seconds == 4.0);
    spit(dir / "empty.txt", "# nothing\n\n");
    CHECK(io::read_exposures(dir / "empty.txt").empty());
  }

  TEST_CASE("read_exposures errors name the file and the line") {
    temp_dir dir;
    struct bad_case {
      const char* text;
      const char* line;
      const char* why;
    };
    const bad_case cases[] = {
        {"a.png 1\nb.png\n", "line 2", "missing exposure time"},
        {"a.png 1 2\n", "line 1", "3 fields"},
        {"# c\na.png fast\n", "line 2", "'fast'"},
        {"a.png 0\n", "line 1", "> 0"},
        {"a.png -0.5\n", "line 1", "> 0"},
        {"a.png nan\n", "line 1", "not finite"},
        {"a.png inf\n", "line 1", "not finite"},
        {"a.png 1/0\n", "line 1", "zero denominator"},
        {"a.png 1\nb.png 2\na.png 3\n", "line 3", "already listed on line 1"},
    };
    for (const auto& c : cases) {
      CAPTURE(c.text);
      const auto file = dir / "exposures.txt";
      spit(file, c.text);
      try {
        io::read_exposures(file);
        FAIL("no exception");
      } catch (const hdrgpu::io_error& e) {
        CHECK(e.path() == file);
        CHECK(contains(e.what(), file.string() + ": " + c.line + ": "));
        CHECK(contains(e.what(), c.why));
      }
    }
    const std::string msg = message_of<hdrgpu::io_error>([&] { io::read_exposures(dir / "missing.txt"); });
    CHECK(contains(msg, "missing.txt"));
    CHECK(contains(msg, "No such file"));
  }
}

TEST_SUITE("io.decode") {
  TEST_CASE("16-bit PNG round trip through OpenCV's writer") {
    temp_dir dir;
    cv::Mat bgr(5, 7, CV_16UC3);
    for (int y = 0; y < bgr.rows; ++y)
      for (int x = 0; x < bgr.cols; ++x)
        for (int k = 0; k < 3; ++k)
          bgr.ptr<std::uint16_t>(y)[x * 3 + k] = std::uint16_t((y * 7 + x) * 1543 + k * 21011);
    bgr.at<cv::Vec3w>(0, 0) = {65535, 0, 256};
    REQUIRE(cv::imwrite((dir / "c16.png").string(), bgr));
    const io::any_image any = io::load_image(dir / "c16.png");
    const auto* img = std::get_if<image<std::uint16_t>>(&any);
    REQUIRE(img);
    CHECK(img->order() == channel_order::rgb);
    CHECK(img->at(0, 0, 0) == 256);
    CHECK(img->at(0, 0, 2) == 65535);
    CHECK(equals_bgr_mat(*img, bgr));

    cv::Mat grey(4, 3, CV_16UC1);
    for (int i = 0; i < 12; ++i) grey.at<std::uint16_t>(i / 3, i % 3) = std::uint16_t(i * 5000 + 7);
    REQUIRE(cv::imwrite((dir / "g16.png").string(), grey));
    const io::any_image g = io::load_image(dir / "g16.png");
    REQUIRE(std::holds_alternative<image<std::uint16_t>>(g));
    CHECK(equals_bgr_mat(std::get<image<std::uint16_t>>(g), grey));

    const std::string msg = message_of<hdrgpu::io_error>([&] { io::load_image_u8(dir / "c16.png"); });
    CHECK(contains(msg, "c16.png"));
    CHECK(contains(msg, "16-bit"));
  }

  TEST_CASE("8-bit PNG, BMP and TGA - grey stays grey and alpha is dropped") {
    temp_dir dir;
    const cv::Mat bgr = pattern_u8(9, 6, CV_8UC3, 1);
    const cv::Mat grey = pattern_u8(9, 6, CV_8UC1, 2);
    const cv::Mat bgra = pattern_u8(9, 6, CV_8UC4, 3);
    REQUIRE(cv::imwrite((dir / "c.png").string(), bgr));
    REQUIRE(cv::imwrite((dir / "c.bmp").string(), bgr));
    REQUIRE(cv::imwrite((dir / "g.png").string(), grey));
    REQUIRE(cv::imwrite((dir / "a.png").string(), bgra));
    spit(dir / "c.tga", tga_bytes(bgr));
    CHECK(equals_bgr_mat(io::load_image_u8(dir / "c.png"), bgr));
    CHECK(equals_bgr_mat(io::load_image_u8(dir / "c.bmp"), bgr));
    CHECK(equals_bgr_mat(io::load_image_u8(dir / "c.tga"), bgr));
    const auto g = io::load_image_u8(dir / "g.png");
    CHECK(g.channels() == 1);
    CHECK(equals_bgr_mat(g, grey));
    const auto a = io::load_image_u8(dir / "a.png");
    REQUIRE(a.channels() == 3);
    bool same = true;
    for (int y = 0; y < 6; ++y)
      for (int x = 0; x < 9; ++x)
        for (int k = 0; k < 3; ++k) same = same && a.at(x, y, k) == bgra.at<cv::Vec4b>(y, x)[2 - k];
    CHECK(same);
    // A misnamed file decodes by content.
    fs::copy_file(dir / "c.png", dir / "really_png.jpg");
    CHECK(equals_bgr_mat(io::load_image_u8(dir / "really_png.jpg"), bgr));
  }

  TEST_CASE("JPEG decodes exactly as OpenCV does") {
    HDRGPU_REQUIRE_DATA("courtyard-people");
    const auto file = hdrgpu_test::data_root() / "courtyard-people" / "SAM_0015.JPG";
    const auto img = io::load_image_u8(file);
    const cv::Mat ref = cv::imread(file.string(), cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION);
    REQUIRE(img.width() == ref.cols);
    REQUIRE(img.height() == ref.rows);
    REQUIRE(img.channels() == 3);
    // Same libjpeg-turbo, same IDCT (islow) and upsampling as OpenCV's build: bit-exact.
    long long differ = 0;
    for (int y = 0; y < ref.rows; ++y)
      for (int x = 0; x < ref.cols; ++x)
        for (int k = 0; k < 3; ++k) differ += img.at(x, y, k) != ref.at<cv::Vec3b>(y, x)[2 - k];
    CHECK(differ == 0);
  }

  TEST_CASE("missing, corrupt and truncated files throw io_error naming the file") {
    temp_dir dir;
    std::mt19937 rng(7);
    std::string noise(4096, '\0');
    for (auto& ch : noise) ch = char(rng());
    noise[0] = 'x';  // not a BMP/PNG/JPEG signature by accident
    spit(dir / "noise.png", noise);
    spit(dir / "empty.png", "");
    spit(dir / "bad.png", std::string("\x89PNG\r\n\x1a\n", 8) + noise);
    spit(dir / "fake.hdr", "#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 1 +X 1\n\x80\x80\x80\x80");

    const auto check = [](const fs::path& file, const std::string& why) {
      CAPTURE(file);
      try {
        io::load_image(file);
        FAIL("no exception");
      } catch (const hdrgpu::io_error& e) {
        CHECK(e.path() == file);
        CHECK(contains(e.what(), file.string() + ": "));
        CHECK(contains(e.what(), why));
      }
    };
    check(dir / "missing.png", "No such file");
    check(dir / "noise.png", "unsupported image format");
    check(dir / "empty.png", "empty");
    check(dir / "bad.png", "PNG");
    check(dir / "fake.hdr", "read_radiance");
    check(dir.path, "directory");

    if (hdrgpu_test::have_data("memorial")) {
      const std::string png = slurp(hdrgpu_test::data_root() / "memorial" / "memorial0064.png");
      spit(dir / "half.png", png.substr(0, png.size() / 2));
      check(dir / "half.png", "truncated PNG (stb: ");
    }
    if (hdrgpu_test::have_data("courtyard-people")) {
      const std::string jpg = slurp(hdrgpu_test::data_root() / "courtyard-people" / "SAM_0015.JPG");
      spit(dir / "half.jpg", jpg.substr(0, jpg.size() / 2));
      check(dir / "half.jpg", "truncated JPEG (libjpeg-turbo");
    }
  }
}

TEST_SUITE("io.stack") {
  TEST_CASE("load_stack memorial matches OpenCV's imread") {
    HDRGPU_REQUIRE_DATA("memorial");
    const auto dir = hdrgpu_test::data_root() / "memorial";
    const io::loaded_stack s = io::load_stack(dir);
    CHECK(s.name == "memorial");
    CHECK(s.dir == dir);
    REQUIRE(s.images.size() == 16);
    REQUIRE(s.times.size() == 16);
    REQUIRE(s.files.size() == 16);
    CHECK(s.type() == hdrgpu::pixel_type::u8);
    for (int i = 0; i < 16; ++i) {
      CAPTURE(i);
      CHECK(s.files[i] == "memorial00" + std::to_string(61 + i) + ".png");
      CHECK(s.times[i] == std::ldexp(32.0f, -i));
      const auto& img = std::get<image<std::uint8_t>>(s.images[i]);
      CHECK(img.width() == 512);
      CHECK(img.height() == 768);
      CHECK(img.channels() == 3);
      CHECK(img.order() == channel_order::rgb);
      CHECK(equals_bgr_mat(img, cv::imread((dir / s.files[i]).string(), cv::IMREAD_UNCHANGED)));
    }
    const auto view = s.view<std::uint8_t>();
    CHECK(view.size() == 16);
    CHECK(view.name() == "memorial");
    CHECK(view.source(3) == "memorial0064.png");
    CHECK(view.time(15) == 1.0f / 1024);
    const std::string msg = message_of<hdrgpu::invalid_argument>([&] { s.view<std::uint16_t>(); });
    CHECK(contains(msg, "stack 'memorial': memorial0061.png has u8 samples, expected u16"));
  }

  TEST_CASE("load_stack errors name the stack and the file") {
    temp_dir root;
    const fs::path dir = root / "mystack";
    fs::create_directories(dir);
    const cv::Mat a = pattern_u8(8, 6, CV_8UC3, 1);
    REQUIRE(cv::imwrite((dir / "a.png").string(), a));
    REQUIRE(cv::imwrite((dir / "tall.png").string(), pattern_u8(8, 7, CV_8UC3, 2)));
    REQUIRE(cv::imwrite((dir / "grey.png").string(), pattern_u8(8, 6, CV_8UC1, 3)));
    REQUIRE(cv::imwrite((dir / "wide.png").string(), cv::Mat(6, 8, CV_16UC3, cv::Scalar(1000, 2000, 3000))));
    REQUIRE(cv::imwrite((dir / "wide2.png").string(), cv::Mat(6, 8, CV_16UC3, cv::Scalar(4000, 5000, 6000))));
    const std::string png = slurp(dir / "a.png");
    spit(dir / "cut.png", png.substr(0, png.size() / 2));
    const auto list = [&](const std::string& text) { spit(dir / "exposures.txt", text); };

    std::string msg = message_of<hdrgpu::io_error>([&] { io::load_stack(dir); });
    CHECK(contains(msg, "stack 'mystack': "));
    CHECK(contains(msg, "exposures.txt"));

    list("a.png 1\ngone.png 0.5\n");
    msg = message_of<hdrgpu::io_error>([&] { io::load_stack(dir); });
    CHECK(contains(msg, "stack 'mystack': gone.png: cannot open"));

    list("a.png 1\ncut.png 0.5\n");
    msg = message_of<hdrgpu::io_error>([&] { io::load_stack(dir); });
    CHECK(contains(msg, "stack 'mystack': cut.png: truncated PNG"));

    list("a.png 1\ntall.png 0.5\n");
    msg = message_of<hdrgpu::invalid_argument>([&] { io::load_stack(dir); });
    CHECK(contains(msg, "stack 'mystack'"));
    CHECK(contains(msg, "'tall.png' is 8x7, expected 8x6"));

    list("a.png 1\ngrey.png 0.5\n");
    msg = message_of<hdrgpu::invalid_argument>([&] { io::load_stack(dir); });
    CHECK(contains(msg, "stack 'mystack'"));
    CHECK(contains(msg, "'grey.png' has 1 channels"));

    list("a.png 1\nwide.png 0.5\n");
    msg = message_of<hdrgpu::invalid_argument>([&] { io::load_stack(dir); });
    CHECK(contains(msg, "stack 'mystack': wide.png has u16 samples but a.png has u8"));

    list("a.png 1\na.png 2\n");
    msg = message_of<hdrgpu::io_error>([&] { io::load_stack(dir); });
    CHECK(contains(msg, "stack 'mystack': "));
    CHECK(contains(msg, "line 2"));

    list("# nothing\n");
    msg = message_of<hdrgpu::io_error>([&] { io::load_stack(dir); });
    CHECK(contains(msg, "stack 'mystack': "));
    CHECK(contains(msg, "lists no images"));

    // A good 16-bit stack, addressed with a trailing slash.
    list("wide.png 1/4\nwide2.png 1/8\n");
    const auto s = io::load_stack(dir.string() + "/");
    CHECK(s.name == "mystack");
    CHECK(s.type() == hdrgpu::pixel_type::u16);
    const auto v = s.view<std::uint16_t>();
    REQUIRE(v.size() == 2);
    CHECK(v.time(0) == 0.25f);
    CHECK(v[1].at(0, 0, 0) == 6000);  // red of BGR (4000, 5000, 6000)
  }
}

TEST_SUITE("io.csv") {
  TEST_CASE("all OpenCV golden CSVs read as 256x3 in the requested order") {
    HDRGPU_REQUIRE_DATA("opencv-golden");
    const auto root = hdrgpu_test::data_root() / "opencv-golden";
    for (const char* name : {"response.csv", "robertson.csv", "debevec.csv", "versions/debevec.1a1ce129.csv",
                             "versions/debevec.1e5b354b.csv"}) {
      CAPTURE(name);
      const auto curve = io::read_response_csv(root / name);
      REQUIRE(curve.levels() == 256);
      REQUIRE(curve.channels() == 3);
      CHECK(curve.order() == channel_order::rgb);
      // Independent parse: strip separators, read with iostreams; file columns are B,G,R.
      std::string text = slurp(root / name);
      for (auto& ch : text)
        if (ch == ',' || ch == ';') ch = ' ';
      std::istringstream in(text);
      int mismatches = 0;
      for (int z = 0; z < 256; ++z)
        for (int c = 0; c < 3; ++c) {
          float v = -1;
          in >> v;
          if (curve(z, 2 - c) != v) ++mismatches;
        }
      CHECK(mismatches == 0);
      const auto bgr = io::read_response_csv(root / name, channel_order::bgr);
      CHECK(bgr.order() == channel_order::bgr);
      CHECK(bgr(200, 0) == curve(200, 2));
    }
    const auto r = io::read_response_csv(root / "response.csv");
    CHECK(r(0, 2) == 9.9913286e-06f);  // first column is blue
    CHECK(r(0, 1) == 2.4236835e-05f);
    CHECK(r(0, 0) == 3.9994137e-07f);
    CHECK(r(255, 2) == 8.083519f);
    CHECK(r(255, 0) == 7.9306288f);
    const auto rob = io::read_response_csv(root / "robertson.csv");
    CHECK(rob(128, 0) == 1.0f);
    CHECK(rob(255, 2) == 242.17f);
    CHECK(rob(255, 1) == 120.347f);
    CHECK(rob(255, 0) == 88.346f);
    const auto deb = io::read_response_csv(root / "debevec.csv", channel_order::bgr);
    CHECK(deb(0, 0) == 0.0000001027f);
    CHECK(deb(255, 2) == 7.3962879f);
    CHECK(io::read_response_csv(root / "versions/debevec.1e5b354b.csv")(0, 2) == 1.05013e-07f);
  }

  TEST_CASE("write_response_csv round-trips exactly and writes B,G,R") {
    temp_dir dir;
    std::mt19937 rng(3);
    std::uniform_int_distribution<std::uint32_t> bits(0, 0x7f7fffffu);  // finite positive floats
    for (const auto& [levels, channels] : {std::pair{256, 3}, std::pair{256, 1}, std::pair{65536, 3}}) {
      CAPTURE(levels);
      CAPTURE(channels);
      hdrgpu::response_curve c(levels, channels, channel_order::rgb);
      for (auto& v : c.values()) v = std::bit_cast<float>(bits(rng));
      c(0, 0) = 0.1f;
      c(1, 0) = std::numeric_limits<float>::denorm_min();
      const auto file = dir / "curve.csv";
      io::write_response_csv(file, c);
      const auto back = io::read_response_csv(file);
      REQUIRE(back.levels() == levels);
      REQUIRE(back.channels() == channels);
      CHECK(std::memcmp(back.values().data(), c.values().data(), c.values().size() * sizeof(float)) == 0);
    }
    hdrgpu::response_curve rgb(256, 3, channel_order::rgb);
    rgb(0, 0) = 1, rgb(0, 1) = 2, rgb(0, 2) = 3;
    io::write_response_csv(dir / "order.csv", rgb);
    CHECK(slurp(dir / "order.csv").substr(0, 8) == "3, 2, 1\n");
    io::write_response_csv(dir / "order2.csv", rgb.reordered(channel_order::bgr));  // same curve, other layout
    CHECK(slurp(dir / "order2.csv") == slurp(dir / "order.csv"));
    CHECK(dir.names() == std::vector<std::string>{"curve.csv", "order.csv", "order2.csv"});
  }

  TEST_CASE("read_response_csv errors carry the line number") {
    temp_dir dir;
    std::string rows;
    for (int z = 0; z < 256; ++z) {
      const std::string v = std::to_string(z);
      rows += v + ", " + v + ", " + v + "\n";
    }
    const auto check = [&](const std::string& text, const std::string& why) {
      CAPTURE(why);
      spit(dir / "bad.csv", text);
      const std::string msg = message_of<hdrgpu::io_error>([&] { io::read_response_csv(dir / "bad.csv"); });
      CAPTURE(msg);
      CHECK(contains(msg, (dir / "bad.csv").string() + ": "));
      CHECK(contains(msg, why));
    };
    check(rows.substr(0, rows.rfind("\n255,") + 1), "255 rows");
    check(rows + "1, 2, 3\n", "257 rows");
    check("1, 2, 3\n1, 2\n" + rows.substr(rows.find("2, 2")), "line 2: 2 columns, expected 3");
    check("1, 2, 3\n1, x, 3\n", "line 2: 'x' is not a number");
    check("1, 2, 3\n1, 2, 3\n1, 2.5q, 3\n", "line 3: '2.5q' is not a number");
    check("1 2 3 4 5\n", "line 1: 5 columns");
    check("1, 1e99, 3\n", "line 1: '1e99' is outside the f32 range");
    // Values no response can have: refused, not used (a NaN curve would make every merge NaN).
    check("1, 2, 3\n1, nan, 3\n", "line 2: 'nan' is not a usable response value");
    check("1, 2, 3\ninf, 2, 3\n", "line 2: 'inf' is not a usable response value");
    check("1, 2, -0.5\n", "line 1: '-0.5' is not a usable response value");
    const std::string msg = message_of<hdrgpu::io_error>([&] { io::read_response_csv(dir / "none.csv"); });
    CHECK(contains(msg, "none.csv"));
  }
}

TEST_SUITE("io.radiance") {
  TEST_CASE("hdr_format_from_path") {
    CHECK(io::hdr_format_from_path("a/b.exr") == io::hdr_format::exr);
    CHECK(io::hdr_format_from_path("b.EXR", true) == io::hdr_format::exr_half);
    CHECK(io::hdr_format_from_path("b.Hdr") == io::hdr_format::hdr);
    CHECK(io::hdr_format_from_path("b.pfm", true) == io::hdr_format::pfm);
    CHECK(contains(message_of<hdrgpu::invalid_argument>([] { io::hdr_format_from_path("x/out.png"); }), "out.png"));
    CHECK_THROWS_AS(io::hdr_format_from_path("noext"), hdrgpu::invalid_argument);
  }

  TEST_CASE("PFM and float EXR round-trip exactly - OpenCV reads the same numbers") {
    enable_opencv_exr();
    temp_dir dir;
    const auto rgb = random_radiance(37, 23, 3, 11, true);
    const auto grey = random_radiance(19, 5, 1, 12, true);
    for (const char* name : {"m.pfm", "m.exr"}) {
      CAPTURE(name);
      const auto file = dir / name;
      io::write_radiance(file, rgb, io::hdr_format_from_path(file));
      const auto back = io::read_radiance(file);
      CHECK(back.order() == channel_order::rgb);
      CHECK(bitwise_equal(back, rgb));
      const cv::Mat ref = cv::imread(file.string(), cv::IMREAD_UNCHANGED);
      REQUIRE(ref.type() == CV_32FC3);
      CHECK(equals_bgr_mat(rgb, ref));

      const auto gfile = dir / (std::string("g") + name);
      io::write_radiance(gfile, grey, io::hdr_format_from_path(gfile));
      const auto gback = io::read_radiance(gfile);
      CHECK(gback.channels() == 1);
      CHECK(bitwise_equal(gback, grey));
      const cv::Mat gref = cv::imread(gfile.string(), cv::IMREAD_UNCHANGED);
      REQUIRE(gref.type() == CV_32FC1);
      CHECK(equals_bgr_mat(grey, gref));
    }
    CHECK(slurp(dir / "m.pfm").substr(0, 14) == "PF\n37 23\n-1.0\n");
    CHECK(slurp(dir / "gm.pfm").substr(0, 13) == "Pf\n19 5\n-1.0\n");
    // A flat image asked for as zip comes out compressed, far below 12 bytes a pixel.
    image<float> flat(64, 64, 3);
    std::fill(flat.data(), flat.data() + flat.size(), 0.5f);
    io::write_radiance(dir / "flat.exr", flat, io::hdr_format::exr, io::exr_compression::zip);
    CHECK(fs::file_size(dir / "flat.exr") < 64 * 64 * 12 / 8);
    CHECK(bitwise_equal(io::read_radiance(dir / "flat.exr"), flat));
    // PFM stores the bottom row first.
    const std::string pfm = slurp(dir / "m.pfm");
    float first = 0;
    std::memcpy(&first, pfm.data() + 14, 4);
    CHECK(first == rgb.at(0, 22, 0));
  }

  TEST_CASE("half EXR keeps half precision - OpenCV reads the same halves") {
    enable_opencv_exr();
    temp_dir dir;
    const auto rgb = random_radiance(31, 17, 3, 21, true);
    const auto file = dir / "h.exr";
    io::write_radiance(file, rgb, io::hdr_format::exr_half);
    const auto back = io::read_radiance(file);
    REQUIRE(back.channels() == 3);
    double worst = 0;
    for (std::size_t i = 0; i < rgb.size(); ++i) {
      const double a = back.data()[i], b = rgb.data()[i];
      worst = std::max(worst, std::abs(a - b) / std::max(std::abs(b), 6.1e-5));
    }
    CHECK(worst <= std::ldexp(1.0, -11));
    CHECK(worst > 0);  // really stored as half
    const cv::Mat ref = cv::imread(file.string(), cv::IMREAD_UNCHANGED);
    REQUIRE(ref.type() == CV_32FC3);
    CHECK(equals_bgr_mat(back, ref));
  }

  TEST_CASE("Radiance .hdr keeps RGBE precision - OpenCV reads the same numbers") {
    temp_dir dir;
    const auto rgb = random_radiance(41, 13, 3, 31);
    const auto file = dir / "r.hdr";
    io::write_radiance(file, rgb, io::hdr_format::hdr);
    const auto back = io::read_radiance(file);
    REQUIRE(back.channels() == 3);
    bool within = true;
    for (std::size_t p = 0; p < rgb.pixels(); ++p) {
      const float* a = back.data() + 3 * p;
      const float* b = rgb.data() + 3 * p;
      const float top = std::max({b[0], b[1], b[2]});
      for (int k = 0; k < 3; ++k) within = within && std::abs(a[k] - b[k]) <= top / 128;
    }
    CHECK(within);
    const cv::Mat ref = cv::imread(file.string(), cv::IMREAD_UNCHANGED);
    REQUIRE(ref.type() == CV_32FC3);
    CHECK(equals_bgr_mat(back, ref));

    // Grey is replicated; values RGBE cannot hold become 0.
    image<float> grey(3, 2, 1);
    const float odd[] = {0.25f, -1.0f, std::numeric_limits<float>::quiet_NaN(), 0.0f, 1e-40f, 3.0f};
    std::copy(std::begin(odd), std::end(odd), grey.data());
    io::write_radiance(dir / "g.hdr", grey, io::hdr_format::hdr);
    const auto g = io::read_radiance(dir / "g.hdr");
    REQUIRE(g.channels() == 3);
    const float want[] = {0.25f, 0, 0, 0, 0, 3.0f};
    for (int i = 0; i < 6; ++i)
      for (int k = 0; k < 3; ++k) CHECK(g.at(i % 3, i / 3, k) == want[i]);
  }

  TEST_CASE("BGR and padded views are written in RGB order") {
    temp_dir dir;
    const auto rgb = random_radiance(6, 4, 3, 41);
    // The same pixels as a BGR image inside rows padded by 5 floats.
    const int pitch = 6 * 3 + 5;
    std::vector<float> buf(std::size_t(pitch) * 4, -7.0f);
    for (int y = 0; y < 4; ++y)
      for (int x = 0; x < 6; ++x)
        for (int k = 0; k < 3; ++k) buf[y * pitch + x * 3 + k] = rgb.at(x, y, 2 - k);
    const image_view<const float> bgr(buf.data(), 6, 4, 3, pitch * sizeof(float), channel_order::bgr);
    for (const char* name : {"v.pfm", "v.exr"}) {
      io::write_radiance(dir / name, bgr, io::hdr_format_from_path(name));
      CHECK(bitwise_equal(io::read_radiance(dir / name), rgb));
    }
    io::write_ldr(dir / "v.png", bgr);
    CHECK(bitwise_equal(io::load_image_u8(dir / "v.png"), io::to_ldr(rgb)));
  }

  TEST_CASE("files written by OpenCV read back as OpenCV reads them") {
    enable_opencv_exr();
    temp_dir dir;
    const auto rgb = random_radiance(12, 9, 3, 51);
    cv::Mat bgr(9, 12, CV_32FC3);
    for (int y = 0; y < 9; ++y)
      for (int x = 0; x < 12; ++x)
        for (int k = 0; k < 3; ++k) bgr.at<cv::Vec3f>(y, x)[k] = rgb.at(x, y, 2 - k);
    for (const char* name : {"cv.exr", "cv.hdr", "cv.pfm"}) {
      CAPTURE(name);
      const auto file = dir / name;
      REQUIRE(cv::imwrite(file.string(), bgr));
      const auto ours = io::read_radiance(file);
      const cv::Mat theirs = cv::imread(file.string(), cv::IMREAD_UNCHANGED);
      CHECK(equals_bgr_mat(ours, theirs));
    }
    CHECK(bitwise_equal(io::read_radiance(dir / "cv.pfm"), rgb));
  }

  TEST_CASE("write_radiance and read_radiance errors") {
    temp_dir dir;
    const auto rgba = random_radiance(4, 4, 4, 61);
    CHECK(contains(message_of<hdrgpu::invalid_argument>([&] {
                     io::write_radiance(dir / "a.exr", rgba, io::hdr_format::exr);
                   }),
                   "a.exr"));
    const auto rgb = random_radiance(40, 30, 3, 62);
    const image_view<const float> dev(rgb.data(), 40, 30, 3, 0, channel_order::rgb, hdrgpu::memory_space::device);
    CHECK_THROWS_AS(io::write_radiance(dir / "d.pfm", dev, io::hdr_format::pfm), hdrgpu::invalid_argument);
    CHECK(dir.names().empty());

    for (const char* name : {"t.exr", "t.hdr", "t.pfm"}) {
      CAPTURE(name);
      io::write_radiance(dir / name, rgb, io::hdr_format_from_path(name));
      const std::string full = slurp(dir / name);
      spit(dir / name, full.substr(0, full.size() / 2));
      const std::string msg = message_of<hdrgpu::io_error>([&] { io::read_radiance(dir / name); });
      CHECK(contains(msg, (dir / name).string() + ": "));
    }
    CHECK(contains(message_of<hdrgpu::io_error>([&] { io::read_radiance(dir / "t.hdr"); }), "truncated"));
    CHECK(contains(message_of<hdrgpu::io_error>([&] { io::read_radiance(dir / "t.pfm"); }), "truncated PFM"));
    // A zero run length would make stb's decoder loop forever: rejected before decoding.
    io::write_radiance(dir / "z.hdr", rgb, io::hdr_format::hdr);
    std::string z = slurp(dir / "z.hdr");
    const std::size_t data = z.find('\n', z.find("\n\n") + 2) + 1;
    REQUIRE(z.substr(data, 2) == "\x02\x02");
    z[data + 4] = 0;
    spit(dir / "z.hdr", z);
    CHECK(contains(message_of<hdrgpu::io_error>([&] { io::read_radiance(dir / "z.hdr"); }), "zero-length run"));
    spit(dir / "junk.exr", "hello");
    CHECK(contains(message_of<hdrgpu::io_error>([&] { io::read_radiance(dir / "junk.exr"); }), "junk.exr"));
    CHECK(contains(message_of<hdrgpu::io_error>([&] { io::read_radiance(dir / "none.pfm"); }), "none.pfm"));
  }
}

TEST_SUITE("io.ldr") {
  TEST_CASE("to_ldr matches OpenCV's convertTo(CV_8U, 255)") {
    // OpenCV turns v * 255 >= 2^31 (and +inf) into 0 through cvRound's overflow; we saturate those to
    // 255 (checked below), so the comparison stays inside the int range.
    std::vector<float> values = {0.0f, -0.0f, -0.1f, -1e30f, 1.0f, 1.5f, 8e6f, 0.5f, 0.998f, 0.999f,
                                 std::numeric_limits<float>::quiet_NaN(), 1e-30f,
                                 -std::numeric_limits<float>::infinity()};
    // Exact ties: v with v * 255 == k + 0.5 in f32 must round to the even neighbour.
    int ties = 0;
    for (int k = 0; k < 255; ++k) {
      float v = (float(k) + 0.5f) / 255.0f;
      for (int step = 0; step < 4 && v * 255.0f != float(k) + 0.5f; ++step)
        v = std::nextafter(v, v * 255.0f < float(k) + 0.5f ? 2.0f : -2.0f);
      if (v * 255.0f == float(k) + 0.5f) {
        ++ties;
        values.push_back(v);
      }
    }
    CHECK(ties > 100);
    std::mt19937 rng(5);
    std::uniform_real_distribution<float> u(-0.1f, 1.1f);
    while (values.size() % 3 || values.size() < 3000) values.push_back(u(rng));

    const int w = int(values.size() / 3);
    const image_view<const float> view(values.data(), w, 1, 3);
    const auto ours = io::to_ldr(view);
    cv::Mat src(1, w, CV_32FC3, values.data()), ref;
    src.convertTo(ref, CV_8U, 255.0);
    CHECK(std::memcmp(ours.data(), ref.data, values.size()) == 0);

    const auto one = [](float v) { return io::to_ldr(image_view<const float>(&v, 1, 1, 1)).at(0, 0, 0); };
    CHECK(one(-0.2f) == 0);
    CHECK(one(1.2f) == 255);
    CHECK(one(std::numeric_limits<float>::quiet_NaN()) == 0);
    CHECK(one(1e30f) == 255);
    CHECK(one(std::numeric_limits<float>::infinity()) == 255);
    CHECK(one(-std::numeric_limits<float>::infinity()) == 0);
    CHECK(one(0.5f) == 128);  // 127.5 -> 128 (even)
    CHECK(one(2.5f / 255.0f) == std::uint8_t(std::lrint(2.5f / 255.0f * 255.0f)));
    for (int i = 13; i < 13 + ties; ++i) {
      const float p = values[i] * 255.0f;
      CHECK(one(values[i]) == int(p - 0.5f) + int(p - 0.5f) % 2);  // the even one of k, k+1
    }
  }

  TEST_CASE("write_ldr PNG and JPEG") {
    temp_dir dir;
    const auto f = random_radiance(20, 10, 3, 71);
    const auto ldr = io::to_ldr(f);
    io::write_ldr(dir / "a.png", f);
    CHECK(bitwise_equal(io::load_image_u8(dir / "a.png"), ldr));
    CHECK(equals_bgr_mat(ldr, cv::imread((dir / "a.png").string(), cv::IMREAD_UNCHANGED)));

    image<std::uint8_t> grey(7, 3, 1);
    for (std::size_t i = 0; i < grey.size(); ++i) grey.data()[i] = std::uint8_t(i * 11);
    io::write_ldr(dir / "g.PNG", grey);
    CHECK(bitwise_equal(io::load_image_u8(dir / "g.PNG"), grey));
    CHECK(equals_bgr_mat(grey, cv::imread((dir / "g.PNG").string(), cv::IMREAD_UNCHANGED)));

    // A larger picture with gradients (Up/Paeth rows), noise (Sub rows) and alpha: libpng (OpenCV) reads
    // back every byte.
    image<std::uint8_t> big(301, 97, 4);
    std::uint32_t seed = 5;
    for (int y = 0; y < big.height(); ++y)
      for (int x = 0; x < big.width(); ++x)
        for (int k = 0; k < 4; ++k) {
          seed = seed * 1664525u + 1013904223u;
          big.at(x, y, k) = std::uint8_t(y % 3 == 0 ? seed >> 24 : (x * (k + 1) + y * 2) & 0xff);
        }
    io::write_ldr(dir / "big.png", big);
    const cv::Mat bgra = cv::imread((dir / "big.png").string(), cv::IMREAD_UNCHANGED);
    REQUIRE(bgra.type() == CV_8UC4);
    bool same = true;
    for (int y = 0; y < big.height(); ++y)
      for (int x = 0; x < big.width(); ++x)
        for (int k = 0; k < 4; ++k) same = same && bgra.ptr<std::uint8_t>(y)[x * 4 + (k < 3 ? 2 - k : 3)] == big.at(x, y, k);
    CHECK(same);

    // A smooth image, so JPEG at quality 95 stays within a few levels.
    image<std::uint8_t> smooth(32, 16, 3);
    for (int y = 0; y < 16; ++y)
      for (int x = 0; x < 32; ++x)
        for (int k = 0; k < 3; ++k) smooth.at(x, y, k) = std::uint8_t(40 + 4 * x + 3 * y + 20 * k);
    io::write_ldr(dir / "s.jpg", smooth);
    const auto back = io::load_image_u8(dir / "s.jpg");
    REQUIRE(back.width() == 32);
    REQUIRE(back.channels() == 3);
    int worst = 0;
    for (std::size_t i = 0; i < back.size(); ++i) worst = std::max(worst, std::abs(back.data()[i] - smooth.data()[i]));
    CHECK(worst <= 6);
    CHECK(slurp(dir / "s.jpg").substr(0, 3) == "\xff\xd8\xff");

    CHECK(contains(message_of<hdrgpu::invalid_argument>([&] { io::write_ldr(dir / "x.tif", grey); }), "x.tif"));
    CHECK(dir.names() == std::vector<std::string>{"a.png", "big.png", "g.PNG", "s.jpg"});
  }
}

TEST_SUITE("io.atomic") {
  TEST_CASE("write_file_atomic replaces, cleans up, and never leaves a partial file") {
    temp_dir dir;
    const auto file = dir / "out.bin";
    io::write_file_atomic(file, std::string_view("first version, longer"));
    CHECK(slurp(file) == "first version, longer");
    const std::byte b[] = {std::byte{1}, std::byte{0}, std::byte{2}};
    io::write_file_atomic(file, std::span<const std::byte>(b));
    CHECK(slurp(file) == std::string("\x01\x00\x02", 3));
    io::write_file_atomic(file, std::string_view());
    CHECK(fs::file_size(file) == 0);
    CHECK(dir.names() == std::vector<std::string>{"out.bin"});

    const auto missing = dir / "no" / "such" / "dir" / "x.pfm";
    try {
      io::write_radiance(missing, random_radiance(2, 2, 1, 1), io::hdr_format::pfm);
      FAIL("no exception");
    } catch (const hdrgpu::io_error& e) {
      CHECK(e.path() == missing);
      CHECK(contains(e.what(), missing.string()));
    }
    CHECK(!fs::exists(missing));
    CHECK(!fs::exists(dir / "no"));

    // The target is a directory: rename fails, the temporary is removed, the directory survives.
    fs::create_directory(dir / "sub");
    CHECK(contains(message_of<hdrgpu::io_error>([&] { io::write_file_atomic(dir / "sub", std::string_view("x")); }),
                   "sub"));
    CHECK(fs::is_directory(dir / "sub"));
    CHECK(dir.names() == std::vector<std::string>{"out.bin", "sub"});

    // Replacing a file keeps the old one intact when the new one cannot be produced.
    io::write_response_csv(dir / "keep.csv", hdrgpu::response_curve::linear_robertson(3));
    const std::string before = slurp(dir / "keep.csv");
    CHECK_THROWS_AS(io::write_response_csv(dir / "keep.csv", hdrgpu::response_curve{}), hdrgpu::invalid_argument);
    CHECK(slurp(dir / "keep.csv") == before);
    CHECK(dir.names() == std::vector<std::string>{"keep.csv", "out.bin", "sub"});
  }

  TEST_CASE("a read-only directory gives io_error and no file") {
    if (::geteuid() == 0) {
      MESSAGE("running as root: permissions are not enforced, skipping the read-only check");
      return;
    }
    temp_dir dir;
    fs::create_directory(dir / "ro");
    fs::permissions(dir / "ro", fs::perms::owner_read | fs::perms::owner_exec);
    const std::string msg =
        message_of<hdrgpu::io_error>([&] { io::write_file_atomic(dir / "ro" / "f.txt", std::string_view("x")); });
    CHECK(contains(msg, "f.txt"));
    CHECK(contains(msg, "temporary"));
    fs::permissions(dir / "ro", fs::perms::owner_all);
    CHECK(fs::is_empty(dir / "ro"));
  }
}
