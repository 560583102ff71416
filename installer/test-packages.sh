#!/usr/bin/env bash
# The package test (ctest -L package; docs/packaging.md). Usage: test-packages.sh <build dir>
#
# Builds the .deb packages of <build dir> with cpack, runs lintian on them (errors fail),
# installs them with apt-get, checks the installed files, the system user and the systemd
# unit (systemd-analyze verify), runs the installed petrel-server as the user petrel with the
# installed config (its ports moved to free ones) and passes messages through it with
# mosquitto_pub/mosquitto_sub (and through the installed petrel-admin's embedded broker),
# builds the examples libpetrel-dev installs (installer/example, examples/) against it with
# find_package(Petrel) and runs one, then upgrades to the next Debian revision, removes (data
# and config kept), installs again (kept), and purges (gone).
#
# It changes this machine (packages, the user petrel), so it needs root and skips (77)
# otherwise, or when a Petrel package is installed already. Every wait is bounded.
set -euo pipefail

build=$(cd "${1:?usage: test-packages.sh <build dir>}" && pwd)
packages=(petrel-server libpetrel-dev petrel-admin)

say() { printf 'package test: [%3ds] %s\n' "$SECONDS" "$*"; }
die() {
    printf 'package test: FAIL: %s\n' "$*" >&2
    exit 1
}
check() { # check <description> <command...>
    local what=$1
    shift
    "$@" || die "$what"
}

if [ "$(id -u)" -ne 0 ]; then
    say "SKIP: needs root (it installs and purges the packages on this machine)"
    exit 77
fi
for p in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    if [ -n "$status" ] && [ "${status##* }" != not-installed ]; then
        say "SKIP: $p is on this machine already; this test would replace and purge it"
        exit 77
    fi
done
for tool in cpack lintian apt-get dpkg-deb systemd-analyze mosquitto_pub mosquitto_sub cmake \
    setpriv python3 curl; do
    command -v "$tool" >/dev/null || die "$tool is missing (installer/apt-packages.txt)"
done

work=$(mktemp -d /tmp/petrel-package-test.XXXXXX)
chmod 0755 "$work" # the server runs as petrel and reads its config from here
server_pid=
installed=
cleanup() {
    local rc=$?
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    if [ -n "$installed" ]; then # a failed run leaves nothing installed either
        DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq "${installed[@]}" >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
    exit $rc
}
trap cleanup EXIT
export DEBIAN_FRONTEND=noninteractive

# --- build the packages -------------------------------------------------------------------
version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$build/CPackConfig.cmake")
revision=$(sed -n 's/^set(CPACK_DEBIAN_PACKAGE_RELEASE "\(.*\)")$/\1/p' "$build/CPackConfig.cmake")
arch=$(dpkg --print-architecture)
[ -n "$version" ] && [ -n "$revision" ] || die "no version in $build/CPackConfig.cmake"
say "cpack $version-$revision ($arch)"
cpack --config "$build/CPackConfig.cmake" -B "$work/out" >"$work/cpack.log" 2>&1 ||
    { cat "$work/cpack.log"; die "cpack failed"; }
debs=("$work"/out/*.deb)
expected=(petrel-server libpetrel-dev)
grep -q '^set(CPACK_COMPONENTS_ALL ".*admin' "$build/CPackConfig.cmake" && expected+=(petrel-admin)
for p in "${expected[@]}"; do
    check "no ${p}_${version}-${revision}_${arch}.deb" test -f "$work/out/${p}_${version}-${revision}_${arch}.deb"
done
check "${#debs[@]} .deb files, expected ${#expected[@]}" test "${#debs[@]}" -eq "${#expected[@]}"
check "no petrel_${version}-${revision}_${arch}.tar.gz" test -f "$work/out/petrel_${version}-${revision}_${arch}.tar.gz"
tar -tzf "$work/out/petrel_${version}-${revision}_${arch}.tar.gz" >"$work/tar.list"
for f in usr/bin/petrel-server etc/petrel/petrel.yaml usr/lib/systemd/system/petrel.service; do
    check "$f missing from the .tar.gz" grep -q "/$f\$" "$work/tar.list"
done
check "/etc/petrel/petrel.yaml is not a conffile" \
    test "$(dpkg-deb --ctrl-tarfile "$work/out/petrel-server_${version}-${revision}_${arch}.deb" |
        tar -xOf - ./conffiles)" = /etc/petrel/petrel.yaml
for deb in "${debs[@]}"; do
    deps=$(dpkg-deb -f "$deb" Depends)
    say "$(basename "$deb"): Depends: $deps"
done
check "petrel-server declares no shared library dependencies (shlibdeps)" \
    grep -q 'libqt6core6' <<<"$(dpkg-deb -f "$work/out/petrel-server_${version}-${revision}_${arch}.deb" Depends)"

# --- lintian ------------------------------------------------------------------------------
say "lintian"
if ! lintian --fail-on error --allow-root "${debs[@]}" >"$work/lintian.log" 2>&1; then
    cat "$work/lintian.log"
    die "lintian reports errors"
fi
sed 's/^/  /' "$work/lintian.log"

# --- install ------------------------------------------------------------------------------
say "apt-get install ${debs[*]##*/}"
installed=("${expected[@]}")
apt-get install -y -qq --no-install-recommends "${debs[@]}" >"$work/apt.log" 2>&1 ||
    { cat "$work/apt.log"; die "apt-get install failed"; }
