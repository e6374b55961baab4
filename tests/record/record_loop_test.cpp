// record_loop with a scripted HostSource: the tick schedule, skipped failed samples, the stop
// flag, and bad options.
#include "dwae/record/record_loop.h"

#include <gtest/gtest.h>

#include "record/record_support.h"
#include "support/temp_dir.h"

namespace dwae::record {
namespace {

// Samples tick `n` as make_sample(n, 2); fails the ticks listed in `failing`.
class ScriptedSource final : public HostSource {
 public:
  explicit ScriptedSource(std::vector<size_t> failing) : failing_(std::move(failing)) {}
  Result<std::vector<WorkloadInfo>> workloads() override { return test::make_infos(2); }
  Result<HostSample> sample() override {
    const size_t n = calls_++;
    for (const size_t f : failing_) {
      if (f == n) return Error{"cgroup vanished at call " + std::to_string(n)};
    }
    return test::make_sample(n, 2);
  }

 private:
  std::vector<size_t> failing_;
  size_t calls_ = 0;
};

TEST(RecordLoop, SamplesFromZeroToTheDurationInclusiveAndSkipsFailures) {
  dwae::test::TempDir dir;
  const std::string path = dir.path() + "/rec.arrow";
  auto writer = RecordingWriter::create(path);
  ASSERT_TRUE(writer.ok());
  ScriptedSource source({2, 4});
  std::vector<Nanos> advanced;
  RecordHooks hooks;
  hooks.advance_to = [&](Nanos t) { advanced.push_back(t); };
  RecordLoopOptions options;
  options.duration = Nanos{1'000'000'000};
  options.period = Nanos{250'000'000};
  auto summary = record_loop(source, *writer, options, hooks);
  ASSERT_TRUE(summary.ok()) << summary.error().message;
  EXPECT_EQ(summary->ticks, 3U);  // 5 ticks, 2 failed
  EXPECT_EQ(summary->failed_samples, 2U);
  EXPECT_EQ(summary->last_error, "cgroup vanished at call 4");
  EXPECT_EQ(advanced, (std::vector<Nanos>{Nanos{250'000'000}, Nanos{500'000'000},
                                          Nanos{750'000'000}, Nanos{1'000'000'000}}));
  ASSERT_TRUE(writer->close().ok());
  auto ticks = read_recording(path);
  ASSERT_TRUE(ticks.ok()) << ticks.error().message;
  ASSERT_EQ(ticks->size(), 3U);
  test::expect_same_sample(test::make_sample(0, 2), (*ticks)[0].sample);
  test::expect_same_sample(test::make_sample(1, 2), (*ticks)[1].sample);
  test::expect_same_sample(test::make_sample(3, 2), (*ticks)[2].sample);
}

TEST(RecordLoop, StopsWhenAsked) {
  dwae::test::TempDir dir;
  auto writer = RecordingWriter::create(dir.path() + "/rec.arrow");
  ASSERT_TRUE(writer.ok());
  ScriptedSource source({});
  std::atomic<bool> stop{false};
  RecordHooks hooks;
  hooks.stop = &stop;
  hooks.after_tick = [&](const HostSample&, const std::vector<WorkloadInfo>&) { stop = true; };
  RecordLoopOptions options;
  options.duration = Nanos{10'000'000'000};
  auto summary = record_loop(source, *writer, options, hooks);
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->ticks, 1U);
}

TEST(RecordLoop, RefusesANonPositivePeriod) {
  dwae::test::TempDir dir;
  auto writer = RecordingWriter::create(dir.path() + "/rec.arrow");
  ASSERT_TRUE(writer.ok());
  ScriptedSource source({});
  RecordLoopOptions options;
  options.period = Nanos{0};
  EXPECT_FALSE(record_loop(source, *writer, options, {}).ok());
}

TEST(RecordLoop, AWriteErrorEndsTheLoop) {
  dwae::test::TempDir dir;
  auto writer = RecordingWriter::create(dir.path() + "/rec.arrow");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE(writer->close().ok());
  ScriptedSource source({});
  auto summary = record_loop(source, *writer, {}, {});
  ASSERT_FALSE(summary.ok());
  EXPECT_NE(summary.error().message.find("already closed"), std::string::npos);
}

}  // namespace
}  // namespace dwae::record
