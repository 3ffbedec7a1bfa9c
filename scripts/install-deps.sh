#!/usr/bin/env bash
# Installs what a fresh machine lacks for building and testing vitalflow:
# Debian packages (PostgreSQL server, Prometheus, cmake and -dev libraries for rdkafka, the tools the stack's
# scripts call), and the Rust components (rustup itself is a prerequisite, see the README).
# Idempotent; fast when everything is present.
set -euo pipefail

need_apt=()
command -v cmake >/dev/null || need_apt+=(cmake)
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
[ -x /usr/lib/postgresql/15/bin/postgres ] || ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need_apt+=(postgresql)
command -v psql >/dev/null || need_apt+=(postgresql-client)
command -v curl >/dev/null || need_apt+=(curl)
command -v javac >/dev/null || need_apt+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || need_apt+=(maven)
# the stack's scripts: jq (registry and Connect REST), unzip (the Apicurio and Flink archives),
# python3 with pip (JSON status checks; pip fetches Flink's jars from the apache-flink-libraries
# wheel, and the Java 21 runtime Apicurio needs when the JDK is older) and procps (pgrep)
command -v jq >/dev/null || need_apt+=(jq)
command -v unzip >/dev/null || need_apt+=(unzip)
command -v python3 >/dev/null || need_apt+=(python3)
python3 -m pip --version >/dev/null 2>&1 || need_apt+=(python3-pip)
command -v pgrep >/dev/null || need_apt+=(procps)
# systemd-analyze verifies the shipped systemd units (make units-test); nothing here runs systemd
command -v systemd-analyze >/dev/null || need_apt+=(systemd)
for pkg in libssl-dev libsasl2-dev zlib1g-dev libcurl4-openssl-dev; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
# Prometheus for the stack's metrics and alert rules (and promtool, which `make check` runs on the
# rules), without its recommended node exporter
need_prometheus=0
command -v prometheus >/dev/null && command -v promtool >/dev/null || need_prometheus=1
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
if [ ${#need_apt[@]} -gt 0 ] || [ $need_prometheus = 1 ]; then $SUDO apt-get update -qq; fi
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need_apt[*]}"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
if [ $need_prometheus = 1 ]; then
  echo "installing Debian packages: prometheus (no recommends)"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt
echo "dependencies present"
