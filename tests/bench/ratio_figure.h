// SPDX-License-Identifier: LGPL-2.1-or-later
// The RATIO line every benchmark of the suite prints, in one form (tests/bench/report.py reads
// them; tests/bench/ratio.py is the same for the Python ones):
//   RATIO <area> <figure> <ratio> vs <reference> (spread <p10>-<p90>, n=<pairs>)
// ratio: median of ours over median of the reference; spread: the 10th and 90th percentiles of the
// ratios of the i-th sample of each, in the order they ran (the contenders' repetitions are
// interleaved, so the i-th samples ran close together and the spread shows how far one figure moves
// with the machine).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace secmedia::bench {

inline double quantile(std::vector<double> values, double q) {
  if (values.empty()) return NAN;
  std::sort(values.begin(), values.end());
  const double position = q * static_cast<double>(values.size() - 1);
  const auto low = static_cast<size_t>(std::floor(position));
  const size_t high = std::min(low + 1, values.size() - 1);
  return values[low] + (values[high] - values[low]) * (position - static_cast<double>(low));
}

struct RatioFigure {
  double ratio = NAN;
  double low = NAN;   // p10 of the paired ratios
  double high = NAN;  // p90
  size_t pairs = 0;
};

inline RatioFigure ratio_of(const std::vector<double>& ours, const std::vector<double>& reference) {
  RatioFigure figure;
  figure.ratio = quantile(ours, 0.5) / quantile(reference, 0.5);
  std::vector<double> paired;
  for (size_t i = 0; i < std::min(ours.size(), reference.size()); ++i) {
    paired.push_back(ours[i] / reference[i]);
  }
  figure.low = quantile(paired, 0.1);
  figure.high = quantile(paired, 0.9);
  figure.pairs = paired.size();
  return figure;
}

inline void print_ratio(const std::string& area, const std::string& figure_name,
                        const RatioFigure& figure, const std::string& reference) {
  std::printf("RATIO %s %s %.2f vs %s (spread %.2f-%.2f, n=%zu)\n", area.c_str(),
              figure_name.c_str(), figure.ratio, reference.c_str(), figure.low, figure.high,
              figure.pairs);
}

}  // namespace secmedia::bench
