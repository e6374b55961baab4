// Implementation of parsers.h (in progress).
#include "dwae/hostfs/parsers.h"
