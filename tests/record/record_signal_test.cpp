// `dwae record` as a user runs it, stopped by SIGINT or SIGTERM: mid-recording (a scenario), or
// while the raw-event collectors are still loading (this host): the process ends by itself with
// complete recordings (end-of-stream marker included) of what was written so far.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "dwae/record/raw_event_schema.h"
#include "dwae/record/recording.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace dwae::record {
namespace {

using namespace std::chrono_literals;
using test::wait_exit;

off_t file_size(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_size : 0;
}

void stop_a_recording_with(int signal) {
  test::TempDir dir;
  const std::string out = dir.path() + "/sim.arrow";
  // A day of simulated time: far more than the test waits for.
  const pid_t pid = test::start_process(
      {test::dwae_binary(), "record", "--out", out, "--duration", "24h", "--scenario",
       std::string(DWAE_SOURCE_DIR) + "/scenarios/noisy-neighbour.yaml"},
      dir.path() + "/stdout", dir.path() + "/stderr");
  // Recording: the schema and some ticks are in the file.
  const auto end = std::chrono::steady_clock::now() + 60s;
  while (file_size(out) < 64 * 1024 && std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_GE(file_size(out), 64 * 1024) << test::read_text(dir.path() + "/stderr");
  ASSERT_EQ(::kill(pid, signal), 0);
  const int code = wait_exit(pid, 60s);
  EXPECT_EQ(code, 0) << test::read_text(dir.path() + "/stderr");
  EXPECT_NE(test::read_text(dir.path() + "/stderr").find("stopped by a signal"), std::string::npos);
  const std::string printed = test::read_text(dir.path() + "/stdout");
  EXPECT_NE(printed.find("bytes written to " + out), std::string::npos) << printed;

  auto ticks = read_recording(out);  // refuses a stream without its end-of-stream marker
  ASSERT_TRUE(ticks.ok()) << ticks.error().message;
  ASSERT_GT(ticks->size(), 1u);
  EXPECT_LT(ticks->back().sample.at, std::chrono::hours(24));
  EXPECT_NE(printed.find(std::to_string(ticks->size()) + " ticks"), std::string::npos) << printed;
}

TEST(RecordSignal, SigintEndsAScenarioRecordingWithAValidFile) {
  stop_a_recording_with(SIGINT);
}

TEST(RecordSignal, SigtermEndsAScenarioRecordingWithAValidFile) {
  stop_a_recording_with(SIGTERM);
}

// --raw-events loads the eBPF collectors (a second or more) after --out is created: a signal as
// soon as that file is there must still end both recordings properly, with exit status 0.
void stop_a_host_recording_at_start_with(int signal) {
  test::TempDir dir;
  dir.write("dwae.yaml", "agent:\n  period: 200ms\n");
  const std::string out = dir.path() + "/samples.arrow";
  const std::string raw = dir.path() + "/raw.arrow";
  const pid_t pid =
      test::start_process({test::dwae_binary(), "record", "--config", dir.path() + "/dwae.yaml",
                           "--out", out, "--duration", "1h", "--raw-events", raw},
                          dir.path() + "/stdout", dir.path() + "/stderr");
  const auto end = std::chrono::steady_clock::now() + 60s;
  struct stat st {};
  while (::stat(out.c_str(), &st) != 0 && std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_EQ(::stat(out.c_str(), &st), 0) << test::read_text(dir.path() + "/stderr");
  ASSERT_EQ(::kill(pid, signal), 0);
  const int code = wait_exit(pid, 60s);
  const std::string err = test::read_text(dir.path() + "/stderr");
  EXPECT_EQ(code, 0) << err;
  EXPECT_NE(err.find("stopped by a signal"), std::string::npos) << err;
  auto ticks = read_recording(out);
  EXPECT_TRUE(ticks.ok()) << ticks.error().message;
  auto events = read_raw_events(raw);
  EXPECT_TRUE(events.ok()) << events.error().message;
}

TEST(RecordSignal, SigintWhileRawEventsStartEndsWithValidFiles) {
  stop_a_host_recording_at_start_with(SIGINT);
}

TEST(RecordSignal, SigtermWhileRawEventsStartEndsWithValidFiles) {
  stop_a_host_recording_at_start_with(SIGTERM);
}

}  // namespace
}  // namespace dwae::record
