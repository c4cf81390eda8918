#!/usr/bin/env bash
# Fetch NVIDIA's NVENC API headers from Debian's libffmpeg-nvenc-dev packages (nv-codec-headers,
# MIT), one package per ABI listed in nvenc-abis.json, verify each .deb's sha256 and unpack the
# headers into third_party/nvenc-headers/<abi>/include. Nothing third-party is committed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out="$here/nvenc-headers"
work="${NVENC_HEADERS_CACHE:-$here/.cache}"
mkdir -p "$out" "$work"

entries=$(node -e '
  const j = require(process.argv[1]);
  for (const e of j.abis) if (e.package) console.log([e.abi, e.package, e.version, e.suite, e.sha256].join(" "));
' "$here/nvenc-abis.json")

apt_for_suite() {
  # A private apt state per suite keeps the system's own sources and lists untouched.
  local suite=$1 dir="$work/apt-$1"
  mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
  echo "deb http://deb.debian.org/debian $suite main" > "$dir/sources.list"
  APT_OPTS=(-o "Dir::Etc::SourceList=$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
            -o "Dir::State::Lists=$dir/lists" -o "Dir::Cache=$dir/cache"
            -o Acquire::Languages=none -o APT::Sandbox::User=root)
  if [[ ! -f "$dir/.updated" ]]; then
    apt-get "${APT_OPTS[@]}" update -qq >&2
    touch "$dir/.updated"
  fi
}

while read -r abi pkg version suite sha; do
  [[ -z "$abi" ]] && continue
  dest="$out/$abi"
  if [[ -f "$dest/.sha256" && "$(cat "$dest/.sha256")" == "$sha" ]]; then
    echo "nvenc headers $abi: present ($pkg $version)"
    continue
  fi
  deb="$work/${pkg}_${version}_all.deb"
  if [[ ! -f "$deb" ]] || ! echo "$sha  $deb" | sha256sum -c --status; then
    apt_for_suite "$suite"
    (cd "$work" && apt-get "${APT_OPTS[@]}" download -qq "$pkg=$version" >&2)
    found=$(ls "$work"/"${pkg}"_*"${version#*:}"_*.deb 2>/dev/null | head -n1 || true)
    [[ -n "$found" && "$found" != "$deb" ]] && mv "$found" "$deb"
  fi
  actual=$(sha256sum "$deb" | cut -d' ' -f1)
  if [[ "$actual" != "$sha" ]]; then
    echo "error: checksum mismatch for $pkg $version ($suite): expected $sha, got $actual." >&2
    echo "       Refusing to use these NVENC headers; see PROVENANCE.md." >&2
    rm -f "$deb"
    exit 1
  fi
  tmp=$(mktemp -d)
  dpkg-deb -x "$deb" "$tmp"
  rm -rf "$dest" && mkdir -p "$dest/include"
  cp -r "$tmp/usr/include/ffnvcodec" "$dest/include/"
  cp "$tmp/usr/share/doc/$pkg/copyright" "$dest/COPYRIGHT" 2>/dev/null || true
  rm -rf "$tmp"
  echo "$sha" > "$dest/.sha256"
  echo "nvenc headers $abi: $pkg $version ($suite) sha256 ok -> $dest/include"
done <<< "$entries"
