// SPDX-License-Identifier: LGPL-2.1-or-later
// What the element benchmarks (srtp_element_bench, dtls_element_bench, dtls_scale_harness) share:
// naming the plugin file each element came from, and waiting for DTLS elements to say connected.
#pragma once

#include <gst/gst.h>

#include <chrono>
#include <cstdio>
#include <span>
#include <string>

namespace secmedia::bench {

// connection-state "connected": the same value in our plugin and in gst-plugins-bad's.
constexpr int kConnected = 4;

// Prints "PLUGIN <element> <file> <version>", so that a driver can check that each side loaded its
// own plugin. False when no such element exists.
inline bool print_plugin(const char* factory_name) {
  GstElementFactory* factory = gst_element_factory_find(factory_name);
  if (!factory) return false;
  GstPlugin* plugin = gst_plugin_feature_get_plugin(GST_PLUGIN_FEATURE(factory));
  std::printf("PLUGIN %s %s %s\n", factory_name, plugin ? gst_plugin_get_filename(plugin) : "?",
              plugin ? gst_plugin_get_version(plugin) : "?");
  if (plugin) gst_object_unref(plugin);
  gst_object_unref(factory);
  return true;
}

// Not timed: waits until every element's connection-state is connected (it may be notified just
// after on-key-received). "" when all are; otherwise which element was not by `deadline`.
inline std::string wait_until_connected(std::span<GstElement* const> elements,
                                        std::chrono::steady_clock::time_point deadline) {
  for (GstElement* element : elements) {
    int state = -1;
    while (true) {
      g_object_get(element, "connection-state", &state, nullptr);
      if (state == kConnected) break;
      if (std::chrono::steady_clock::now() > deadline) {
        return std::string(GST_ELEMENT_NAME(element)) + " keyed but connection-state " +
               std::to_string(state);
      }
      g_usleep(1000);
    }
  }
  return "";
}

}  // namespace secmedia::bench
