#pragma once

#include <string>

namespace cangku {

// Source of unpredictable identifiers (upload session ids). Thread-safe.
class Random {
 public:
  virtual ~Random() = default;
  // Returns `bytes` random bytes as lowercase hex.
  virtual std::string Hex(size_t bytes) = 0;
};

// Cryptographically secure randomness from the operating system (getrandom(2)).
class SystemRandom final : public Random {
 public:
  std::string Hex(size_t bytes) override;
};

}  // namespace cangku
