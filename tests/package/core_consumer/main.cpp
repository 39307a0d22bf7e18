// Uses hdrgpu::core alone: a Mertens fusion and a tonemap of a tiny stack.
#include <hdrgpu/hdrgpu.hpp>

#include <cstdio>

int main() {
  hdrgpu::image<std::uint8_t> a(8, 6, 3), b(8, 6, 3);
  for (std::size_t i = 0; i < a.size(); ++i) {
    a.data()[i] = std::uint8_t(40 + i % 50);
    b.data()[i] = std::uint8_t(120 + i % 90);
  }
  hdrgpu::exposure_stack<std::uint8_t> stack("core", {a.view(), b.view()}, {1.0f, 4.0f});
  const hdrgpu::cpu_executor exec({.threads = 2});
  const auto fused = hdrgpu::merge_mertens(exec, stack);
  const auto tm = hdrgpu::tonemap_drago(exec, hdrgpu::merge_debevec(exec, stack).view());
  for (std::size_t i = 0; i < tm.size(); ++i)
    // [0, 1] up to the rounding of OpenCV's normalisation, which Drago reproduces (e.g. -2e-15).
    if (!(tm.data()[i] >= -1e-6f && tm.data()[i] <= 1.0f + 1e-6f)) return 1;
  std::printf("hdrgpu %s core consumer ok (%dx%d)\n", HDRGPU_VERSION_STRING, fused.width(), fused.height());
  return 0;
}