for p in "${expected[@]}"; do
    while IFS= read -r f; do
        check "$p lists $f but it is not there" test -e "$f"
    done < <(dpkg -L "$p")
done
check "/usr/bin/petrel-server is not executable" test -x /usr/bin/petrel-server
check "petrel-server --version" grep -q "$version" <<<"$(/usr/bin/petrel-server --version)"
check "no system user petrel" getent passwd petrel >/dev/null
read -r user_uid user_home user_shell < <(getent passwd petrel | awk -F: '{print $3, $6, $7}')
check "petrel is not a system user (uid $user_uid)" test "$user_uid" -lt 1000
check "petrel's home is $user_home" test "$user_home" = /var/lib/petrel
check "petrel can log in ($user_shell)" test "$user_shell" = /usr/sbin/nologin
check "/var/lib/petrel is not petrel:petrel 750" \
    test "$(stat -c '%U:%G %a' /var/lib/petrel)" = "petrel:petrel 750"
check "/etc/petrel/petrel.yaml is not root:petrel 640" \
    test "$(stat -c '%U:%G %a' /etc/petrel/petrel.yaml)" = "root:petrel 640"
check "petrel.service is not enabled (multi-user.target.wants)" \
    test -L /etc/systemd/system/multi-user.target.wants/petrel.service
check "no libpetrel_core.a" test -f "/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/libpetrel_core.a"
check "no header broker/broker.h" test -f /usr/include/petrel/broker/broker.h
check "a private header was installed" test -z "$(find /usr/include/petrel -name '*_p.h')"
if [[ " ${expected[*]} " == *" petrel-admin "* ]]; then
    check "no /usr/bin/petrel-admin" test -x /usr/bin/petrel-admin
    desktop=/usr/share/applications/org.petrel.Admin.desktop
    check "no $desktop" test -f "$desktop"
    check "desktop-file-validate $desktop" desktop-file-validate "$desktop"
    check "appstreamcli validate" appstreamcli validate --no-net /usr/share/metainfo/org.petrel.Admin.metainfo.xml
    check "no scalable icon" test -f /usr/share/icons/hicolor/scalable/apps/petrel-admin.svg
    check "no 48x48 icon" test -f /usr/share/icons/hicolor/48x48/apps/petrel-admin.png
    check "the 48x48 icon is not 48x48" grep -q '48 x 48' <<<"$(file /usr/share/icons/hicolor/48x48/apps/petrel-admin.png)"
fi

# --- the systemd unit ---------------------------------------------------------------------
unit=/usr/lib/systemd/system/petrel.service
say "systemd-analyze verify $unit"
systemd-analyze verify "$unit" >"$work/verify.log" 2>&1 || { cat "$work/verify.log"; die "systemd-analyze verify failed"; }
sed 's/^/  /' "$work/verify.log"
for key in User=petrel StateDirectory=petrel ProtectSystem=strict NoNewPrivileges=yes PrivateTmp=yes \
    Restart=on-failure 'ExecStart=/usr/bin/petrel-server --config /etc/petrel/petrel.yaml'; do
    check "$unit has no $key" grep -q "^$key" "$unit"
