#!/bin/sh
# Installs the linkerd-smi CLI (the Linkerd SMI extension's, which `linkerd smi`
# runs) for Linux and macOS, amd64 and arm64:
#
#   curl -sSfL https://linkerd-smi-ts.github.io/linkerd-smi/install | sh
#   sh install.sh
#
# The copy at that address is the one `pnpm release` published with the newest
# CLI release: it installs that version unless told otherwise. This file, run
# from a clone, installs the release GitHub calls latest.
#
# It downloads the release's sha256sums and the executable for this machine,
# checks the executable against sha256sums, and installs it as
# ~/.linkerd2/bin/linkerd-smi-<version>, with ~/.linkerd2/bin/linkerd-smi
# pointing at it (as Linkerd's installer does for `linkerd`).
#
# Environment:
#   LINKERD_SMI_VERSION      the version to install (0.3.0 or v0.3.0); default: the newest
#                            release when this script was published
#   LINKERD_SMI_RELEASE_URL  where the release's files are (linkerd-smi-<version>-<os>-<arch> and
#                            sha256sums); default: the GitHub release of the version (its tag
#                            is @linkerd-smi/cli@<version>, as changesets tags each package)
#   INSTALLROOT              default: ~/.linkerd2
#
# Windows: download linkerd-smi-<version>-windows-amd64.exe from the release
# (and check it against sha256sums) instead.
set -eu

# This project's releases (the repository is declared in package.json's "repository").
releases=https://github.com/linkerd-smi-ts/linkerd-smi/releases
# `pnpm release` writes these two lines in the copy it publishes: the CLI version it
# released, and where the files of a release are (<download>/<tag, URL-encoded>/<file>).
default_version=
download=${releases}/download
INSTALLROOT=${INSTALLROOT:-"${HOME}/.linkerd2"}

fail() {
  printf 'linkerd-smi install: %s\n' "$*" >&2
  exit 1
}

# --- platform -----------------------------------------------------------------

version=${LINKERD_SMI_VERSION:-$default_version}
version=${version#v}
if [ -n "${LINKERD_SMI_RELEASE_URL:-}" ]; then
  base=${LINKERD_SMI_RELEASE_URL%/}
elif [ -n "$version" ]; then
  # The tag @linkerd-smi/cli@<version>, URL-encoded.
  base="${download%/}/%40linkerd-smi%2Fcli%40${version}"
else
  base="${releases}/latest/download"
fi

os=$(uname -s)
arch=$(uname -m)
case $os in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  CYGWIN* | MINGW* | MSYS*)
    fail "this script installs on Linux and macOS; on Windows download linkerd-smi-<version>-windows-amd64.exe from ${base}/ and check it against ${base}/sha256sums"
    ;;
  *) fail "there is no linkerd-smi for ${os} (${arch}): Linux and macOS are supported; please open an issue with your platform details" ;;
esac
case $arch in
  x86_64 | amd64) arch=amd64 ;;
  aarch64* | arm64 | armv8*) arch=arm64 ;;
  *) fail "there is no linkerd-smi for ${os} on ${arch}: amd64 and arm64 are supported; please open an issue with your platform details" ;;
esac
# An x86_64 shell on Apple silicon (Rosetta) reports x86_64: the machine is arm64.
if [ "$os" = darwin ] && [ "$arch" = amd64 ] && [ "$(sysctl -n sysctl.proc_translated 2>/dev/null || true)" = 1 ]; then
  arch=arm64
fi

# --- tools --------------------------------------------------------------------

if command -v curl >/dev/null 2>&1; then
  download() {
    case $1 in
      https://*) curl --proto =https --proto-redir =https -fsSL -o "$2" "$1" ;;
      *) curl -fsSL -o "$2" "$1" ;;
    esac
  }
elif command -v wget >/dev/null 2>&1; then
  download() { wget -q -O "$2" "$1"; }
else
  fail "curl or wget is needed to download linkerd-smi"
fi

