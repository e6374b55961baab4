// A temporary directory removed with everything in it when the test ends, and a way to build a
// cgroup-like file tree from a literal description (no mocked file system).
#pragma once

#include <map>
#include <string>

namespace dwae::test {

class TempDir {
 public:
  TempDir();  // under $TMPDIR or /tmp
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // Writes `content` to path()/relative, creating parent directories.
  void write(const std::string& relative, const std::string& content) const;
  void mkdir(const std::string& relative) const;
  // Writes every entry: key = relative path, value = content. A key ending in '/' makes an
  // empty directory.
  void write_tree(const std::map<std::string, std::string>& files) const;

 private:
  std::string path_;
};

std::string read_text(const std::string& path);

}  // namespace dwae::test
