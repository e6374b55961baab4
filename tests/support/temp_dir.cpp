// TempDir: hermetic scratch space for tests.
#include "support/temp_dir.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace dwae::test {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/dwae-test-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void TempDir::mkdir(const std::string& relative) const {
  std::filesystem::create_directories(path_ + "/" + relative);
}

void TempDir::write(const std::string& relative, const std::string& content) const {
  const std::filesystem::path p = path_ + "/" + relative;
  std::filesystem::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + p.string());
}

void TempDir::write_tree(const std::map<std::string, std::string>& files) const {
  for (const auto& [rel, content] : files) {
    if (!rel.empty() && rel.back() == '/') {
      mkdir(rel);
    } else {
      write(rel, content);
    }
  }
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace dwae::test
