// Helpers shared by the training tests: reference scenarios by name, small actors, and a way
// to make thread creation fail.
#pragma once

#include <pthread.h>

#include <cstddef>
#include <string>

#include "dwae/sim/scenario.h"

namespace dwae::train::testing {

inline std::string scenario_path(const std::string& name) {
  return std::string(DWAE_SOURCE_DIR) + "/scenarios/" + name + ".yaml";
}

inline sim::Scenario load(const std::string& name) {
  auto loaded = sim::load_scenario_file(scenario_path(name));
  return std::move(*loaded.scenario);
}

// While one is alive, new threads get a stack larger than the address space, so no
// std::thread can be started (it throws std::system_error, as when a host runs out of memory
// or of threads).
class NoThreadCanStart {
 public:
  NoThreadCanStart() {
    pthread_getattr_default_np(&saved_);
    pthread_attr_t huge;
    pthread_attr_init(&huge);
    pthread_attr_setstacksize(&huge, size_t{1} << 50);
    pthread_setattr_default_np(&huge);
    pthread_attr_destroy(&huge);
  }
  ~NoThreadCanStart() {
    pthread_setattr_default_np(&saved_);
    pthread_attr_destroy(&saved_);
  }
  NoThreadCanStart(const NoThreadCanStart&) = delete;
  NoThreadCanStart& operator=(const NoThreadCanStart&) = delete;

 private:
  pthread_attr_t saved_{};
};

}  // namespace dwae::train::testing
