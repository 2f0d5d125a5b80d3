#pragma once

#include <string>

namespace franca {

// Where memory lives and work runs. CUDA pinned host memory counts as the host; CUDA managed
// memory counts as its device.
struct Device {
  enum class Kind { cpu, cuda };
  Kind kind = Kind::cpu;
  int id = 0;

  static Device cpu() { return {Kind::cpu, 0}; }
  static Device cuda(int id) { return {Kind::cuda, id}; }
  bool is_cpu() const { return kind == Kind::cpu; }
  bool is_cuda() const { return kind == Kind::cuda; }
  bool operator==(const Device& o) const { return kind == o.kind && (kind == Kind::cpu || id == o.id); }
  bool operator!=(const Device& o) const { return !(*this == o); }
  bool operator<(const Device& o) const { return kind != o.kind ? kind < o.kind : id < o.id; }
  std::string str() const { return is_cpu() ? "cpu" : "cuda:" + std::to_string(id); }
};

}  // namespace franca
