#!/usr/bin/env bash
# Make sure the base image debian:bookworm-slim exists for the container
# engine (podman or docker), making it with debootstrap when no registry can
# be reached (CONTAINERS.md step 3). Prints the engine's name.
set -euo pipefail
JB_PROG=base-image
. "$(dirname "$0")/lib.sh"
engine=$(jb_engine)
jb_base_image "$engine"
echo "$engine"
