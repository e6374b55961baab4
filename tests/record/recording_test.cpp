// Recording files: write -> read gives back every field of every tick, including empty names,
// ticks without workloads, nulls and extreme values; files that are not recordings, or are
// truncated or corrupt, are refused with an error that says why.
#include "dwae/record/recording.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <random>

#include "record/record_support.h"
#include "support/temp_dir.h"

namespace dwae::record {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void spit(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Writes ticks 0..n-1; tick t has `workloads_of(t)` workloads.
template <typename F>
std::vector<HostSample> write_ticks(const std::string& path, size_t ticks, F workloads_of) {
  auto writer = RecordingWriter::create(path, "test");
  EXPECT_TRUE(writer.ok()) << writer.error().message;
  std::vector<HostSample> written;
  for (size_t t = 0; t < ticks; ++t) {
    const size_t n = workloads_of(t);
    written.push_back(test::make_sample(t, n));
    const auto s = writer->write(written.back(), test::make_infos(n));
    EXPECT_TRUE(s.ok()) << s.error().message;
  }
  EXPECT_EQ(writer->ticks_written(), ticks);
  const auto closed = writer->close();
  EXPECT_TRUE(closed.ok());
  return written;
}

TEST(Recording, RoundTripsEveryFieldOverManyTicks) {
  dwae::test::TempDir dir;
  const std::string path = dir.path() + "/rec.arrow";
  const auto written = write_ticks(path, 300, [](size_t t) { return t % 7; });
  auto read = read_recording(path);
  ASSERT_TRUE(read.ok()) << read.error().message;
  ASSERT_EQ(read->size(), written.size());
  for (size_t t = 0; t < written.size(); ++t) {
    SCOPED_TRACE("tick " + std::to_string(t));
    test::expect_same_sample(written[t], (*read)[t].sample);
    test::expect_same_infos(test::make_infos(t % 7), (*read)[t].workloads);
  }
}

TEST(Recording, ZeroWorkloadsAndZeroTicks) {
  dwae::test::TempDir dir;
  const std::string none = dir.path() + "/none.arrow";
  write_ticks(none, 0, [](size_t) { return 0; });
  auto empty = read_recording(none);
  ASSERT_TRUE(empty.ok()) << empty.error().message;
  EXPECT_TRUE(empty->empty());

  const std::string idle = dir.path() + "/idle.arrow";
  const auto written = write_ticks(idle, 3, [](size_t) { return 0; });
  auto read = read_recording(idle);
  ASSERT_TRUE(read.ok()) << read.error().message;
  ASSERT_EQ(read->size(), 3U);
  for (size_t t = 0; t < 3; ++t) {
    test::expect_same_sample(written[t], (*read)[t].sample);  // host values survive
    EXPECT_TRUE((*read)[t].workloads.empty());
  }
}

TEST(Recording, WorkloadWithoutInfoIsBestEffortWithEmptyClass) {
  dwae::test::TempDir dir;
  const std::string path = dir.path() + "/rec.arrow";
  auto writer = RecordingWriter::create(path);
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE(writer->write(test::make_sample(1, 2), {}).ok());
  ASSERT_TRUE(writer->close().ok());
  auto read = read_recording(path);
  ASSERT_TRUE(read.ok()) << read.error().message;
  ASSERT_EQ((*read)[0].workloads.size(), 2U);
  EXPECT_EQ((*read)[0].workloads[1].class_name, "");
  EXPECT_EQ((*read)[0].workloads[1].class_kind, WorkloadClassKind::kBestEffort);
  EXPECT_FALSE((*read)[0].workloads[1].p99_target.has_value());
}

TEST(Recording, ReaderReportsSource) {
  dwae::test::TempDir dir;
  const std::string path = dir.path() + "/rec.arrow";
  write_ticks(path, 1, [](size_t) { return 1; });
  auto reader = RecordingReader::open(path);
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  EXPECT_EQ(reader->source(), "test");
}

TEST(Recording, MissingFileIsAnError) {
  auto reader = RecordingReader::open("/nonexistent/rec.arrow");
  ASSERT_FALSE(reader.ok());
  EXPECT_NE(reader.error().message.find("cannot open recording"), std::string::npos);
  auto writer = RecordingWriter::create("/nonexistent/rec.arrow");
  ASSERT_FALSE(writer.ok());
  EXPECT_NE(writer.error().message.find("cannot create recording"), std::string::npos);
}

TEST(Recording, RefusesFilesThatAreNotRecordings) {
  dwae::test::TempDir dir;
  const std::string path = dir.path() + "/x.arrow";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "the file is empty"},
      {"hello world, not arrow at all", "no continuation marker"},
      {std::string("ARROW1\0\0", 8) + std::string(64, '\0'), "Arrow IPC file"},
  };
  for (const auto& [bytes, why] : cases) {
    spit(path, bytes);
    auto reader = RecordingReader::open(path);
    ASSERT_FALSE(reader.ok()) << why;
    EXPECT_NE(reader.error().message.find(why), std::string::npos) << reader.error().message;
    EXPECT_NE(reader.error().message.find(path), std::string::npos) << reader.error().message;
  }
}

