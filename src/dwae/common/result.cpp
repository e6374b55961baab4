// Error construction helpers.
#include "dwae/common/result.h"

#include <cstring>

namespace dwae {

Error Error::from_errno(std::string what, int err) {
  what += ": ";
  what += std::strerror(err);
  return Error{std::move(what), err};
}

}  // namespace dwae
