// Two threads bounce a byte through two pipes: every round trip is two wakeups and two context
// switches (on one CPU when pinned, so that every switch is a real one). `start()` runs once the
// pipes exist and `stop()` once both threads are done, so callers time what they need.
#pragma once

#include <unistd.h>

#include <thread>

namespace dwae::bench_support {

template <typename Start, typename Stop>
bool pipe_ping_pong(long rounds, Start start, Stop stop) {
  int ab[2];
  int ba[2];
  if (::pipe(ab) != 0) return false;
  if (::pipe(ba) != 0) {
    ::close(ab[0]);
    ::close(ab[1]);
    return false;
  }
  start();
  std::thread peer([&] {
    char c = 0;
    for (long i = 0; i < rounds; ++i) {
      if (::read(ab[0], &c, 1) != 1 || ::write(ba[1], &c, 1) != 1) break;
    }
  });
  char c = 'x';
  for (long i = 0; i < rounds; ++i) {
    if (::write(ab[1], &c, 1) != 1 || ::read(ba[0], &c, 1) != 1) break;
  }
  peer.join();
  stop();
  for (const int fd : {ab[0], ab[1], ba[0], ba[1]}) ::close(fd);
  return true;
}

}  // namespace dwae::bench_support
