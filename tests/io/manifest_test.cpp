// Batch manifests (CSV and JSON Lines) and stack discovery: accepted shapes, path resolution, and
// line-numbered errors for everything else.
#include <hdrgpu/io.hpp>

#include <unistd.h>

#include <atomic>
#include <fstream>

#include "support.hpp"

namespace fs = std::filesystem;
namespace io = hdrgpu::io;

namespace {

struct scratch_dir : hdrgpu_test::temp_dir {
  scratch_dir() : temp_dir("manifest-test") {}
};


fs::path write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
  return p;
}

// The io_error message of reading `text` as manifest `name`, or a marker that fails the checks.
std::string error_of(const scratch_dir& dir, const std::string& name, const std::string& text) {
  const fs::path file = write(dir / name, text);
  try {
    io::read_manifest(file);
  } catch (const hdrgpu::io_error& e) {
    if (e.path() != file) return "<wrong path: " + e.path().string() + ">";
    const std::string prefix = file.string() + ": ";
    const std::string what = e.what();
    return what.starts_with(prefix) ? what.substr(prefix.size()) : "<no file name: " + what + ">";
  } catch (const std::exception& e) {
    return std::string("<wrong exception type: ") + e.what() + ">";
  }
  return "<no exception>";
}

}  // namespace

