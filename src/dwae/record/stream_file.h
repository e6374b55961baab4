// The file under an Arrow IPC stream being written: whole messages (schema, record batches) go
// in one at a time. A message that cannot be written whole (disk full, file size limit, an I/O
// error) is cut off again and the end-of-stream marker put after the last whole one, so the
// file stays a complete stream of everything written before the failure.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dwae/common/result.h"

namespace dwae::record {

class StreamFile {
 public:
  // Creates (or truncates) `path`; `what` names the file in errors ("recording",
  // "raw-event recording").
  static Result<StreamFile> create(const std::string& path, std::string what);
  StreamFile(StreamFile&& other) noexcept;
  StreamFile& operator=(StreamFile&& other) noexcept;
  StreamFile(const StreamFile&) = delete;
  StreamFile& operator=(const StreamFile&) = delete;
  // Closes without the end-of-stream marker if close() was not called.
  ~StreamFile();

  // Appends one whole message. On failure the file is cut back to what was written before,
  // the end-of-stream marker is put after it when it fits, the file is closed, and the error
  // says which of these happened.
  Status append(const std::vector<uint8_t>& message);
  // Appends the end-of-stream marker and closes the file.
  Status close();

  // Bytes of whole messages in the file.
  uint64_t bytes() const { return bytes_; }

 private:
  StreamFile(int fd, std::string path, std::string what)
      : fd_(fd), path_(std::move(path)), what_(std::move(what)) {}
  // Writes all of `bytes` at offset bytes_; an errno value on failure, 0 on success.
  int write_at_end(const std::vector<uint8_t>& bytes) const;
  void close_fd();

  int fd_ = -1;
  std::string path_;
  std::string what_;
  uint64_t bytes_ = 0;
};

}  // namespace dwae::record