done
if systemd-analyze security --offline=true "$unit" >"$work/security.log" 2>&1; then
    say "$(grep -o 'Overall exposure level.*' "$work/security.log")"
fi

# --- run the installed server with the installed config -------------------------------------
# start_server <log>: the installed petrel-server as petrel, with the installed config whose
# three listener addresses are moved to free loopback ports (nothing else changes), and the
# service's data directory. Sets tcp_port, http_port, server_pid.
start_server() {
    local log=$1 ws_port config="$work/petrel.yaml"
    read -r tcp_port ws_port http_port < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(3)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])
for s in socks: s.close()')
    sed -e "s/address: \":1883\"/address: \"127.0.0.1:$tcp_port\"/" \
        -e "s/address: \":1882\"/address: \"127.0.0.1:$ws_port\"/" \
        -e "s/address: \"127.0.0.1:8080\"/address: \"127.0.0.1:$http_port\"/" /etc/petrel/petrel.yaml >"$config"
    check "the installed config's listeners are not :1883, :1882, 127.0.0.1:8080" \
        test "$(diff /etc/petrel/petrel.yaml "$config" | grep -c '^>')" -eq 3
    chmod 0644 "$config"
    # setpriv execs the server itself (runuser would stay in between and answer the signal).
    say "petrel-server as petrel on 127.0.0.1:$tcp_port (ws $ws_port, http $http_port)"
    setpriv --reuid=petrel --regid=petrel --init-groups -- /usr/bin/petrel-server --config "$config" \
        --data-dir /var/lib/petrel >"$log" 2>&1 &
    server_pid=$!
    for _ in $(seq 100); do
        grep -qs 'running' "$log" && break
        kill -0 "$server_pid" 2>/dev/null || { cat "$log"; die "petrel-server exited"; }
        sleep 0.1
    done
    grep -q 'running' "$log" || { cat "$log"; die "petrel-server did not start in 10 s"; }
    for l in "tcp: tcp on 127.0.0.1:$tcp_port" "ws: ws on 127.0.0.1:$ws_port" "stats: http on 127.0.0.1:$http_port"; do
        check "no listener $l in the server log" grep -q "listener $l" "$log"
    done
}
# stop_server <log>: SIGTERM; it must exit 0 within 10 s.
stop_server() {
    local log=$1 rc=0
    kill -TERM "$server_pid"
    for _ in $(seq 100); do
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$server_pid" 2>/dev/null && die "petrel-server did not stop in 10 s after SIGTERM"
    wait "$server_pid" || rc=$?
    server_pid=
    sed 's/^/  server: /' "$log"
    check "petrel-server exited with $rc after SIGTERM" test "$rc" -eq 0
}
# retained_is <value>: the retained message the first run published, from the running server.
retained_is() {
    local got
    got=$(mosquitto_sub -h 127.0.0.1 -p "$tcp_port" -V mqttv5 -t petrel/package/retained -C 1 -W 10 || true)
    check "retained message: got '$got', expected '$1'" test "$got" = "$1"
}

start_server "$work/server.log"
# A retained message (MQTT 5, QoS 1), then a live one (3.1.1, QoS 2) to a waiting subscriber.
check "mosquitto_pub retained" mosquitto_pub -h 127.0.0.1 -p "$tcp_port" -V mqttv5 -q 1 -r \
    -t petrel/package/retained -m "kept"
retained_is kept
mosquitto_sub -h 127.0.0.1 -p "$tcp_port" -V mqttv311 -q 2 -t petrel/package/live -C 1 -W 20 \
    >"$work/live.txt" &
sub_pid=$!
for i in $(seq 100); do # until the subscriber got one (it may not be subscribed yet at first)
    kill -0 "$sub_pid" 2>/dev/null || break
    mosquitto_pub -h 127.0.0.1 -p "$tcp_port" -V mqttv311 -q 2 -t petrel/package/live -m "live $i" || true
    sleep 0.1
done
wait "$sub_pid" || die "mosquitto_sub got no live message"
check "live message: got '$(cat "$work/live.txt")'" grep -q '^live [0-9]*$' "$work/live.txt"
check "HTTP /healthcheck" curl -fsS -o /dev/null "http://127.0.0.1:$http_port/healthcheck"

stop_server "$work/server.log"
db=/var/lib/petrel/petrel.db
check "no SQLite file $db" test -f "$db"
check "$db is not owned by petrel" test "$(stat -c %U "$db")" = petrel

