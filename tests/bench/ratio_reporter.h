// SPDX-License-Identifier: LGPL-2.1-or-later
// A Google Benchmark reporter that passes everything on to the one --benchmark_format selects and
// keeps the CPU time per iteration of each benchmark, for the RATIO lines the programs print after
// the run. With repetitions the median is used, otherwise the mean.
#pragma once

#include <benchmark/benchmark.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ratio_figure.h"

namespace secmedia::bench {

class RatioReporter : public benchmark::BenchmarkReporter {
 public:
  explicit RatioReporter(benchmark::BenchmarkReporter* display) : display_(display) {}

  bool ReportContext(const Context& context) override { return display_->ReportContext(context); }

  // Every repetition is kept for the spread; with repetitions the display shows only the aggregates
  // (Google Benchmark's --benchmark_display_aggregates_only would hide the repetitions from this
  // reporter too, as it is the display reporter).
  void ReportRuns(const std::vector<Run>& runs) override {
    std::vector<Run> shown;
    for (const Run& run : runs) {
      if (run.run_type != Run::RT_Iteration || run.repetitions <= 1) shown.push_back(run);
    }
    for (const Run& run : runs) {
      const std::string& name = run.run_name.function_name;
      if (run.error_occurred) {
        failed_ = true;
      } else if (run.run_type == Run::RT_Iteration) {
        samples_[name].push_back(seconds(run));
      } else if (run.aggregate_name == "median") {
        medians_[name] = seconds(run);
      }
    }
    if (!shown.empty()) display_->ReportRuns(shown);
  }

  void Finalize() override { display_->Finalize(); }

  // CPU seconds per iteration of the benchmark `name`, if it ran.
  std::optional<double> seconds_per_iteration(const std::string& name) const {
    if (auto it = medians_.find(name); it != medians_.end()) return it->second;
    auto it = samples_.find(name);
    if (it == samples_.end() || it->second.empty()) return std::nullopt;
    double sum = 0;
    for (double sample : it->second) sum += sample;
    return sum / static_cast<double>(it->second.size());
  }

  // CPU seconds per iteration of each repetition of `name`, in the order they ran.
  std::vector<double> samples(const std::string& name) const {
    auto it = samples_.find(name);
    return it == samples_.end() ? std::vector<double>{} : it->second;
  }

  bool failed() const { return failed_; }

 private:
  static double seconds(const Run& run) {
    const double time = run.GetAdjustedCPUTime();
    switch (run.time_unit) {
      case benchmark::kSecond:
        return time;
      case benchmark::kMillisecond:
        return time * 1e-3;
      case benchmark::kMicrosecond:
        return time * 1e-6;
      case benchmark::kNanosecond:
        return time * 1e-9;
    }
    return time;
  }

  benchmark::BenchmarkReporter* display_;
  std::map<std::string, std::vector<double>> samples_;
  std::map<std::string, double> medians_;
  bool failed_ = false;
};

}  // namespace secmedia::bench
