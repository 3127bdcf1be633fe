#!/bin/bash
# Health check of the jobboard-http image without curl: GET a path (default
# /ready; /health for a liveness probe) on the port of JOBBOARD_LISTEN over
# bash's /dev/tcp; exit 0 on "200".
#   jobboard-healthcheck [PATH]
path=${1:-/ready}
port=${JOBBOARD_LISTEN##*:}
port=${port:-8080}
exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$path" >&3
IFS= read -r -t 3 status <&3 || exit 1
case $status in
"HTTP/1."[01]" 200 "*) exit 0 ;;
*) exit 1 ;;
esac
