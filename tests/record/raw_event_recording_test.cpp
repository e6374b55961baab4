// The raw-event recording: the schema's round trip through a file, refusal of other files, and
// RawEventRecorder recording this host's kernel events (real eBPF, needs root).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <set>
#include <thread>

#include "dwae/hostfs/layout.h"
#include "dwae/record/raw_event_recorder.h"
#include "dwae/record/raw_event_schema.h"
#include "dwae/record/recording.h"
#include "dwae/telemetry/collectors.h"
#include "support/temp_dir.h"

namespace dwae::record {
namespace {

std::vector<RawEventRow> make_rows(size_t n, uint64_t seed) {
  std::vector<RawEventRow> rows;
  for (size_t i = 0; i < n; ++i) {
    const uint64_t k = seed * 1000 + i;
    rows.push_back(RawEventRow{k * 7 + 1, ~k, k << 40, UINT64_MAX - k, static_cast<uint32_t>(k * 3),
                               static_cast<uint16_t>(1 + k % 12), static_cast<uint16_t>(k % 4)});
  }
  return rows;
}

TEST(RawEventRecording, RoundTripsRowsAndCounters) {
  dwae::test::TempDir dir;
  const std::string path = dir.path() + "/raw.arrow";
  auto writer = RawEventWriter::create(path, "host:test");
  ASSERT_TRUE(writer.ok()) << writer.error().message;
  std::vector<RawEventRow> all;
  for (uint64_t b = 0; b < 3; ++b) {
    const auto rows = make_rows(b == 1 ? 0 : 100 + b, b);  // batch 1: counters only
    ASSERT_TRUE(writer->write(rows, RawEventTotals{10 * b + 5, 10 * b + 4, b}).ok());
    all.insert(all.end(), rows.begin(), rows.end());
  }
  // Nothing new: no batch.
  ASSERT_TRUE(writer->write({}, RawEventTotals{25, 24, 2}).ok());
  EXPECT_EQ(writer->rows_written(), all.size());
  ASSERT_TRUE(writer->close().ok());

  auto read = read_raw_events(path);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->source, "host:test");
  EXPECT_EQ(read->batches, 3U);
  EXPECT_EQ(read->totals, (RawEventTotals{25, 24, 2}));
  EXPECT_EQ(read->rows, all);
}

TEST(RawEventRecording, RefusesOtherFilesAndTruncation) {
  dwae::test::TempDir dir;
  const std::string samples = dir.path() + "/samples.arrow";
  auto sample_writer = RecordingWriter::create(samples);
  ASSERT_TRUE(sample_writer.ok());
  ASSERT_TRUE(sample_writer->close().ok());
  auto wrong = read_raw_events(samples);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message.find("not a DWAE raw-event recording"), std::string::npos)
      << wrong.error().message;

  const std::string path = dir.path() + "/raw.arrow";
  auto writer = RawEventWriter::create(path);
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE(writer->write(make_rows(50, 1), RawEventTotals{50, 50, 0}).ok());
  ASSERT_TRUE(writer->close().ok());
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 100);
  EXPECT_FALSE(read_raw_events(path).ok());
  EXPECT_FALSE(read_raw_events(dir.path() + "/missing.arrow").ok());
}

// Forks and execs /bin/true n times; returns the children's pids.
std::set<uint32_t> run_children(int n) {
  std::set<uint32_t> pids;
  for (int i = 0; i < n; ++i) {
    const pid_t child = ::fork();
    if (child == 0) {
      ::execl("/bin/true", "true", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    pids.insert(static_cast<uint32_t>(child));
  }
  return pids;
}

TEST(RawEventRecorder, RecordsThisHostsKernelEventsWithCounters) {
  auto layout = hostfs::detect_layout({});
  ASSERT_TRUE(layout.ok()) << layout.error().message;
  dwae::test::TempDir dir;
  RawEventRecorderOptions o;
  o.path = dir.path() + "/raw.arrow";
  // The default 64 MiB ring: every page fault and switch on the host is an event, and this
  // machine may be busy.
  o.batch_age = std::chrono::milliseconds(50);
  auto recorder = RawEventRecorder::start(*layout, o);
  ASSERT_TRUE(recorder.ok()) << recorder.error().message;
  const std::set<uint32_t> children = run_children(20);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const RawEventRecorderSummary summary = (*recorder)->stop();
  EXPECT_EQ(summary.error, "");
  std::cout << "rows " << summary.rows << " seen " << summary.totals.seen << " sampled "
            << summary.totals.sampled << " dropped " << summary.totals.dropped << "\n";

  auto read = read_raw_events(o.path);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->source, "host");
  EXPECT_EQ(read->rows.size(), summary.rows);
  EXPECT_EQ(read->totals, summary.totals);
  // One in one: every event that passed a hook was sampled; what was not dropped was written
  // (events after the last read of the ring are counted but not written). The two counters are
  // read one after the other while the hooks still run, so events in flight on the CPUs can
  // stand in one and not yet in the other: at most one per CPU.
  const uint64_t cpus = static_cast<uint64_t>(std::thread::hardware_concurrency());
  const uint64_t gap = summary.totals.sampled > summary.totals.seen
                           ? summary.totals.sampled - summary.totals.seen
                           : summary.totals.seen - summary.totals.sampled;
  EXPECT_LE(gap, cpus) << "sampled " << summary.totals.sampled << " seen " << summary.totals.seen;
  EXPECT_LE(summary.rows + summary.totals.dropped, summary.totals.sampled);
  EXPECT_EQ(summary.totals.dropped, 0U);
  std::set<uint32_t> forked;
  std::set<uint16_t> kinds;
  for (const RawEventRow& r : read->rows) {
    kinds.insert(r.kind);
    if (r.kind == static_cast<uint16_t>(telemetry::RawEventKind::kFork) &&
        r.pid == static_cast<uint32_t>(::getpid())) {
      forked.insert(static_cast<uint32_t>(r.aux));
    }
  }
  // Every child; threads this process started meanwhile (the recorder's) are forks too.
  EXPECT_TRUE(std::includes(forked.begin(), forked.end(), children.begin(), children.end()))
      << forked.size() << " forks seen, " << children.size() << " children";
  EXPECT_EQ(kinds.count(static_cast<uint16_t>(telemetry::RawEventKind::kRunDelay)), 1U);
  EXPECT_EQ(kinds.count(static_cast<uint16_t>(telemetry::RawEventKind::kSwitchOut)), 1U);
}

}  // namespace
}  // namespace dwae::record
