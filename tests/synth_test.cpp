// hdrgpu::synth: determinism, layout, and that the images follow the stated camera model.
#include <hdrgpu/synth.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "support.hpp"

namespace {

namespace syn = hdrgpu::synth;

syn::options small(std::uint64_t seed = 1) {
  syn::options o;
  o.width = 160;
  o.height = 120;
  o.seed = seed;
  return o;
}

const hdrgpu::cpu_executor& exec2() {
  static const hdrgpu::cpu_executor e({2});
  return e;
}

template <class T>
bool same_bytes(const hdrgpu::image<T>& a, const hdrgpu::image<T>& b) {
  return a.width() == b.width() && a.height() == b.height() && a.channels() == b.channels() &&
         std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

bool identical(const syn::stack& a, const syn::stack& b) {
  if (a.name != b.name || a.times != b.times || a.images.size() != b.images.size()) return false;
  if (a.response.values() != b.response.values() || !same_bytes(a.radiance, b.radiance)) return false;
  for (std::size_t i = 0; i < a.images.size(); ++i)
    if (!same_bytes(a.images[i], b.images[i])) return false;
  return true;
}

/// The continuous noise-free level the inverse response implies for exposure x: linear in log
/// exposure between bin centres; -1 below level 0's exposure, 256 above level 255's.
double level_of(const hdrgpu::response_curve& r, int c, double x) {
  if (x <= r(0, c)) return -1.0;
  if (x >= r(255, c)) return 256.0;
  int lo = 0, hi = 255;  // r(lo) < x < r(hi)
  while (hi - lo > 1) {
    const int mid = (lo + hi) / 2;
    (x < r(mid, c) ? hi : lo) = mid;
  }
  return lo + std::log(x / r(lo, c)) / std::log(double(r(hi, c)) / r(lo, c));
}

}  // namespace

TEST_SUITE("synth") {

TEST_CASE("synth: invalid options throw invalid_argument") {
  const auto bad = [](auto edit, int index = 0) {
    syn::options o = small();
    edit(o);
    CHECK_THROWS_AS(syn::render(exec2(), o, index), hdrgpu::invalid_argument);
  };
  bad([](syn::options& o) { o.width = 0; });
  bad([](syn::options& o) { o.height = -3; });
  bad([](syn::options& o) { o.exposures = 0; });
  bad([](syn::options& o) { o.stops = 0.0; });
  bad([](syn::options& o) { o.stops = std::nan(""); });
  bad([](syn::options& o) { o.noise = -0.1; });
  bad([](syn::options& o) { o.noise = INFINITY; });
  bad([](syn::options& o) { o.exposures = 40, o.stops = 10.0; });  // times beyond f32
  bad([](syn::options&) {}, -1);
  CHECK_NOTHROW(syn::validate(small()));
}

TEST_CASE("synth: deterministic and independent of the thread count") {
  syn::options o = small();
  o.width = 173;  // rows do not split evenly over threads
  o.height = 91;
  const hdrgpu::cpu_executor one({1});
  const auto a = syn::render(exec2(), o, 3);
  CHECK(identical(a, syn::render(exec2(), o, 3)));
  CHECK(identical(a, syn::render(one, o, 3)));

  const auto other_index = syn::render(exec2(), o, 4);
  o.seed = 2;
  const auto other_seed = syn::render(exec2(), o, 3);
  for (const syn::stack* s : {&other_index, &other_seed}) {
    CHECK_FALSE(same_bytes(a.radiance, s->radiance));
    for (std::size_t i = 0; i < a.images.size(); ++i) CHECK_FALSE(same_bytes(a.images[i], s->images[i]));
  }
  CHECK(a.response.values() == other_index.response.values());  // one camera per dataset
  CHECK(a.response.values() != other_seed.response.values());
}

TEST_CASE("synth: sizes, types, channel order and name") {
  struct shape { int w, h, k; };
  for (const shape sh : {shape{160, 120, 5}, shape{37, 200, 1}, shape{1, 1, 2}, shape{64, 48, 7}, shape{3000, 2, 2}}) {
    const int w = sh.w, h = sh.h, k = sh.k;
    syn::options o = small();
    o.width = w;
    o.height = h;
    o.exposures = k;
    const auto s = syn::render(exec2(), o, 12);
    CHECK(s.name == "stack_0012");
    CHECK(s.radiance.width() == w);
    CHECK(s.radiance.height() == h);
    CHECK(s.radiance.channels() == 3);
    CHECK(s.radiance.order() == hdrgpu::channel_order::rgb);
    CHECK(s.response.levels() == 256);
    CHECK(s.response.channels() == 3);
    CHECK(s.response.order() == hdrgpu::channel_order::rgb);
    REQUIRE(s.times.size() == std::size_t(k));
    REQUIRE(s.images.size() == std::size_t(k));
    for (const auto& im : s.images) {
      CHECK(im.width() == w);
      CHECK(im.height() == h);
      CHECK(im.channels() == 3);
      CHECK(im.order() == hdrgpu::channel_order::rgb);
    }
    CHECK(std::all_of(s.radiance.data(), s.radiance.data() + s.radiance.size(),
                      [](float v) { return std::isfinite(v) && v > 0.0f; }));
  }
}

TEST_CASE("synth: exposure times increase `stops` apart around 1/64 s") {
  struct bracket { int k; double stops; };
  for (const bracket b : {bracket{5, 2.0}, bracket{4, 1.5}, bracket{3, 3.0}, bracket{1, 2.0}}) {
    const int k = b.k;
    const double stops = b.stops;
    syn::options o = small();
    o.width = o.height = 8;
    o.exposures = k;
    o.stops = stops;
    const auto t = syn::render(exec2(), o, 0).times;
    REQUIRE(t.size() == std::size_t(k));
    for (std::size_t i = 1; i < t.size(); ++i) {
      CHECK(t[i] > t[i - 1]);
      CHECK(std::log2(double(t[i]) / t[i - 1]) == doctest::Approx(stops).epsilon(1e-6));
    }
    CHECK(std::log2(double(t.front())) + std::log2(double(t.back())) == doctest::Approx(-12.0).epsilon(1e-6));
  }
}

TEST_CASE("synth: inverse response is positive, strictly increasing, equal across channels at 128") {
  for (std::uint64_t seed : {1u, 2u, 77u}) {
    syn::options o = small(seed);
    o.width = o.height = 4;
    const auto r = syn::render(exec2(), o, 0).response;
    for (int c = 0; c < 3; ++c) {
      CHECK(std::isfinite(r(0, c)));
      CHECK(r(0, c) > 0.0f);
      CHECK(std::isfinite(r(255, c)));
      for (int z = 1; z < 256; ++z) CHECK_MESSAGE(r(z, c) > r(z - 1, c), "z=" << z << " c=" << c);
      CHECK(r(128, c) == 1.0f);
    }
    CHECK(r(235, 0) != r(235, 2));  // the channels' shapes do differ
    CHECK(r(20, 0) != r(20, 1));
  }
}

TEST_CASE("synth: the bracket exposes every pixel well somewhere and clips little") {
  struct which { std::uint64_t seed; int index, exposures; double stops, noise; };
  for (const which wh : {which{1, 0, 5, 2.0, 0.6}, which{1, 1, 5, 2.0, 0.6}, which{1, 2, 5, 2.0, 0.6},
                         which{2, 7, 5, 2.0, 0.6}, which{9, 3, 5, 2.0, 0.6}, which{4, 4, 3, 3.5, 1.0},
                         which{5, 5, 8, 1.0, 0.0}, which{6, 6, 4, 2.5, 1.0}, which{7, 7, 3, 6.0, 1.0}}) {
    syn::options o = small(wh.seed);
    o.exposures = wh.exposures;
    o.stops = wh.stops;
    o.noise = wh.noise;
    const int index = wh.index;
    CAPTURE(index);
    const auto s = syn::render(exec2(), o, index);
    const std::size_t n = s.radiance.pixels();
    std::vector<char> well(n, 0);
    for (std::size_t i = 0; i < s.images.size(); ++i) {
      std::size_t clipped = 0;
      double sum = 0;
      for (std::size_t p = 0; p < n; ++p) {
        const std::uint8_t* q = s.images[i].data() + 3 * p;
        bool clip = false, ok = true;
        for (int c = 0; c < 3; ++c) {
          clip |= q[c] == 0 || q[c] == 255;
          ok &= q[c] >= 20 && q[c] <= 235;
          sum += q[c];
        }
        clipped += clip;
        well[p] |= ok;
      }
      if (o.stops <= 2.5)  // a wider bracket's ends are meant to clip most of the scene
        CHECK_MESSAGE(clipped < n / 2, "image " << i << " clips " << clipped << " of " << n << " pixels");
      if (s.images.size() % 2 == 1 && i == s.images.size() / 2) {  // the middle exposure: mid-range
        CHECK(sum / (3.0 * n) > 60.0);
        CHECK(sum / (3.0 * n) < 190.0);
      }
    }
    CHECK(std::count(well.begin(), well.end(), 0) == 0);
    const auto [lo, hi] = std::minmax_element(s.radiance.data(), s.radiance.data() + s.radiance.size());
    CHECK(*hi / *lo > 3e3f);  // a wide dynamic range...
    CHECK(*hi / *lo < 1e5f);  // ...that the default bracket can cover
  }
}

TEST_CASE("synth: noise-free images follow the inverse response within quantisation") {
  syn::options o = small();
  o.noise = 0.0;
  for (int index : {0, 5}) {
    const auto s = syn::render(exec2(), o, index);
    std::size_t mismatches = 0, interior = 0;
    double worst = 0;
    for (std::size_t i = 0; i < s.images.size(); ++i)
      for (std::size_t j = 0; j < s.radiance.size(); ++j) {
        const int c = int(j % 3), z = s.images[i].data()[j];
        const double v = level_of(s.response, c, double(s.radiance.data()[j]) * s.times[i]);
        if (v < 0.0) mismatches += z != 0;
        else if (v > 255.0) mismatches += z != 255;
        else {
          ++interior;
          worst = std::max(worst, std::abs(z - v));
        }
      }
    CHECK(mismatches == 0);
    CHECK(interior > s.radiance.size() * s.images.size() / 2);
    CHECK(worst <= 0.5 + 0.03);  // + interpolating the inverse between bin centres
  }
}

TEST_CASE("synth: noise has the requested standard deviation") {
  for (double sigma : {0.6, 2.0}) {
    CAPTURE(sigma);
    syn::options o = small(3);
    o.noise = sigma;
    const auto noisy = syn::render(exec2(), o, 1);
    o.noise = 0.0;
    const auto clean = syn::render(exec2(), o, 1);
    CHECK(same_bytes(noisy.radiance, clean.radiance));
    double sum = 0, sum2 = 0, n = 0;
    int worst = 0;
    for (std::size_t i = 0; i < noisy.images.size(); ++i)
      for (std::size_t j = 0; j < noisy.radiance.size(); ++j) {
        const int z = noisy.images[i].data()[j], z0 = clean.images[i].data()[j];
        const double v = level_of(noisy.response, int(j % 3), double(noisy.radiance.data()[j]) * noisy.times[i]);
        if (v < 30.0 || v > 225.0) continue;  // mid-tones: no clipping
        worst = std::max(worst, std::abs(z - z0));
        sum += z - v;
        sum2 += (z - v) * (z - v);
        n += 1;
      }
    REQUIRE(n > 10000);
    const double mean = sum / n;
    // Sheppard's correction removes the rounding's 1/12 level^2 from the variance.
    const double sd = std::sqrt(sum2 / n - mean * mean - 1.0 / 12.0);
    CHECK(std::abs(mean) < 0.05);
    CHECK(sd == doctest::Approx(sigma).epsilon(0.05));
    CHECK(std::sqrt(sum2 / n - mean * mean) == doctest::Approx(sigma).epsilon(0.2));  // uncorrected
    CHECK(worst <= int(std::ceil(2 * std::sqrt(3.0) * sigma)) + 1);  // Irwin-Hall noise is bounded
  }
}

}  // TEST_SUITE
