// Replays inputs through a fuzz target without libFuzzer, in any build (GCC included):
//
//   hdrgpu_fuzz_replay_<target> PATH...
//
// Each PATH is a file or a directory (searched recursively, hidden entries included, in sorted order).
// Every file is passed to LLVMFuzzerTestOneInput once. An exception escaping it (anything the target
// does not expect: see fuzz_common.hpp) is reported with the file's name and makes the exit status 1;
// a crash or sanitizer report ends the process as it would under libFuzzer. Arguments starting with
// '-' are ignored, so libFuzzer-style command lines work. A PATH that does not exist is an error.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace fs = std::filesystem;

bool read_file(const fs::path& file, std::vector<std::uint8_t>& out) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<fs::path> files;
  int errors = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.starts_with("-")) continue;
    std::error_code ec;
    if (fs::is_directory(arg, ec)) {
      std::vector<fs::path> found;
      for (fs::recursive_directory_iterator it(arg, ec), end; !ec && it != end; it.increment(ec))
        if (it->is_regular_file(ec)) found.push_back(it->path());
      if (ec) {
        std::fprintf(stderr, "%s: cannot list: %s\n", arg.c_str(), ec.message().c_str());
        ++errors;
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::exists(arg, ec)) {
      files.emplace_back(arg);
    } else {
      std::fprintf(stderr, "%s: no such file or directory\n", arg.c_str());
      ++errors;
    }
  }

  std::size_t replayed = 0, bytes = 0;
  int failed = 0;
  std::vector<std::uint8_t> data;
  for (const fs::path& f : files) {
    if (!read_file(f, data)) {
      std::fprintf(stderr, "%s: cannot read\n", f.c_str());
      ++errors;
      continue;
    }
    try {
      // A copy of exactly the file's size, so ASan sees reads past the input's end.
      const std::vector<std::uint8_t> input(data);
      LLVMFuzzerTestOneInput(input.data(), input.size());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "FAILED %s: uncaught exception: %s\n", f.c_str(), e.what());
      ++failed;
    } catch (...) {
      std::fprintf(stderr, "FAILED %s: uncaught exception of an unknown type\n", f.c_str());
      ++failed;
    }
    ++replayed;
    bytes += data.size();
  }
  std::printf("replayed %zu inputs (%zu bytes): %d failed, %d unreadable or missing paths\n", replayed, bytes, failed,
              errors);
  return failed || errors ? 1 : 0;
}