if command -v sha256sum >/dev/null 2>&1; then
  sha256() { sha256sum "$1" | cut -d ' ' -f 1; }
elif command -v shasum >/dev/null 2>&1; then
  sha256() { shasum -a 256 "$1" | cut -d ' ' -f 1; }
elif command -v openssl >/dev/null 2>&1; then
  sha256() { openssl dgst -sha256 -r "$1" | cut -d ' ' -f 1; }
else
  fail "sha256sum, shasum or openssl is needed to check the download"
fi

tmpdir=$(mktemp -d 2>/dev/null || mktemp -d -t linkerd-smi)
trap 'rm -rf "$tmpdir"' EXIT
trap 'exit 130' INT TERM

# --- download and check -------------------------------------------------------

download "${base}/sha256sums" "${tmpdir}/sha256sums" ||
  fail "could not download ${base}/sha256sums (is the version right? LINKERD_SMI_VERSION=${version:-latest})"

# sha256sum lines: "<sha256>  <file>" (or "<sha256> *<file>").
if [ -n "$version" ]; then
  file="linkerd-smi-${version}-${os}-${arch}"
  want=$(awk -v f="$file" '$2 == f || $2 == "*" f { print $1; exit }' "${tmpdir}/sha256sums")
else
  line=$(awk -v s="-${os}-${arch}" '{ f = $2; sub(/^\*/, "", f) }
    f ~ /^linkerd-smi-/ && substr(f, length(f) - length(s) + 1) == s { print $1, f; exit }' "${tmpdir}/sha256sums")
  want=${line%% *}
  file=${line#* }
  version=${file#linkerd-smi-}
  version=${version%"-${os}-${arch}"}
fi
[ -n "$want" ] || fail "the release has no linkerd-smi ${version:+${version} }for ${os}-${arch} (${base}/sha256sums)"

printf 'Downloading %s...\n' "${base}/${file}"
download "${base}/${file}" "${tmpdir}/${file}" || fail "could not download ${base}/${file}"

got=$(sha256 "${tmpdir}/${file}")
if [ "$got" != "$want" ]; then
  fail "checksum mismatch for ${file}: sha256sums says ${want}, the download is ${got}; nothing was installed"
fi
printf 'Checksum valid (sha256 %s).\n' "$got"

chmod +x "${tmpdir}/${file}"
if ! "${tmpdir}/${file}" version --client --short >/dev/null 2>"${tmpdir}/run.err"; then
  cat "${tmpdir}/run.err" >&2
  fail "the downloaded ${file} does not run on this machine; nothing was installed"
fi

# --- install ------------------------------------------------------------------

bindir="${INSTALLROOT}/bin"
mkdir -p "$bindir"
cp "${tmpdir}/${file}" "${bindir}/.linkerd-smi-${version}.$$"
mv -f "${bindir}/.linkerd-smi-${version}.$$" "${bindir}/linkerd-smi-${version}"
ln -s "linkerd-smi-${version}" "${bindir}/.linkerd-smi.$$"
mv -f "${bindir}/.linkerd-smi.$$" "${bindir}/linkerd-smi"

printf '\nlinkerd-smi %s was installed to %s\n\n' "$version" "${bindir}/linkerd-smi"
# shellcheck disable=SC2016 # $PATH and `...` are for the user to read, not to expand
case ":${PATH}:" in
  *":${bindir}:"*)
    printf '%s is on your PATH: `linkerd smi` runs it.\n' "$bindir"
    ;;
  *)
    printf 'Add the linkerd bin folder to your PATH (in your shell profile too) with:\n\n'
    printf '  export PATH=$PATH:%s\n\n' "$bindir"
    printf 'Then `linkerd smi` finds it (linkerd runs the linkerd-smi on your PATH).\n'
    ;;
esac
printf '\nNow run:\n\n'
printf '  linkerd smi install | kubectl apply -f -   # install the SMI extension\n'
printf '  linkerd smi check                          # validate everything worked!\n\n'
