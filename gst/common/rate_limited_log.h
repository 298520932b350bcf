// SPDX-License-Identifier: LGPL-2.1-or-later
// Per-packet problems are counted always but logged at most once a second, so a flood of bad
// packets cannot flood the log (STYLE.md: never per packet at WARNING).
#pragma once

#include <glib.h>

namespace secmedia::gst {

class RateLimitedLog {
 public:
  explicit RateLimitedLog(gint64 interval_us = G_TIME_SPAN_SECOND) : interval_us_(interval_us) {}
  bool should_log(gint64 now_us) {
    if (last_us_ != 0 && now_us - last_us_ < interval_us_) return false;
    last_us_ = now_us;
    return true;
  }

 private:
  gint64 interval_us_;
  gint64 last_us_ = 0;
};

}  // namespace secmedia::gst
