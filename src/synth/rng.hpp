// A small seeded random stream for the demo generator. Our own (xoshiro256** seeded by
// splitmix64, Box-Muller normals) so the demo is byte-identical across compilers and libstdc++s.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

namespace kg::synth {

class Rng {
 public:
  /// `stream` separates independent draws from one seed (genes, targets, noise, ...), so a
  /// change in how many numbers one part draws does not shift every other part.
  explicit Rng(uint64_t seed, uint64_t stream = 0) {
    uint64_t x = seed * 0x9E3779B97F4A7C15ULL ^ (stream + 0x632BE59BD9B4E019ULL);
    for (auto& w : s_) w = splitmix(x);
  }

  uint64_t next() {
    uint64_t r = rotl(s_[1] * 5, 7) * 9, t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return r;
  }
  /// Uniform in [0, 1).
  double uniform() { return double(next() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  /// Uniform integer in [0, n); n > 0.
  int64_t below(int64_t n) { return int64_t(uniform() * double(n)); }
  bool chance(double p) { return uniform() < p; }
  /// Standard normal (Box-Muller; the second value is kept for the next call).
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u1 = 1.0 - uniform(), u2 = uniform();
    double r = std::sqrt(-2.0 * std::log(u1)), a = 6.283185307179586 * u2;
    spare_ = r * std::sin(a);
    has_spare_ = true;
    return r * std::cos(a);
  }
  double normal(double mean, double sd) { return mean + sd * normal(); }
  /// Poisson-like count with the given mean, at least `lo` (mean - lo spread as a geometric tail).
  int64_t count(double mean, int64_t lo) {
    int64_t n = lo;
    double p = mean - double(lo);
    if (p <= 0) return lo;
    double q = p / (1.0 + p);  // geometric with mean p
    while (chance(q)) ++n;
    return n;
  }
  template <typename T>
  void shuffle(std::vector<T>& v) {
    for (int64_t i = int64_t(v.size()) - 1; i > 0; --i) std::swap(v[i], v[below(i + 1)]);
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static uint64_t splitmix(uint64_t& x) {
    uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  uint64_t s_[4];
  double spare_ = 0;
  bool has_spare_ = false;
};

}  // namespace kg::synth
