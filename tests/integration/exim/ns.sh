#!/bin/sh
# ns.sh RUN CMD [ARGS...] - run CMD in a private mount namespace where
#   /etc/hosts maps smtp.office365.com to 127.0.0.1 (the fake server), and
#   /dev/log   is the test's syslog sink socket (RUN/syslog.sock),
# so that Exim's lines and relayhint's look as in production.  Nothing
# outside the namespace changes.  Needs root (unshare -m).
set -e
RUN=$1; shift
exec unshare -m --propagation private /bin/sh -c '
  set -e
  RUN=$1; shift
  printf "127.0.0.1\tlocalhost\n127.0.0.1\tsmtp.office365.com\n::1\tlocalhost\n" > $RUN/hosts
  mount --bind $RUN/hosts /etc/hosts
  # a fresh /dev, so /dev/log can be bound even where the host has none
  D=$RUN/dev; mkdir -p $D; mount -t tmpfs -o mode=755 tmpfs $D
  for n in null zero full random urandom tty; do touch $D/$n; mount --bind /dev/$n $D/$n; done
  mkdir $D/pts $D/shm; mount --bind /dev/pts $D/pts; mount --bind /dev/shm $D/shm
  ln -s /proc/self/fd $D/fd; ln -s fd/0 $D/stdin; ln -s fd/1 $D/stdout; ln -s fd/2 $D/stderr
  touch $D/log; mount --bind $RUN/syslog.sock $D/log
  mount --rbind $D /dev
  exec "$@"' ns "$RUN" "$@"
