// StreamFile: whole messages or none; see stream_file.h.
#include "dwae/record/stream_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "dwae/record/arrow_ipc.h"

namespace dwae::record {

Result<StreamFile> StreamFile::create(const std::string& path, std::string what) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) return Error::from_errno("cannot create " + what + " " + path, errno);
  return StreamFile(fd, path, std::move(what));
}

StreamFile::StreamFile(StreamFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      path_(std::move(other.path_)),
      what_(std::move(other.what_)),
      bytes_(other.bytes_) {}

StreamFile& StreamFile::operator=(StreamFile&& other) noexcept {
  if (this != &other) {
    close_fd();
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
    what_ = std::move(other.what_);
    bytes_ = other.bytes_;
  }
  return *this;
}

StreamFile::~StreamFile() {
  close_fd();
}

void StreamFile::close_fd() {
  if (fd_ >= 0) ::close(std::exchange(fd_, -1));
}

int StreamFile::write_at_end(const std::vector<uint8_t>& bytes) const {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n =
        ::pwrite(fd_, bytes.data() + done, bytes.size() - done, static_cast<off_t>(bytes_ + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return EIO;
    done += static_cast<size_t>(n);
  }
  return 0;
}

Status StreamFile::append(const std::vector<uint8_t>& message) {
  if (fd_ < 0) return Error{what_ + " " + path_ + " is already closed"};
  const int err = write_at_end(message);
  if (err == 0) {
    bytes_ += message.size();
    return {};
  }
  // Part of the message may be in the file: a reader would take it for a message and fail on
  // it. Cut it off; the space it freed usually holds the end-of-stream marker.
  std::string outcome;
  if (::ftruncate(fd_, static_cast<off_t>(bytes_)) != 0) {
    outcome = "; the file could not be cut back to its last whole message (" +
              Error::from_errno("ftruncate", errno).message + ")";
  } else if (const int marker = write_at_end(arrow::encode_end_of_stream()); marker == 0) {
    outcome = "; the file ends at the last whole batch, with its end-of-stream marker";
  } else {
    (void)::ftruncate(fd_, static_cast<off_t>(bytes_));
    outcome = "; the file ends at the last whole batch, without its end-of-stream marker";
  }
  close_fd();
  Error error = Error::from_errno("cannot write " + what_ + " " + path_, err);
  error.message += outcome;
  return error;
}

Status StreamFile::close() {
  if (fd_ < 0) return Error{what_ + " " + path_ + " is already closed"};
  if (auto s = append(arrow::encode_end_of_stream()); !s.ok()) return s;
  if (::close(std::exchange(fd_, -1)) != 0) {
    return Error::from_errno("cannot close " + what_ + " " + path_, errno);
  }
  return {};
}

}  // namespace dwae::record
