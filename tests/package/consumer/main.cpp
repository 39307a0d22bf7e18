// Uses every component of an installed hdrgpu: a merge (core), a radiance file written and read back (io)
// and the batch engine's shard parser (pipeline).
#include <hdrgpu/hdrgpu.hpp>
#include <hdrgpu/io.hpp>
#include <hdrgpu/pipeline.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>

int main(int argc, char** argv) {
  hdrgpu::image<std::uint8_t> dark(4, 4, 3), bright(4, 4, 3);
  for (std::size_t i = 0; i < dark.size(); ++i) {
    dark.data()[i] = 64;
    bright.data()[i] = 128;
  }
  hdrgpu::exposure_stack<std::uint8_t> stack("consumer", {dark.view(), bright.view()}, {1.0f, 2.0f});
  hdrgpu::cpu_executor exec({.threads = 2});
  const hdrgpu::radiance_map hdr = hdrgpu::merge_debevec(exec, stack);
  // Linear response: both exposures say radiance 64 (64/1 and 128/2).
  if (std::abs(hdr.at(0, 0, 0) - 64.0f) > 1e-3f) {
    std::fprintf(stderr, "unexpected radiance %g\n", double(hdr.at(0, 0, 0)));
    return 1;
  }
  const std::filesystem::path file = std::filesystem::path(argc > 1 ? argv[1] : ".") / "consumer.exr";
  hdrgpu::io::write_radiance(file, hdr.view(), hdrgpu::io::hdr_format::exr);
  if (hdrgpu::io::read_radiance(file).at(3, 3, 2) != hdr.at(3, 3, 2)) {
    std::fprintf(stderr, "EXR round trip changed a value\n");
    return 1;
  }
  if (hdrgpu::pipeline::shard::parse("1/4").count != 4) return 1;
  std::printf("hdrgpu %s consumer ok (cuda in build: %d)\n", HDRGPU_VERSION_STRING, int(hdrgpu::build_has_cuda));
  return 0;
}
