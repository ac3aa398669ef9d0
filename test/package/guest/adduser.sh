#!/bin/sh
# Installed as /usr/sbin/adduser and /usr/sbin/addgroup in the arm64 guest (test/package/
# arm64-kernel.test.ts), whose root has busybox but not Debian's adduser (perl) or passwd.
# Only the three calls the .deb's postinst makes, with Debian adduser's meaning, written to
# /etc/passwd and /etc/group (the first free system id from 100, as adduser.conf's
# FIRST_SYSTEM_UID/GID):
#   addgroup --quiet --system GROUP
#   adduser --quiet --system --group --no-create-home --home DIR --shell SH --gecos TEXT USER
#   adduser --quiet USER GROUP
# Anything else fails loudly, so a postinst change shows up here instead of passing silently.
set -eu
fail() { echo "$(basename "$0") (test shim): unsupported call: $*" >&2; exit 1; }
# The lowest id from 100 that is neither a uid nor a gid yet (systemd-sysusers has already taken
# some from 999 down at boot).
next_id() { awk -F: '{ used[$3] = 1 } END { for (id = 100; id in used; id++); print id }' /etc/passwd /etc/group; }
add_group() { grep -q "^$1:" /etc/group || echo "$1:x:${2:-$(next_id)}:" >> /etc/group; }

name=$(basename "$0")
system=0 group=0 home=/nonexistent shell=/usr/sbin/nologin gecos=
args=$*
while [ $# -gt 0 ]; do
  case "$1" in
    --quiet) ;;
    --system) system=1 ;;
    --group) group=1 ;;
    --no-create-home) ;;
    --home) home=$2; shift ;;
    --shell) shell=$2; shift ;;
    --gecos) gecos=$2; shift ;;
    --*) fail "$args" ;;
    *) break ;;
  esac
  shift
done

if [ "$name" = addgroup ]; then
  [ "$system" = 1 ] && [ $# -eq 1 ] || fail "$args"
  add_group "$1"
elif [ $# -eq 2 ] && [ "$system" = 0 ]; then # adduser USER GROUP
  grep -q "^$1:" /etc/passwd && grep -q "^$2:" /etc/group || { echo "adduser: no user $1 or group $2" >&2; exit 1; }
  awk -F: -v OFS=: -v g="$2" -v u="$1" '$1 == g { $4 = ($4 == "" ? u : $4 "," u) } { print }' /etc/group > /etc/group.new
  mv /etc/group.new /etc/group
elif [ $# -eq 1 ] && [ "$system" = 1 ] && [ "$group" = 1 ]; then
  id=$(next_id)
  add_group "$1" "$id"
  gid=$(awk -F: -v g="$1" '$1 == g { print $3 }' /etc/group)
  echo "$1:x:$id:$gid:$gecos:$home:$shell" >> /etc/passwd
else
  fail "$args"
fi
