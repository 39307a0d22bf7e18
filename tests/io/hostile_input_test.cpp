// Hostile and odd input at the io layer: special files, size caps, decompression bombs, out of memory
// while decoding, exposures.txt paths that leave the stack folder, control characters and very long
// names in messages, a BOM in response CSVs. Plus the executor's and the launcher's limits.
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <new>
#include <string>

#include <hdrgpu/error.hpp>
#include <hdrgpu/executor.hpp>
#include <hdrgpu/io.hpp>
#include <hdrgpu/pipeline.hpp>

#include "support.hpp"

namespace fs = std::filesystem;
namespace io = hdrgpu::io;
using hdrgpu::image;

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::vector<std::uint8_t> slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

void spit(const fs::path& p, const std::vector<std::uint8_t>& bytes) {
  std::ofstream f(p, std::ios::binary);
  f.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

/// What `fn` throws as an hdrgpu::error, or "" when it does not throw.
template <class Fn>
std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const hdrgpu::error& e) {
    return e.what();
  }
  return "";
}

/// A small stack folder of three PNGs and its exposures.txt.
void make_png_stack(const fs::path& dir, int w = 24, int h = 16) {
  fs::create_directories(dir);
  for (int k = 0; k < 3; ++k) {
    image<std::uint8_t> img(w, h, 3);
    for (std::size_t i = 0; i < img.size(); ++i) img.data()[i] = std::uint8_t(20 + 60 * k + i % 17);
    io::write_ldr(dir / ("e" + std::to_string(k) + ".png"), img.view());
  }
  std::ofstream(dir / "exposures.txt") << "e0.png 1/100\ne1.png 1/25\ne2.png 1/6\n";
}

/// `jpeg` with the frame header (SOF0/1/2) claiming width x height.
std::vector<std::uint8_t> jpeg_claiming(std::vector<std::uint8_t> jpeg, int width, int height) {
  for (std::size_t i = 2; i + 9 < jpeg.size(); ++i)
    if (jpeg[i] == 0xff && (jpeg[i + 1] == 0xc0 || jpeg[i + 1] == 0xc1 || jpeg[i + 1] == 0xc2)) {
      jpeg[i + 5] = std::uint8_t(height >> 8), jpeg[i + 6] = std::uint8_t(height);
      jpeg[i + 7] = std::uint8_t(width >> 8), jpeg[i + 8] = std::uint8_t(width);
      return jpeg;
    }
  FAIL("no SOF marker");
  return jpeg;
}

/// `png` with IHDR claiming width x height (stb does not check the CRC).
std::vector<std::uint8_t> png_claiming(std::vector<std::uint8_t> png, std::uint32_t width, std::uint32_t height) {
  REQUIRE(png.size() > 24);
  for (int k = 0; k < 4; ++k) {
    png[16 + k] = std::uint8_t(width >> (24 - 8 * k));
    png[20 + k] = std::uint8_t(height >> (24 - 8 * k));
  }
  return png;
}

struct env_var {
  std::string name;
  env_var(std::string n, const std::string& value) : name(std::move(n)) { ::setenv(name.c_str(), value.c_str(), 1); }
  ~env_var() { ::unsetenv(name.c_str()); }
};

}  // namespace