# --- petrel-admin: the installed app runs a broker that real clients use ---------------------
if [[ " ${expected[*]} " == *" petrel-admin "* ]]; then
    admin_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    printf 'listeners:\n  - type: tcp\n    id: t\n    address: "127.0.0.1:%s"\nhooks:\n  auth:\n    allow_all: true\n' \
        "$admin_port" >"$work/admin.yaml"
    mkdir -m 0700 "$work/admin-home" "$work/admin-runtime"
    say "petrel-admin --embedded --start (offscreen) on 127.0.0.1:$admin_port"
    HOME="$work/admin-home" XDG_CONFIG_HOME="$work/admin-home" XDG_RUNTIME_DIR="$work/admin-runtime" \
        QT_QPA_PLATFORM=offscreen /usr/bin/petrel-admin --embedded --start --config "$work/admin.yaml" \
        >"$work/admin.log" 2>&1 &
    server_pid=$! # cleanup stops it if anything below fails
    for _ in $(seq 50); do
        mosquitto_pub -h 127.0.0.1 -p "$admin_port" -q 1 -r -t petrel/package/admin -m up 2>/dev/null && break
        kill -0 "$server_pid" 2>/dev/null || { cat "$work/admin.log"; die "petrel-admin exited"; }
        sleep 0.2
    done
    got=$(mosquitto_sub -h 127.0.0.1 -p "$admin_port" -t petrel/package/admin -C 1 -W 10 || true)
    [ "$got" = up ] || { cat "$work/admin.log"; die "petrel-admin's broker did not pass a message: got '$got'"; }
    kill -TERM "$server_pid"
    wait "$server_pid" 2>/dev/null || true
    server_pid=
fi

# --- libpetrel-dev: an out-of-tree program with find_package(Petrel) -----------------------
examples=/usr/share/doc/libpetrel-dev/examples
say "$examples (installer/example, examples/) against the installed libpetrel-dev"
cmake -S "$examples" -B "$work/example" -G Ninja -DCMAKE_BUILD_TYPE= \
    -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON >"$work/example.log" 2>&1 ||
    { cat "$work/example.log"; die "configuring the example failed"; }
check "the example did not find Petrel in /usr" \
    grep -q "Petrel $version from /usr/lib/.*/cmake/Petrel" "$work/example.log"
# Every installed header is usable (no private or missing includes): one file including all.
mkdir -p "$work/example/headers"
{
    echo 'cmake_minimum_required(VERSION 3.25)'
    echo 'project(PetrelHeaders LANGUAGES CXX)'
    echo 'set(CMAKE_CXX_STANDARD 20)'
    echo 'find_package(Petrel REQUIRED)'
    echo 'file(GLOB_RECURSE headers /usr/include/petrel/*.h)'
    echo 'list(TRANSFORM headers PREPEND "#include \"")'
    echo 'list(TRANSFORM headers APPEND "\"\n")'
    echo 'file(WRITE ${CMAKE_BINARY_DIR}/all_headers.cpp ${headers})'
    echo 'add_library(petrel_headers OBJECT ${CMAKE_BINARY_DIR}/all_headers.cpp)'
    echo 'target_link_libraries(petrel_headers PRIVATE Petrel::core)'
} >"$work/example/headers/CMakeLists.txt"
{
    cmake --build "$work/example" &&
        cmake -S "$work/example/headers" -B "$work/example/headers/build" -G Ninja -DCMAKE_BUILD_TYPE= &&
        cmake --build "$work/example/headers/build"
} >>"$work/example.log" 2>&1 || { cat "$work/example.log"; die "building against libpetrel-dev failed"; }
programs=$(find "$examples" -name main.cpp | wc -l)
built=$(find "$work/example" -maxdepth 1 -name 'example_*' -type f -executable | wc -l)
check "$built example programs built, expected $programs" test "$built" -eq "$programs"
check "fewer than 2 example programs" test "$programs" -ge 2
"$work/example/example_embed" >"$work/example.out" 2>&1 || { cat "$work/example.out"; die "example_embed failed"; }
check "example_embed did not print ok" grep -qx ok "$work/example.out"

