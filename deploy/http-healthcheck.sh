#!/bin/bash
# Health check of the jobboard-http image without curl: GET /ready on the
# port of JOBBOARD_LISTEN over bash's /dev/tcp; exit 0 on "200".
port=${JOBBOARD_LISTEN##*:}
port=${port:-8080}
exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
printf 'GET /ready HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
IFS= read -r -t 3 status <&3 || exit 1
case $status in
"HTTP/1."[01]" 200 "*) exit 0 ;;
*) exit 1 ;;
esac
