// Merges a tiny two-exposure stack through the installed library and checks the result.
#include <hdrgpu/hdrgpu.hpp>

#include <cmath>
#include <cstdio>

int main() {
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
  std::printf("hdrgpu %s consumer ok (cuda in build: %d)\n", HDRGPU_VERSION_STRING, int(hdrgpu::build_has_cuda));
  return 0;
}
