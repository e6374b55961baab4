// Option values the dwae binary refuses with exit 2 and a message naming the option, instead of
// running with something else: integers out of range, and a control period outside the bounds
// of the file setting it overrides.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/process.h"
#include "support/temp_dir.h"

namespace dwae {
namespace {

std::string scenario(const std::string& name) {
  return std::string(DWAE_SOURCE_DIR) + "/scenarios/" + name + ".yaml";
}

void expect_refused(std::vector<std::string> args, const std::string& message) {
  args.insert(args.begin(), test::dwae_binary());
  const auto r = test::run_process(args);
  std::string command;
  for (const auto& a : args) command += " " + a;
  EXPECT_EQ(r.exit_code, 2) << command << "\n" << r.out << r.err;
  EXPECT_NE(r.err.find(message), std::string::npos) << command << "\n" << r.err;
}

// CLI11 alone read "-1" and 2^64 as the seed 2^64 - 1, and "010" as eight.
TEST(CliOptions, ASeedOutsideItsRangeIsRefused) {
  const std::string noisy = scenario("noisy-neighbour");
  for (const std::string seed :
       {"-1", "18446744073709551616", "99999999999999999999999", "0x10", "1e3", "", " 5"}) {
    expect_refused(
        {"sim", noisy, "--duration", "100ms", "--seed", seed},
        "--seed: must be a whole number in 0 .. 18446744073709551615, not '" + seed + "'");
  }
  for (const std::string seed : {"18446744073709551615", "010"}) {
    const auto r = test::run_process(
        {test::dwae_binary(), "sim", noisy, "--duration", "100ms", "--seed", seed, "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    const std::string expected = seed == "010" ? "10" : seed;
    EXPECT_NE(r.out.find("\"seed\": " + expected + ","), std::string::npos) << r.out;
  }
}

TEST(CliOptions, OtherIntegersOutsideTheirRangeAreRefused) {
  for (const std::string n : {"0", "101", "-1", "4294967297", "18446744073709551617"}) {
    expect_refused({"bench", "--repetitions", n},
                   "--repetitions: must be a whole number in 1 .. 100");
  }
  for (const std::string n : {"-1", "10001", "4294967296"}) {
    expect_refused({"inspect", "--sample-ms", n},
                   "--sample-ms: must be a whole number in 0 .. 10000");
  }
  for (const std::string n : {"0", "-1", "4294967296", "-18446744073709551615"}) {
    expect_refused({"record", "--out", "/nonexistent/x.arrow", "--duration", "1s", "--raw-events",
                    "/nonexistent/y.arrow", "--raw-sample-every", n},
                   "--raw-sample-every: must be a whole number in 1 .. 4294967295");
  }
}

// `dwae run --period` is documented as 50ms .. 10s, as a config's agent.period; on the simulated
// host the scenario's quantum is a lower bound as well.
TEST(CliOptions, ARunPeriodOutsideItsBoundsIsRefused) {
  // Few ticks each, should the period get through.
  for (const std::string period : {"1ms", "20ms", "49999us", "10001ms", "1h"}) {
    expect_refused({"run", "--period", period, "--duration", "100ms", "--no-progress"},
                   "dwae run: --period " + period + ": must be between 50ms and 10s");
  }
  test::TempDir dir;
  std::string text = test::read_text(scenario("noisy-neighbour"));
  const auto quantum = text.find("quantum: 2ms");
  ASSERT_NE(quantum, std::string::npos);
  text.replace(quantum, 12, "quantum: 100ms");
  dir.write("slow-quantum.yaml", text);
  expect_refused({"run", "--scenario", dir.path() + "/slow-quantum.yaml", "--period", "60ms",
                  "--duration", "1s", "--no-progress"},
                 "dwae run: --period 60ms: must be at least 100ms");

  const auto r = test::run_process(
      {test::dwae_binary(), "run", "--period", "50ms", "--duration", "200ms", "--no-progress"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

}  // namespace
}  // namespace dwae
