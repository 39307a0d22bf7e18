// Bad input at the API edge: every rejection is an exception naming the stack and the file.
#include <cmath>
#include <limits>

#include <hdrgpu/hdrgpu.hpp>

#include "support.hpp"

using namespace hdrgpu;

TEST_SUITE("stack") {

TEST_CASE("exposure_stack rejects bad exposures with messages naming stack and file") {
  image<std::uint8_t> a(8, 6, 3), b(8, 6, 3), small(4, 6, 3), grey(8, 6, 1);
  exposure_stack<std::uint8_t> s("kitchen");
  s.add(a.view(), 0.5, "a.jpg");
  CHECK_THROWS_WITH_AS(s.add(small.view(), 1.0, "small.jpg"),
                       doctest::Contains("stack 'kitchen': image 1 'small.jpg' is 4x6, expected 8x6"), invalid_argument);
  CHECK_THROWS_WITH_AS(s.add(grey.view(), 1.0, "grey.jpg"), doctest::Contains("'grey.jpg' has 1 channels"),
                       invalid_argument);
  CHECK_THROWS_WITH_AS(s.add(b.view(), 0.0, "zero.jpg"), doctest::Contains("'zero.jpg' has exposure time"),
                       invalid_argument);
  CHECK_THROWS_AS(s.add(b.view(), -1.0, "neg.jpg"), invalid_argument);
  CHECK_THROWS_AS(s.add(b.view(), std::nan(""), "nan.jpg"), invalid_argument);
  CHECK_THROWS_AS(s.add(b.view(), std::numeric_limits<double>::infinity(), "inf.jpg"), invalid_argument);
  CHECK_THROWS_AS(s.add(b.view(), 1e300, "huge.jpg"), invalid_argument);  // not representable as f32
  CHECK_THROWS_AS(s.add(image_view<const std::uint8_t>{}, 1.0, "null.jpg"), invalid_argument);
  const image_view<const std::uint8_t> bgr(b.data(), 8, 6, 3, 0, channel_order::bgr);
  CHECK_THROWS_WITH_AS(s.add(bgr, 1.0, "bgr.jpg"), doctest::Contains("different channel order"), invalid_argument);
  CHECK(s.size() == 1);  // failed adds leave the stack unchanged
  s.add(b.view(), 1.0 / 250, "b.jpg");
  CHECK(s.size() == 2);
  CHECK(s.time(1) == 1.0f / 250);
}

TEST_CASE("exposure_stack: wrong number of times, empty stack") {
  image<std::uint8_t> a(8, 6, 3), b(8, 6, 3);
  CHECK_THROWS_WITH_AS(exposure_stack<std::uint8_t>("s", {a.view(), b.view()}, {1.0f}),
                       doctest::Contains("stack 's': 2 images but 1 exposure times"), invalid_argument);
  const exposure_stack<std::uint8_t> empty("void");
  CHECK_THROWS_WITH_AS(empty.validate(), doctest::Contains("stack 'void' has no images"), invalid_argument);
  cpu_executor exec;
  CHECK_THROWS_AS(merge_debevec(exec, empty), invalid_argument);
  CHECK_THROWS_AS(merge_robertson(exec, empty), invalid_argument);
  CHECK_THROWS_AS(calibrate_robertson(exec, empty), invalid_argument);
}

TEST_CASE("image views validate their shape") {
  std::uint8_t buf[64] = {};
  CHECK_THROWS_AS(image_view<std::uint8_t>(buf, 0, 4, 3), invalid_argument);
  CHECK_THROWS_AS(image_view<std::uint8_t>(buf, 4, 4, 2), invalid_argument);
  CHECK_THROWS_AS(image_view<std::uint8_t>(buf, 4, 4, 3, 8), invalid_argument);  // pitch < row
  const image_view<std::uint8_t> v(buf, 2, 2, 3, 16);
  v.at(1, 1, 2) = 7;
  CHECK(buf[16 + 5] == 7);
}

TEST_CASE("device_spec parses --device values") {
  CHECK(device_spec::parse("auto").which == device_spec::kind::automatic);
  CHECK(device_spec::parse("cpu").which == device_spec::kind::cpu);
  CHECK(device_spec::parse("cuda:3").ordinal == 3);
  CHECK(device_spec::parse("cuda").to_string() == "cuda:0");
  for (const char* bad : {"gpu", "cuda:", "cuda:-1", "cuda:x", "CPU"}) CHECK_THROWS_AS(device_spec::parse(bad), invalid_argument);
  CHECK(cuda_available() == (cuda_device_count() > 0));
}

}  // TEST_SUITE
