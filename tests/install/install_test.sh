#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# meson install into a DESTDIR, then everything from the installed files only: the plugins (selected
# by GST_PLUGIN_PATH over gst-plugins-bad's), a DTLS-SRTP call between two DTLS peers in one
# gst-launch-1.0 pipeline (keys by DTLS, media decrypted and decoded), the certificate command, and a
# C++ program built against the installed library through its pkg-config file.
#   install_test.sh BUILD_DIR SOURCE_DIR
set -u
build=$(realpath "$1")
source=$(realpath "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
check() {  # check NAME STATUS MESSAGE
  if [ "$2" -eq 0 ]; then echo "[  OK  ] $1"; else echo "[ FAIL ] $1: $3"; failures=$((failures + 1)); fi
}

dest=$work/root
meson install -C "$build" --destdir "$dest" --no-rebuild --quiet > "$work/install.log" 2>&1
check meson_install $? "$(tail -5 "$work/install.log")"
prefix=$(meson introspect "$build" --buildoptions | /usr/bin/python3 -c \
  'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))')
libdir=$(meson introspect "$build" --buildoptions | /usr/bin/python3 -c \
  'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "libdir"))')
root=$dest$prefix
for file in "$libdir/gstreamer-1.0/libgstsrtp.so" "$libdir/gstreamer-1.0/libgstdtls.so" \
    bin/secmedia-cert "$libdir/libsecmedia-srtp.a" "$libdir/libsecmedia-dtls.a" \
    "$libdir/pkgconfig/secmedia.pc" "$libdir/pkgconfig/secmedia-srtp.pc" \
    include/secmedia/srtp.h include/secmedia/dtls.h include/secmedia/keying_material.h \
    include/secmedia/srtp_keyring.h; do
  [ -f "$root/$file" ]
  check "installed_${file//\//_}" $? "$root/$file missing"
done

# Only the installed plugins: no build directory on any path.
export GST_PLUGIN_PATH=$root/$libdir/gstreamer-1.0
export GST_REGISTRY=$work/registry.bin
for element in srtpenc srtpdec dtlsenc dtlsdec dtlssrtpenc dtlssrtpdec; do
  file=$(gst-inspect-1.0 "$element" | sed -n 's/^ *Filename *//p')
  [[ "$file" == "$root/"* ]]
  check "${element}_from_installed_file" $? "$element comes from $file"
done

# The demo: a DTLS-SRTP call in one pipeline (peer a is the client, b the server), keys by DTLS.
timeout 60 gst-launch-1.0 -v audiotestsrc is-live=true num-buffers=100 ! alawenc ! rtppcmapay ! \
  srtpenc ! dtlsenc connection-id=a is-client=true ! dtlsdec connection-id=b ! srtpdec ! \
  capssetter caps="application/x-rtp,media=audio,clock-rate=8000,encoding-name=PCMA,payload=8" ! \
  rtppcmadepay ! alawdec ! fakesink silent=false \
  dtlsenc connection-id=b ! dtlsdec connection-id=a ! fakesink async=false > "$work/call.log" 2>&1
decoded=$(grep -c "last-message = chain" "$work/call.log")
[ "$decoded" -ge 90 ]
check dtls_srtp_call_with_installed_plugins $? "$decoded of 100 buffers decoded; $(grep -i error "$work/call.log" | head -3)"

printed=$("$root/bin/secmedia-cert" new "$work/id.pem")
[ "$printed" = "$("$root/bin/secmedia-cert" fingerprint "$work/id.pem")" ] && [[ "$printed" == sha-256\ * ]]
check installed_secmedia_cert $? "printed '$printed'"

# A program against the installed library, found through its pkg-config file only.
export PKG_CONFIG_LIBDIR=$root/$libdir/pkgconfig:/usr/lib/x86_64-linux-gnu/pkgconfig:/usr/share/pkgconfig
export PKG_CONFIG_SYSROOT_DIR=$dest
flags=$(pkg-config --cflags --libs secmedia)
check pkg_config_finds_secmedia $? "pkg-config: $flags"
c++ -std=c++20 -o "$work/srtp_roundtrip" "$source/examples/srtp_roundtrip.cpp" $flags > "$work/cc.log" 2>&1
check builds_against_installed_library $? "$(head -5 "$work/cc.log")"
"$work/srtp_roundtrip" > "$work/run.log" 2>&1
check installed_library_round_trip $? "$(tail -3 "$work/run.log")"

# The SRTP engine alone needs libcrypto, never libssl: a program built through secmedia-srtp.pc and
# the srtp plugin link no libssl.
flags=$(pkg-config --cflags --libs secmedia-srtp)
check pkg_config_finds_secmedia_srtp $? "pkg-config: $flags"
c++ -std=c++20 -o "$work/srtp_only" "$source/examples/srtp_roundtrip.cpp" $flags > "$work/cc2.log" 2>&1
check builds_against_srtp_library_alone $? "$(head -5 "$work/cc2.log")"
"$work/srtp_only" > "$work/run2.log" 2>&1
check srtp_library_alone_round_trip $? "$(tail -3 "$work/run2.log")"
ssl_symbols=$(nm -u "$root/$libdir/libsecmedia-srtp.a" | grep -cE ' (SSL|DTLS|TLS)_')
[ "$ssl_symbols" -eq 0 ] && ! grep -q libssl "$root/$libdir/pkgconfig/secmedia-srtp.pc"
check srtp_library_uses_no_libssl $? "$ssl_symbols libssl symbols in libsecmedia-srtp.a"
for binary in "$work/srtp_only" "$root/$libdir/gstreamer-1.0/libgstsrtp.so"; do
  needed=$(readelf -d "$binary" | grep NEEDED)
  ! grep -q libssl <<< "$needed" && grep -q libcrypto <<< "$needed"
  check "no_libssl_in_$(basename "$binary")" $? "$needed"
done

echo "$failures failed"
exit $((failures > 0))
