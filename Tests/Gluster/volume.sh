#!/usr/bin/env bash
# A throwaway GlusterFS volume on this machine, mounted by two FUSE clients (two "hosts").
#
#   volume.sh up DIR [default|strict]   creates DIR/brick, a volume named after DIR, and mounts
#                                       it at DIR/a and DIR/b; prints nothing but errors
#   volume.sh down DIR                  unmounts, stops and deletes that volume, removes DIR;
#                                       stops glusterd too when this script started it and no
#                                       other volume is left. Safe to run twice, or on a DIR
#                                       whose "up" failed halfway.
#   volume.sh sweep                     "down" for every DIR left by a crashed run
#                                       (/tmp/queuectl-gluster.*) whose owner process is gone.
#
# Every name is unique to DIR (volume qctl-<suffix of DIR>), so a crashed run never poisons the
# next one. Needs root, /dev/fuse, glusterd, gluster, glusterfs (Debian: glusterfs-server,
# glusterfs-client). "strict" turns off the caching translators on the server and starts each
# client with every kernel cache timeout at 0 (mount.glusterfs mangles --fopen-keep-cache=off,
# so the client is started by hand).
set -uo pipefail

die() { echo "volume.sh: $*" >&2; exit 1; }
g() { timeout 60 gluster --mode=script "$@"; }

volume_name() { echo "qctl-$(basename "$1" | sed 's/[^A-Za-z0-9]/-/g; s/^queuectl-gluster-*//')"; }

is_mounted() { awk -v m="$1" '$5 == m { found = 1 } END { exit !found }' /proc/self/mountinfo; }

glusterd_up() { g volume list >/dev/null 2>&1; }

up() {
    local dir=$1 variant=${2:-default}
    [ "$(id -u)" = 0 ] || die "needs root"
    [ -e /dev/fuse ] || die "/dev/fuse does not exist"
    for tool in glusterd gluster glusterfs; do command -v $tool >/dev/null || die "$tool is not installed"; done
    down "$dir" 2>/dev/null  # idempotent: whatever an earlier "up" of this DIR left
    mkdir -p "$dir/brick" "$dir/a" "$dir/b" || die "cannot create $dir"
    echo $PPID >"$dir/owner"
    local volume; volume=$(volume_name "$dir")
    echo "$volume" >"$dir/volume"
    if ! glusterd_up; then
        # No systemd here: glusterd forks and writes its pid file. Ours only if we start it.
        /usr/sbin/glusterd -p "$dir/glusterd.pid" --log-level WARNING || die "glusterd did not start"
        echo yes >"$dir/started-glusterd"
        for _ in $(seq 1 50); do glusterd_up && break; sleep 0.2; done
        glusterd_up || die "glusterd does not answer"
    fi
    # force: the brick is on the root file system.
    g volume create "$volume" "$(hostname):$dir/brick" force >/dev/null || die "volume create $volume failed"
    if [ "$variant" = strict ]; then
        for option in performance.stat-prefetch performance.quick-read performance.open-behind performance.write-behind; do
            g volume set "$volume" "$option" off >/dev/null || die "volume set $option off failed"
        done
    fi
    g volume start "$volume" >/dev/null || die "volume start $volume failed"
    for client in a b; do
        local mounted=no
        for _ in $(seq 1 25); do
            if [ "$variant" = strict ]; then
                glusterfs --volfile-server=localhost --volfile-id="/$volume" --attribute-timeout=0 --entry-timeout=0 \
                    --negative-timeout=0 --fopen-keep-cache=off "$dir/$client" 2>/dev/null
            else
                mount -t glusterfs "localhost:/$volume" "$dir/$client" 2>/dev/null
            fi
            for _ in $(seq 1 20); do is_mounted "$dir/$client" && { mounted=yes; break; }; sleep 0.1; done
            [ $mounted = yes ] && break
            sleep 0.2  # the brick may not listen yet
        done
        [ $mounted = yes ] || die "could not mount $volume at $dir/$client"
    done
    # Both clients see one volume: a file made through a is visible through b.
    touch "$dir/a/.probe" && for _ in $(seq 1 30); do [ -e "$dir/b/.probe" ] && break; sleep 0.1; done
    [ -e "$dir/b/.probe" ] || die "the two mounts do not share $volume"
    rm -f "$dir/a/.probe"
}

down() {
    local dir=$1
    [ -d "$dir" ] || return 0
    local volume; volume=$(cat "$dir/volume" 2>/dev/null || volume_name "$dir")
    for client in a b; do
        if is_mounted "$dir/$client"; then
            umount "$dir/$client" 2>/dev/null || umount -l "$dir/$client" 2>/dev/null
        fi
    done
    if glusterd_up && g volume info "$volume" >/dev/null 2>&1; then
        g volume stop "$volume" force >/dev/null 2>&1
        g volume delete "$volume" >/dev/null 2>&1
    fi
    if [ -f "$dir/started-glusterd" ] && ! g volume list 2>/dev/null | grep -q .; then
        local pid; pid=$(cat "$dir/glusterd.pid" 2>/dev/null)
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
            kill "$pid"
            for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        fi
    fi
    # Never remove through a mount that is still there.
    for client in a b; do is_mounted "$dir/$client" && die "$dir/$client is still mounted; left $dir"; done
    rm -rf "$dir"
}

sweep() {
    local dir owner
    for dir in /tmp/queuectl-gluster.*; do
        [ -d "$dir" ] || continue
        owner=$(cat "$dir/owner" 2>/dev/null)
        if [ -n "$owner" ] && kill -0 "$owner" 2>/dev/null; then continue; fi
        down "$dir"
    done
}

case "${1:-}" in
    up) [ $# -ge 2 ] || die "usage: volume.sh up DIR [default|strict]"; up "$2" "${3:-default}" ;;
    down) [ $# -ge 2 ] || die "usage: volume.sh down DIR"; down "$2" ;;
    sweep) sweep ;;
    *) die "usage: volume.sh up DIR [default|strict] | down DIR | sweep" ;;
esac