# --- upgrade, remove, install again: data and config stay --------------------------------
echo "# changed by the package test" >>/etc/petrel/petrel.yaml
setpriv --reuid=petrel --regid=petrel --init-groups -- touch /var/lib/petrel/package-test-marker
next=$((revision + 1)) # the same files as revision $next: a real upgrade for dpkg
say "apt-get install of $version-$next (upgrade)"
cpack --config "$build/CPackConfig.cmake" -G DEB -D CPACK_DEBIAN_PACKAGE_RELEASE=$next \
    -D CPACK_DEBIAN_COMPRESSION_TYPE=gzip -B "$work/next" \
    >"$work/cpack.log" 2>&1 || { cat "$work/cpack.log"; die "cpack of revision $next failed"; }
next_debs=("$work"/next/*_"$version-${next}_$arch".deb)
check "${#next_debs[@]} .deb files of revision $next" test "${#next_debs[@]}" -eq "${#expected[@]}"
apt-get install -y -qq --no-install-recommends "${next_debs[@]}" >"$work/apt.log" 2>&1 ||
    { cat "$work/apt.log"; die "upgrading failed"; }
check "petrel-server was not upgraded" test "$(dpkg-query -W -f='${Version}' petrel-server)" = "$version-$next"
check "the upgrade lost the data" test -f /var/lib/petrel/package-test-marker
check "the upgrade replaced the changed config" grep -q "changed by the package test" /etc/petrel/petrel.yaml
check "the upgrade changed the config's owner" \
    test "$(stat -c '%U:%G %a' /etc/petrel/petrel.yaml)" = "root:petrel 640"
check "the service is not enabled after the upgrade" \
    test -L /etc/systemd/system/multi-user.target.wants/petrel.service
start_server "$work/server-upgraded.log" # the upgraded server has the retained message
retained_is kept
stop_server "$work/server-upgraded.log"

say "apt-get remove"
apt-get remove -y -qq "${expected[@]}" >"$work/apt.log" 2>&1 || { cat "$work/apt.log"; die "apt-get remove failed"; }
for f in /usr/bin/petrel-server /usr/bin/petrel-admin "$unit" /usr/include/petrel; do
    check "$f is still there after remove" test ! -e "$f"
done
check "remove deleted the data" test -f /var/lib/petrel/package-test-marker
check "remove deleted the changed config" grep -q "changed by the package test" /etc/petrel/petrel.yaml
check "remove deleted the user" getent passwd petrel >/dev/null
say "apt-get install again"
apt-get install -y -qq --no-install-recommends "${next_debs[@]}" >"$work/apt.log" 2>&1 ||
    { cat "$work/apt.log"; die "installing again failed"; }
check "installing again lost the data" test -f /var/lib/petrel/package-test-marker
check "installing again replaced the changed config" grep -q "changed by the package test" /etc/petrel/petrel.yaml
check "the service is not enabled after installing again" \
    test -L /etc/systemd/system/multi-user.target.wants/petrel.service
start_server "$work/server-again.log" # and after remove and install
retained_is kept
stop_server "$work/server-again.log"

say "apt-get purge"
dpkg -L "${expected[@]}" | sort -u >"$work/files.list"
apt-get purge -y -qq "${expected[@]}" >"$work/apt.log" 2>&1 || { cat "$work/apt.log"; die "apt-get purge failed"; }
installed=
for p in "${expected[@]}"; do
    check "$p is still known to dpkg after purge" \
        test -z "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -v 'not-installed')"
done
while IFS= read -r f; do # directories shared with other packages (/usr/bin, ...) stay
    if [ -e "$f" ] && ! [ -d "$f" ]; then die "$f is left after purge"; fi
done <"$work/files.list"
for f in /etc/petrel /var/lib/petrel /usr/include/petrel "/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/cmake/Petrel" \
    /usr/share/doc/petrel-server; do
    check "$f is left after purge" test ! -e "$f"
done
leftovers=$(find /etc/systemd /var/lib/systemd -name '*petrel*' 2>/dev/null || true)
check "service state left after purge: $leftovers" test -z "$leftovers"
leftovers=$(find /etc /var /usr /opt /srv /run /tmp -xdev -user petrel 2>/dev/null | grep -v "^$work" || true)
check "files owned by petrel left after purge: $leftovers" test -z "$leftovers"
check "the system user petrel was deleted (Debian keeps system users)" getent passwd petrel >/dev/null
say "PASS"
