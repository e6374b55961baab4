// A recording whose file cannot grow any more (the disk is full; here a file size limit, which
// fails a write the same way: part of it, then nothing): the file is cut back to the last whole
// batch and ended with the end-of-stream marker, so that any reader reads everything written
// before the failure, and `dwae record` says so and exits 1.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <string>
#include <vector>

#include "dwae/record/raw_event_schema.h"
#include "dwae/record/recording.h"
#include "record/record_support.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace dwae::record {
namespace {

// Not a multiple of 8 (Arrow pads every message to 8 bytes): the limit falls inside a batch.
constexpr rlim_t kFileSizeLimit = 64 * 1024 + 20;

off_t file_size(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_size : -1;
}

// RLIMIT_FSIZE lowered for this process with SIGXFSZ ignored, so that a write past the limit
// fails with EFBIG, as one on a full disk fails with ENOSPC; both are put back on destruction.
class ScopedFileSizeLimit {
 public:
  explicit ScopedFileSizeLimit(rlim_t bytes) {
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    ::getrlimit(RLIMIT_FSIZE, &saved_);
    rlimit lowered = saved_;
    lowered.rlim_cur = bytes;
    if (::setrlimit(RLIMIT_FSIZE, &lowered) != 0) ADD_FAILURE() << "setrlimit";
  }
  ~ScopedFileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &saved_);
    std::signal(SIGXFSZ, old_handler_);
  }
  ScopedFileSizeLimit(const ScopedFileSizeLimit&) = delete;
  ScopedFileSizeLimit& operator=(const ScopedFileSizeLimit&) = delete;

 private:
  rlimit saved_{};
  void (*old_handler_)(int) = SIG_DFL;
};

void expect_cut_back_with_marker(const Status& failure, const std::string& what,
                                 const std::string& path) {
  ASSERT_FALSE(failure.ok());
  EXPECT_NE(failure.error().message.find("cannot write " + what + " " + path + ": File too large"),
            std::string::npos)
      << failure.error().message;
  EXPECT_NE(failure.error().message.find(
                "the file ends at the last whole batch, with its end-of-stream marker"),
            std::string::npos)
      << failure.error().message;
  EXPECT_LE(file_size(path), static_cast<off_t>(kFileSizeLimit));
}

TEST(WriteFailure, ARecordingEndsAtTheLastWholeTick) {
  dwae::test::TempDir dir;
  const std::string path = dir.path() + "/rec.arrow";
  std::vector<HostSample> written;
  Status failure;
  uint64_t bytes = 0;
  {
    const ScopedFileSizeLimit limit(kFileSizeLimit);
    auto writer = RecordingWriter::create(path, "test");
    ASSERT_TRUE(writer.ok()) << writer.error().message;
    for (uint64_t tick = 0; tick < 10'000; ++tick) {
      HostSample sample = test::make_sample(tick, 3);
      failure = writer->write(sample, test::make_infos(3));
      if (!failure.ok()) break;
      written.push_back(std::move(sample));
    }
    bytes = writer->bytes_written();
    EXPECT_EQ(writer->ticks_written(), written.size());
  }
  expect_cut_back_with_marker(failure, "recording", path);
  ASSERT_GT(written.size(), 1U);
  EXPECT_EQ(file_size(path), static_cast<off_t>(bytes + 8));  // the ticks, then the marker

  auto ticks = read_recording(path);  // refuses a cut stream
  ASSERT_TRUE(ticks.ok()) << ticks.error().message;
  ASSERT_EQ(ticks->size(), written.size());
  for (size_t i = 0; i < written.size(); ++i)
    test::expect_same_sample(written[i], (*ticks)[i].sample);
}

TEST(WriteFailure, ARawEventRecordingEndsAtTheLastWholeBatch) {
  dwae::test::TempDir dir;
  const std::string path = dir.path() + "/raw.arrow";
  std::vector<RawEventRow> written;
  Status failure;
  RawEventTotals totals;
  {
    const ScopedFileSizeLimit limit(kFileSizeLimit);
    auto writer = RawEventWriter::create(path, "host:test");
    ASSERT_TRUE(writer.ok()) << writer.error().message;
    for (uint64_t batch = 0; batch < 10'000; ++batch) {
      std::vector<RawEventRow> rows;
      for (uint64_t i = 0; i < 50; ++i) {
        const uint64_t k = batch * 50 + i;
        rows.push_back(RawEventRow{k, k * 3, k * 5, k * 7, static_cast<uint32_t>(k),
                                   static_cast<uint16_t>(1 + k % 12),
                                   static_cast<uint16_t>(k % 4)});
      }
      const RawEventTotals next{batch * 50 + 50, batch * 50 + 50, 0};
      failure = writer->write(rows, next);
      if (!failure.ok()) break;
      written.insert(written.end(), rows.begin(), rows.end());
      totals = next;
    }
    EXPECT_EQ(writer->rows_written(), written.size());
    // After the failure the file is closed: nothing more goes in.
    EXPECT_FALSE(writer->close().ok());
  }
  expect_cut_back_with_marker(failure, "raw-event recording", path);
  ASSERT_GT(written.size(), 50U);

  auto read = read_raw_events(path);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->rows, written);
  EXPECT_EQ(read->totals, totals);
}

// `dwae record` on a file that stops growing: exit 1 with the reason, and a readable file.
TEST(WriteFailure, DwaeRecordSaysSoAndLeavesAReadableFile) {
  dwae::test::TempDir dir;
  const std::string out = dir.path() + "/sim.arrow";
  const std::string err_path = dir.path() + "/stderr";
  const std::vector<std::string> argv = {
      dwae::test::dwae_binary(),
      "record",
      "--out",
      out,
      "--duration",
      "60s",
      "--scenario",
      std::string(DWAE_SOURCE_DIR) + "/scenarios/noisy-neighbour.yaml"};
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // The child alone gets the limit (and ignores SIGXFSZ across exec).
    std::signal(SIGXFSZ, SIG_IGN);
    rlimit lowered{};
    ::getrlimit(RLIMIT_FSIZE, &lowered);
    lowered.rlim_cur = kFileSizeLimit;
    ::setrlimit(RLIMIT_FSIZE, &lowered);
    const int null_fd = ::open("/dev/null", O_RDWR);
    const int err_fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(null_fd, 0);
    ::dup2(null_fd, 1);
    ::dup2(err_fd, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  const int code = dwae::test::wait_exit(pid, std::chrono::seconds(120));
  const std::string err = dwae::test::read_text(err_path);
  EXPECT_EQ(code, 1) << err;
  EXPECT_NE(err.find("cannot write recording " + out + ": File too large"), std::string::npos)
      << err;
  EXPECT_NE(err.find("the file ends at the last whole batch"), std::string::npos) << err;
  auto ticks = read_recording(out);
  ASSERT_TRUE(ticks.ok()) << ticks.error().message;
  EXPECT_GT(ticks->size(), 1U);
}

}  // namespace
}  // namespace dwae::record