TEST_SUITE("io.manifest") {
  TEST_CASE("CSV: stacks in order, relative paths against the manifest's folder, times or EXIF") {
    scratch_dir dir;
    const fs::path m = write(dir / "lists" / "run.csv",
                             "\xef\xbb\xbfid,image,time\r\n"
                             "kitchen,kitchen/a.jpg,1/250\r\n"
                             "kitchen, kitchen/b.jpg ,0.5\r\n"
                             "\r\n"
                             "garden,/data/garden/1.jpg,\n"
                             "garden,\"../odd, name \"\"2\"\".jpg\",\n"
                             "attic,x.png,2");
    const auto s = io::read_manifest(m);
    REQUIRE(s.size() == 3);
    CHECK(s[0].id == "kitchen");
    CHECK(s[0].images == std::vector<fs::path>{dir / "lists/kitchen/a.jpg", dir / "lists/kitchen/b.jpg"});
    CHECK(s[0].times == std::vector<double>{0.004, 0.5});
    CHECK(s[1].id == "garden");
    CHECK(s[1].images == std::vector<fs::path>{"/data/garden/1.jpg", dir / "odd, name \"2\".jpg"});
    CHECK(s[1].times.empty());
    CHECK(s[2].id == "attic");
    CHECK(s[2].times == std::vector<double>{2.0});

    // Without a time column every stack takes EXIF times.
    const auto t = io::read_manifest(write(dir / "two.csv", "id,image\nA,1.jpg\nA,2.jpg\n"));
    REQUIRE(t.size() == 1);
    CHECK(t[0].images.size() == 2);
    CHECK(t[0].times.empty());
  }

  TEST_CASE("CSV errors carry the line number") {
    scratch_dir dir;
    CHECK(error_of(dir, "a.csv", "") == "is empty (expected the header 'id,image,time')");
    CHECK(error_of(dir, "a.csv", "id,image,time\n") == "lists no stacks");
    CHECK(error_of(dir, "a.csv", "stack,file,seconds\n") ==
          "line 1: expected the header 'id,image,time' (or 'id,image'), found 'stack,file,seconds'");
    CHECK(error_of(dir, "a.csv", "id,image,time\na,1.jpg\n") == "line 2: 2 fields, expected 3 (id,image,time)");
    CHECK(error_of(dir, "a.csv", "id,image,time\na,1.jpg,1,2\n") == "line 2: 4 fields, expected 3 (id,image,time)");
    CHECK(error_of(dir, "a.csv", "id,image,time\na,1.jpg,1\nb,2.jpg,1\na,3.jpg,1\n") ==
          "line 4: stack id 'a' was already used on line 2 (the rows of a stack must be consecutive)");
    CHECK(error_of(dir, "a.csv", "id,image,time\na,1.jpg,1\na,2.jpg,\n") ==
          "line 3: stack 'a': has no time here but the rows before have one (give every image of a stack a time, "
          "or none for EXIF)");
    CHECK(error_of(dir, "a.csv", "id,image,time\na,1.jpg,\na,2.jpg,3\n") ==
          "line 3: stack 'a': has a time here but not on the rows before (give every image of a stack a time, "
          "or none for EXIF)");
    CHECK(error_of(dir, "a.csv", "id,image,time\n\na,1.jpg,-1\n") ==
          "line 3: invalid exposure time '-1': must be > 0 seconds");
    CHECK(error_of(dir, "a.csv", "id,image,time\na,1.jpg,fast\n") ==
          "line 2: invalid exposure time 'fast': expected a number like 0.5, 1e-3 or a fraction like 1/250");
    CHECK(error_of(dir, "a.csv", "id,image,time\na,1.jpg,1\na,./1.jpg,2\n") == "line 3: stack 'a': './1.jpg' is listed twice");
    CHECK(error_of(dir, "a.csv", "id,image,time\n,1.jpg,1\n") == "line 2: empty stack id");
    CHECK(error_of(dir, "a.csv", "id,image,time\na,,1\n") == "line 2: stack 'a': empty image path");
    CHECK(error_of(dir, "a.csv", "id,image,time\na,\"1.jpg,1\n") == "line 2: unterminated quoted field");
    CHECK(error_of(dir, "a.csv", "id,image,time\na,\"1\"x.jpg,1\n") == "line 2: text after a quoted field");
    CHECK(error_of(dir, "a.csv", "id,image,time\na,1\"x.jpg,1\n") == "line 2: a quote inside an unquoted field");
    try {
      io::read_manifest(dir / "nope.csv");
      FAIL("no exception");
    } catch (const hdrgpu::io_error& e) {
      CHECK(std::string(e.what()).find("nope.csv: cannot open: No such file") != std::string::npos);
    }
  }

  TEST_CASE("JSON Lines: ids, images, optional times as numbers or fractions, escapes") {
    scratch_dir dir;
    const fs::path m = write(dir / "set" / "run.jsonl",
                             "{\"id\": \"kitchen\", \"images\": [\"a.jpg\", \"b.jpg\"], \"times\": [0.004, \"1/60\"]}\n"
                             "\n"
                             "  {\"images\":[\"/abs/1.jpg\"],\"id\":\"garden\"}  \r\n"
                             "{\"id\": \"caf\\u00e9 \\\"q\\\" \\ud83d\\ude00\", \"images\": [\"x\\/y.png\"], \"times\": []}\n"
                             "{\"id\": \"e\", \"images\": [\"e.jpg\"], \"times\": [2.5E-1]}");
    const auto s = io::read_manifest(m);
    REQUIRE(s.size() == 4);
    CHECK(s[0].id == "kitchen");
    CHECK(s[0].images == std::vector<fs::path>{dir / "set/a.jpg", dir / "set/b.jpg"});
    CHECK(s[0].times == std::vector<double>{0.004, 1.0 / 60});
    CHECK(s[1].id == "garden");
    CHECK(s[1].images == std::vector<fs::path>{"/abs/1.jpg"});
    CHECK(s[1].times.empty());
    CHECK(s[2].id == "caf\xc3\xa9 \"q\" \xf0\x9f\x98\x80");
    CHECK(s[2].images == std::vector<fs::path>{dir / "set/x/y.png"});
    CHECK(s[2].times.empty());
    CHECK(s[3].times == std::vector<double>{0.25});

    // Another extension: the first character decides.
    CHECK(io::read_manifest(write(dir / "list.txt", "\n{\"id\": \"a\", \"images\": [\"1.jpg\"]}\n")).size() == 1);
    CHECK(io::read_manifest(write(dir / "list2.txt", "id,image\na,1.jpg\n")).size() == 1);
  }

  TEST_CASE("JSON Lines errors carry the line, and the column of a syntax error") {
    scratch_dir dir;
    const auto err = [&](const std::string& text) { return error_of(dir, "m.jsonl", text); };
    // Syntax errors come from the JSON library, whose wording may change between versions: pin where.
    const auto syntax_at = [&](const std::string& text, int column) {
      const std::string e = err(text);
      INFO(e);
      return e.starts_with("line 1: column " + std::to_string(column) + ": syntax error");
    };
    CHECK(err("") == "lists no stacks");
    CHECK(err("[1]") == "line 1: expected an object (each line is one JSON object)");
    CHECK(err("{\"id\": \"a\", \"images\": [\"1.jpg\"]}\n{\"id\": \"b\", \"image\": [\"1.jpg\"]}") ==
          "line 2: unknown key \"image\" (expected \"id\", \"images\" and optionally \"times\")");
    CHECK(err("{\"id\": \"a\", \"id\": \"b\", \"images\": [\"1.jpg\"]}") == "line 1: duplicate key \"id\"");
    CHECK(err("{\"images\": [\"1.jpg\"]}") == "line 1: missing key \"id\"");
    CHECK(err("{\"id\": \"a\"}") == "line 1: stack 'a': \"images\" is missing or empty");
    CHECK(err("{\"id\": \"a\", \"images\": []}") == "line 1: stack 'a': \"images\" is missing or empty");
    CHECK(err("{\"id\": \"a\", \"images\": [\"1.jpg\", \"2.jpg\"], \"times\": [1]}") ==
          "line 1: stack 'a': 2 images but 1 times");
    CHECK(syntax_at("{\"id\": \"a\", \"images\": [\"1.jpg\"]} x", 34));  // text after the object
    CHECK(syntax_at("{\"id\": \"a\", \"images\": [\"1.jpg\",]}", 32));
    CHECK(syntax_at("{\"id\": \"a\", \"images\": [\"1.jpg\"],}", 33));
    CHECK(syntax_at("{\"id\": \"a\", \"images\": [\"1.jpg\"]", 32));  // the line ends inside the object
    CHECK(syntax_at("{\"id\": \"a\" \"images\": [\"1.jpg\"]}", 19));  // a missing ','
    CHECK(syntax_at("{\"id\": \"a\", \"images\": [\"1.jpg\"], \"times\": [01]}", 45));  // leading zero
    CHECK(syntax_at("{\"id\": \"a\", \"images\": [\"1.jpg\"], \"times\": [.5]}", 44));
    CHECK(syntax_at("{\"id\": \"a\", \"images\": [\"1.jpg\"], \"times\": [1.]}", 46));
    CHECK(syntax_at("{\"id\": \"a\\x\", \"images\": [\"1.jpg\"]}", 11));  // invalid escape
    CHECK(syntax_at("{\"id\": \"a\\ud800\", \"images\": [\"1.jpg\"]}", 16));  // unpaired surrogate
    CHECK(syntax_at("{\"id\": \"a\tb\", \"images\": [\"1.jpg\"]}", 10));  // control character in a string
    CHECK(syntax_at("{\"id\": \"\xff\", \"images\": [\"1.jpg\"]}", 9));  // not UTF-8
    CHECK(err("{\"id\": \"a, \"images\": [\"1.jpg\"]}").starts_with("line 1: column "));
    CHECK(err("{\"id\": \"a\", \"images\": [\"1.jpg\"], \"times\": [1e999]}") ==
          "line 1: number overflow parsing '1e999'");
    // The shape of a line: errors name the key or item.
    CHECK(err("{\"id\": 7, \"images\": [\"1.jpg\"]}") == "line 1: \"id\" must be a string");
    CHECK(err("{\"id\": \"a\", \"images\": \"1.jpg\"}") == "line 1: stack 'a': \"images\" must be an array of file names");
    CHECK(err("{\"id\": \"a\", \"images\": [\"1.jpg\", 2]}") == "line 1: stack 'a': images[1] must be a string (a file name)");
    CHECK(err("{\"id\": \"a\", \"images\": [[\"1.jpg\"]]}").starts_with("line 1: values nest too deeply"));
    CHECK(err("{\"id\": \"a\", \"images\": [\"1.jpg\"], \"times\": 1}") == "line 1: stack 'a': \"times\" must be an array of seconds");
    CHECK(err("{\"id\": \"a\", \"images\": [\"1.jpg\"], \"times\": [null]}") ==
          "line 1: stack 'a': times[0]: expected a number of seconds or a string such as \"1/250\"");
    CHECK(err("{\"id\": \"a\", \"images\": [\"1.jpg\"], \"times\": [-0.5]}") ==
          "line 1: stack 'a': times[0]: exposure time must be > 0 seconds");
    CHECK(err("{\"id\": \"a\", \"images\": [\"1.jpg\", \"2.jpg\"], \"times\": [0.5, \"1/0\"]}") ==
          "line 1: stack 'a': times[1]: invalid exposure time '1/0': zero denominator");
    CHECK(err("{\"id\": \"a\", \"images\": [\"1.jpg\"]}\n{\"id\": \"a\", \"images\": [\"2.jpg\"]}") ==
          "line 2: stack id 'a' was already used on line 1");
    CHECK(err("{\"id\": \"a\", \"images\": [\"1.jpg\", \"1.jpg\"]}") == "line 1: stack 'a': '1.jpg' is listed twice");
    CHECK(err("{\"id\": \"\", \"images\": [\"1.jpg\"]}") == "line 1: empty stack id");
  }

  TEST_CASE("discover_stacks: sub-folders holding images or exposures.txt, sorted, or the folder itself") {
    scratch_dir dir;
    write(dir / "b" / "1.JPG", "x");
    write(dir / "a" / "exposures.txt", "1.png 1\n");
    write(dir / "c" / "readme.txt", "not a stack");
    write(dir / ".hidden" / "1.jpg", "x");
    write(dir / "d" / ".1.jpg", "hidden file only");
    write(dir / "e" / "deeper" / "1.jpg", "one level only");
    write(dir / "F" / "x.Jpeg", "x");
    write(dir / "notes.txt", "x");
    CHECK(io::discover_stacks(dir.path) == std::vector<fs::path>{dir / "F", dir / "a", dir / "b"});
    CHECK(io::discover_stacks(dir / "b") == std::vector<fs::path>{dir / "b"});
    CHECK(io::discover_stacks(dir / "c").empty());
    CHECK_THROWS_WITH_AS(io::discover_stacks(dir / "nothing"), doctest::Contains("nothing: no such directory"),
                         hdrgpu::io_error);
    CHECK_THROWS_WITH(io::discover_stacks(dir / "notes.txt"), doctest::Contains("notes.txt: is not a directory"));
  }
}