TEST_SUITE("io.hostile") {
  TEST_CASE("devices, FIFOs and sockets are refused without being read, directly or through a link") {
    hdrgpu_test::temp_dir t("hostile");
    const fs::path fifo = t / "fifo.png";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    fs::create_symlink("/dev/zero", t / "zero.png");
    fs::create_symlink(fifo, t / "link-to-fifo.png");
    const fs::path sock = t / "sock.png";
    const int s = ::socket(AF_UNIX, SOCK_STREAM, 0);
    REQUIRE(s >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    REQUIRE(sock.native().size() < sizeof addr.sun_path);
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", sock.c_str());
    REQUIRE(::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);

    // Each would hang (FIFO) or never end (/dev/zero) if it were opened and read.
    CHECK(contains(error_of([&] { io::load_image(fifo); }), "fifo.png: is a FIFO (named pipe), not a regular file"));
    CHECK(contains(error_of([&] { io::load_image(t / "link-to-fifo.png"); }), "is a FIFO"));
    CHECK(contains(error_of([&] { io::load_image(t / "zero.png"); }), "zero.png: is a character device"));
    CHECK(contains(error_of([&] { io::load_image(sock); }), "is a socket"));
    CHECK(contains(error_of([&] { io::load_image(t.path); }), "is a directory"));
    CHECK(contains(error_of([&] { io::read_exif(t / "zero.png"); }), "character device"));
    CHECK(contains(error_of([&] { io::read_response_csv(t / "zero.png"); }), "character device"));
    CHECK(contains(error_of([&] { io::read_radiance(t / "zero.png"); }), "character device"));

    const fs::path stack = t / "stack";
    make_png_stack(stack);
    fs::remove(stack / "exposures.txt");
    fs::create_symlink("/dev/zero", stack / "exposures.txt");
    CHECK(contains(error_of([&] { io::load_stack(stack); }), "exposures.txt: is a character device"));
    fs::remove(stack / "exposures.txt");
    REQUIRE(::mkfifo((stack / "exposures.txt").c_str(), 0600) == 0);
    CHECK(contains(error_of([&] { io::load_stack(stack); }), "exposures.txt: is a FIFO"));
    fs::create_symlink("/dev/zero", t / "manifest.csv");
    CHECK(contains(error_of([&] { io::read_manifest(t / "manifest.csv"); }), "character device"));
    ::close(s);
  }

  TEST_CASE("every read has a size cap") {
    hdrgpu_test::temp_dir t("hostile");
    // Sparse files: the size is real to stat() and read(), but costs no disk.
    const auto sparse = [&](const std::string& name, std::uint64_t size) {
      const fs::path p = t / name;
      std::ofstream(p).put('x');
      fs::resize_file(p, size);
      return p;
    };
    const fs::path txt = sparse("exposures.txt", io::max_text_file_bytes + 1);
    const std::string e = error_of([&] { io::read_exposures(txt); });
    CHECK(contains(e, "exposures.txt: is " + std::to_string(io::max_text_file_bytes + 1) + " bytes, more than the limit"));
    CHECK(contains(error_of([&] { io::read_response_csv(sparse("r.csv", io::max_text_file_bytes + 1)); }), "more than the limit"));
    CHECK(contains(error_of([&] { io::load_image(sparse("big.png", io::max_image_file_bytes + 1)); }), "more than the limit"));
    // At the cap the file is read (and then fails for what it is, not for its size).
    const std::string at_cap = error_of([&] { io::read_exposures(sparse("ok.txt", 1 << 20)); });
    CHECK_FALSE(contains(at_cap, "limit"));
  }

  TEST_CASE("decompression bombs: the header's pixel count is checked before anything is allocated") {
    hdrgpu_test::temp_dir t("hostile");
    make_png_stack(t / "s");
    const auto png = slurp(t / "s" / "e0.png");
    // A 24x16 PNG whose header claims 17000 x 17000: refused from the header, at once. (stb itself
    // refuses headers over 2^30 bytes before the pixel limit is asked.)
    const auto bomb = png_claiming(png, 17000, 17000);
    const std::string e = error_of([&] { io::decode_image(bomb, {}, "bomb.png"); });
    CHECK(contains(e, "bomb.png: the header says 17000x17000 = 289000000 pixels, more than the limit of " +
                          std::to_string(io::default_max_pixels)));
    const std::string huge = error_of([&] { io::decode_image(png_claiming(png, 65500, 65500), {}, "huge.png"); });
    CAPTURE(huge);
    CHECK(contains(huge, "huge.png: corrupt PNG header"));
    // The same for a JPEG (through TurboJPEG's header).
    image<std::uint8_t> small(32, 32, 3);
    io::write_ldr(t / "small.jpg", small.view());
    const auto jbomb = jpeg_claiming(slurp(t / "small.jpg"), 65500, 65500);
    CHECK(contains(error_of([&] { io::decode_image(jbomb, {}, "bomb.jpg"); }), "65500x65500 = 4290250000 pixels"));
    // The limit is settable: 24x16 = 384 pixels.
    io::decode_options tight;
    tight.max_pixels = 383;
    CHECK(contains(error_of([&] { io::decode_image(png, tight, "e0.png"); }), "384 pixels, more than the limit of 383"));
    tight.max_pixels = 384;
    CHECK(error_of([&] { io::decode_image(png, tight, "e0.png"); }).empty());
    tight.max_pixels = 0;  // no limit
    CHECK(error_of([&] { io::decode_image(png, tight, "e0.png"); }).empty());
    image<std::uint8_t> dst(24, 16, 3);
    tight.max_pixels = 100;
    CHECK(contains(error_of([&] { io::decode_into(png, dst.view(), tight, "e0.png"); }), "more than the limit of 100"));

    // In a stack: the error names the stack and the file.
    spit(t / "s" / "e1.png", bomb);
    CHECK(contains(error_of([&] { io::load_stack(t / "s"); }), "stack 's': e1.png: the header says 17000x17000"));
  }

  TEST_CASE("a stack's headers are all read before any image is decoded, and out of memory names the file") {
    hdrgpu_test::temp_dir t("hostile");
    make_png_stack(t / "s", 24, 16);
    int decoded = 0, calls = 0;
    io::load_options o;
    o.allocator.allocate = [&](std::size_t n) {
      ++decoded;
      return ::operator new(n);
    };
    o.allocator.deallocate = [](void* p) { ::operator delete(p); };
    o.before_decode = [&](std::span<const io::image_info> headers) {
      ++calls;
      CHECK(decoded == 0);
      REQUIRE(headers.size() == 3);
      for (const auto& h : headers) CHECK((h.width == 24 && h.height == 16 && h.channels == 3 && h.bit_depth == 8));
    };
    CHECK(io::load_stack(t / "s", o).images.size() == 3);
    CHECK(calls == 1);
    CHECK(decoded == 3);

    // The hook can refuse the stack (the batch engine does when it cannot reserve the memory).
    o.before_decode = [](std::span<const io::image_info>) { throw hdrgpu::invalid_argument("no room for it"); };
    CHECK(contains(error_of([&] { io::load_stack(t / "s", o); }), "no room for it"));

    // An allocation that fails is the stack's error, naming the file, not a bare std::bad_alloc.
    o.before_decode = nullptr;
    o.allocator.allocate = [](std::size_t) -> void* { throw std::bad_alloc(); };
    const std::string e = error_of([&] { io::load_stack(t / "s", o); });
    CHECK(contains(e, "stack 's': e0.png: out of memory decoding a 24x16x3 image"));
  }

  TEST_CASE("exposures.txt names files inside its stack folder, subfolders included") {
    hdrgpu_test::temp_dir t("hostile");
    make_png_stack(t / "s");
    make_png_stack(t / "other");
    fs::create_directories(t / "s" / "sub");
    fs::rename(t / "s" / "e2.png", t / "s" / "sub" / "e2.png");
    std::ofstream(t / "s" / "exposures.txt") << "e0.png 1/100\ne1.png 1/25\nsub/e2.png 1/6\n";
    CHECK(io::load_stack(t / "s").files == std::vector<std::string>{"e0.png", "e1.png", "sub/e2.png"});
    for (const std::string& bad : std::vector<std::string>{"../other/e0.png", (t / "other" / "e0.png").string(), "sub/../../other/e0.png"}) {
      CAPTURE(bad);
      std::ofstream(t / "s" / "exposures.txt") << "e0.png 1/100\n" << bad << " 1/25\n";
      const std::string e = error_of([&] { io::load_stack(t / "s"); });
      CHECK(contains(e, "line 2: '" + bad + "' is not inside the stack folder"));
    }
  }

  TEST_CASE("control characters are refused, never cut a message, and long names are shortened") {
    hdrgpu_test::temp_dir t("hostile");
    make_png_stack(t / "s");
    // A NUL and an escape inside a file name: refused, shown as \x00 / \x1b, and the text after them kept.
    std::ofstream(t / "s" / "exposures.txt", std::ios::binary)
        << "e0.png 1/100\n" << std::string("a\0b\x1b[31mred.png", 15) << " 1/25\n";
    std::string e = error_of([&] { io::load_stack(t / "s"); });
    CAPTURE(e);
    CHECK(contains(e, "line 2: the file name 'a\\x00b\\x1b[31mred.png' has control characters"));
    // A 5000-byte name is shown shortened, with its length.
    std::ofstream(t / "s" / "exposures.txt") << "e0.png 1/100\n" << std::string(5000, 'n') << ".png 1/25\n";
    e = error_of([&] { io::load_stack(t / "s"); });
    CHECK(contains(e, "(5004 bytes)"));
    CHECK(e.size() < 600);
    // Manifest ids and paths with control characters (here from a JSON escape) are refused.
    std::ofstream(t / "m.jsonl") << R"({"id": "a\u0007b", "images": ["s/e0.png"]})" << "\n";
    CHECK(contains(error_of([&] { io::read_manifest(t / "m.jsonl"); }), "stack id 'a\\x07b' has control characters"));
    std::ofstream(t / "m.csv") << "id,image\nx,\"s/e\x01.png\"\n";
    CHECK(contains(error_of([&] { io::read_manifest(t / "m.csv"); }), "the image path 's/e\\x01.png' has control characters"));
  }

  TEST_CASE("a response CSV may start with a byte-order mark") {
    hdrgpu_test::temp_dir t("hostile");
    std::string csv;
    for (int i = 0; i < 256; ++i) csv += std::to_string(0.01 * (i + 1)) + "," + std::to_string(0.02 * (i + 1)) + "," + std::to_string(0.03 * (i + 1)) + "\n";
    std::ofstream(t / "plain.csv") << csv;
    std::ofstream(t / "bom.csv") << "\xef\xbb\xbf" << csv;
    const auto a = io::read_response_csv(t / "plain.csv");
    const auto b = io::read_response_csv(t / "bom.csv");
    REQUIRE(a.levels() == 256);
    REQUIRE(b.levels() == 256);
    for (int c = 0; c < 3; ++c)
      for (int i = 0; i < 256; i += 51) CHECK(a(i, c) == b(i, c));
  }
}

TEST_SUITE("resources") {
  TEST_CASE("cpu_executor caps its thread count and reports a thread it cannot create") {
    CHECK(hdrgpu::cpu_executor(hdrgpu::cpu_executor::options{1u << 30}).threads() == hdrgpu::cpu_executor::max_threads());
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    MESSAGE("skipped under a sanitizer: its address-space reservations defeat RLIMIT_AS");
#else
    // Lower the address-space limit to just above what the process uses: a thread's 8 MiB stack then
    // cannot be mapped, and the pool fails partway. It must stop the threads it did start (not deadlock
    // or terminate) and say why.
    rlimit old{};
    REQUIRE(::getrlimit(RLIMIT_AS, &old) == 0);
    long pages = 0;
    {
      std::ifstream statm("/proc/self/statm");
      statm >> pages;
    }
    REQUIRE(pages > 0);
    rlimit tight = old;
    tight.rlim_cur = rlim_t(pages) * rlim_t(::sysconf(_SC_PAGESIZE)) + (rlim_t(24) << 20);
    REQUIRE(::setrlimit(RLIMIT_AS, &tight) == 0);
    std::string e;
    try {
      const hdrgpu::cpu_executor many(hdrgpu::cpu_executor::options{48});
    } catch (const hdrgpu::error& err) {
      e = err.what();
    }
    REQUIRE(::setrlimit(RLIMIT_AS, &old) == 0);
    CHECK(contains(e, "cannot start 48 CPU threads"));
    CHECK(contains(e, "use fewer threads"));
    // And the process is fine afterwards.
    CHECK(hdrgpu::cpu_executor(hdrgpu::cpu_executor::options{4}).threads() == 4);
#endif
  }

  TEST_CASE("a launcher's rank must be below its size") {
    using hdrgpu::pipeline::shard;
    {
      const env_var r("OMPI_COMM_WORLD_RANK", "1"), s("OMPI_COMM_WORLD_SIZE", "4");
      const shard p = shard::from_environment();
      CHECK(p.index == 1);
      CHECK(p.count == 4);
      CHECK(p.source == "openmpi");
    }
    {
      const env_var r("OMPI_COMM_WORLD_RANK", "4"), s("OMPI_COMM_WORLD_SIZE", "4");
      const std::string e = error_of([] { shard::from_environment(); });
      CHECK(contains(e, "OMPI_COMM_WORLD_RANK=4, OMPI_COMM_WORLD_SIZE=4: the rank must be in 0..3"));
    }
    {
      const env_var r("PMI_RANK", "0");
      CHECK(contains(error_of([] { shard::from_environment(); }), "PMI_SIZE is not set"));
    }
    {
      const env_var r("SLURM_PROCID", "x"), s("SLURM_NTASKS", "2");
      CHECK(contains(error_of([] { shard::from_environment(); }), "(slurm): SLURM_PROCID=x, SLURM_NTASKS=2: not integers"));
    }
    {
      const env_var r("SLURM_PROCID", "0"), s("SLURM_NTASKS", "0");
      CHECK(contains(error_of([] { shard::from_environment(); }), "the size must be at least 1"));
    }
    CHECK(shard::from_environment().count == 1);
  }
}