TEST(Recording, RefusesOtherArrowSchemas) {
  dwae::test::TempDir dir;
  const std::string path = dir.path() + "/other.arrow";
  arrow::Schema other;
  other.fields.push_back({"x", {}, false, {}});
  auto bytes = arrow::encode_schema(other);
  const auto end = arrow::encode_end_of_stream();
  bytes.insert(bytes.end(), end.begin(), end.end());
  spit(path, std::string(bytes.begin(), bytes.end()));
  auto reader = RecordingReader::open(path);
  ASSERT_FALSE(reader.ok());
  EXPECT_NE(reader.error().message.find("not a DWAE host-sample recording"), std::string::npos)
      << reader.error().message;

  arrow::Schema future = host_sample_schema();
  for (auto& [k, v] : future.metadata) {
    if (k == kSchemaVersionKey) v = "99";
  }
  bytes = arrow::encode_schema(future);
  bytes.insert(bytes.end(), end.begin(), end.end());
  spit(path, std::string(bytes.begin(), bytes.end()));
  reader = RecordingReader::open(path);
  ASSERT_FALSE(reader.ok());
  EXPECT_NE(reader.error().message.find("version '99' is not supported"), std::string::npos)
      << reader.error().message;

  arrow::Schema changed = host_sample_schema();
  changed.fields[5].type.bit_width = 16;
  bytes = arrow::encode_schema(changed);
  bytes.insert(bytes.end(), end.begin(), end.end());
  spit(path, std::string(bytes.begin(), bytes.end()));
  reader = RecordingReader::open(path);
  ASSERT_FALSE(reader.ok());
  EXPECT_NE(reader.error().message.find("column 5 is 'numa_node'"), std::string::npos)
      << reader.error().message;
}

// Reads a whole recording; returns the error message, or "" when it read cleanly.
std::string read_error(const std::string& path) {
  auto read = read_recording(path);
  return read.ok() ? "" : read.error().message;
}

TEST(Recording, EveryTruncationIsRefused) {
  dwae::test::TempDir dir;
  const std::string path = dir.path() + "/rec.arrow";
  write_ticks(path, 3, [](size_t t) { return t; });
  const std::string whole = slurp(path);
  ASSERT_EQ(read_error(path), "");
  const std::string cut = dir.path() + "/cut.arrow";
  // Every size in the schema and the first batch, then a stride through the rest.
  for (size_t size = 0; size < whole.size(); size += size < 1024 ? 1 : 97) {
    spit(cut, whole.substr(0, size));
    const std::string error = read_error(cut);
    ASSERT_NE(error, "") << "a file cut to " << size << " of " << whole.size()
                         << " bytes was accepted";
    const bool says_why = error.find("truncated") != std::string::npos ||
                          error.find("without its end-of-stream marker") != std::string::npos ||
                          error.find("the file is empty") != std::string::npos;
    EXPECT_TRUE(says_why) << size << ": " << error;
  }
}

TEST(Recording, CutShortAtATickBoundaryNamesTheCause) {
  dwae::test::TempDir dir;
  const std::string path = dir.path() + "/rec.arrow";
  write_ticks(path, 2, [](size_t) { return 2; });
  const std::string whole = slurp(path);
  spit(path, whole.substr(0, whole.size() - 8));  // drop only the end-of-stream marker
  auto reader = RecordingReader::open(path);
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE(reader->next().ok());
  ASSERT_TRUE(reader->next().ok());
  const auto third = reader->next();
  ASSERT_FALSE(third.ok());
  EXPECT_NE(third.error().message.find("cut short"), std::string::npos) << third.error().message;
}

TEST(Recording, CorruptBytesNeverCrashTheReader) {
  dwae::test::TempDir dir;
  const std::string path = dir.path() + "/rec.arrow";
  write_ticks(path, 3, [](size_t t) { return t + 1; });
  const std::string whole = slurp(path);
  const std::string bad = dir.path() + "/bad.arrow";
  std::mt19937_64 rng(42);
  size_t refused = 0;
  for (int round = 0; round < 500; ++round) {
    std::string bytes = whole;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) {
      bytes[rng() % bytes.size()] = static_cast<char>(rng() & 0xFF);
    }
    spit(bad, bytes);
    // Corruption inside value buffers reads as other values; in metadata it must be refused.
    if (!read_error(bad).empty()) ++refused;
  }
  EXPECT_GT(refused, 0U);
}

TEST(Recording, CorruptLengthsAreRefusedWithTheOffset) {
  dwae::test::TempDir dir;
  const std::string path = dir.path() + "/rec.arrow";
  write_ticks(path, 1, [](size_t) { return 1; });
  std::string bytes = slurp(path);
  // The schema message's metadata length: make it absurd.
  const int32_t huge = 0x7FFFFFF0;
  std::memcpy(bytes.data() + 4, &huge, 4);
  spit(path, bytes);
  const std::string error = read_error(path);
  EXPECT_NE(error.find("message at byte 0"), std::string::npos) << error;
  EXPECT_NE(error.find("metadata length"), std::string::npos) << error;
}

TEST(Recording, WriterAfterCloseFails) {
  dwae::test::TempDir dir;
  auto writer = RecordingWriter::create(dir.path() + "/rec.arrow");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE(writer->close().ok());
  const auto s = writer->write(test::make_sample(0, 1), {});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("already closed"), std::string::npos);
}

}  // namespace
}  // namespace dwae::record
