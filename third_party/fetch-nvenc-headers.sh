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

# The Debian archive this machine already uses: the first enabled `deb` source that serves the
# system's own release (deb822 *.sources or one-line *.list / sources.list), so a machine behind a
# local mirror or proxy fetches through it unchanged (apt.conf proxies still apply). Its signing
# key option goes along. NVENC_APT_SOURCE="URI [signed-by=FILE]" overrides the choice.
system_debian_source() {
  local codename
  codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
  {
    for f in /etc/apt/sources.list.d/*.sources; do [[ -r $f ]] && { cat "$f"; echo; }; done; true
  } | awk -v want="$codename" '
    function flush() {
      if (types ~ /(^| )deb( |$)/ && enabled != "no" && uris != "" && !found) {
        n = split(suites, s, " ")
        for (i = 1; i <= n; i++) if (s[i] == want || (want == "" && s[i] !~ /-/)) {
          split(uris, u, " "); print u[1] (signed != "" ? " " signed : ""); found = 1; break
        }
      }
      types = ""; uris = ""; suites = ""; enabled = ""; signed = ""
    }
    /^[ \t]*$/ { flush(); next }
    /^#/ { next }
    tolower($1) == "types:" { sub(/^[^:]*:[ \t]*/, ""); types = $0 }
    tolower($1) == "uris:" { sub(/^[^:]*:[ \t]*/, ""); uris = $0 }
    tolower($1) == "suites:" { sub(/^[^:]*:[ \t]*/, ""); suites = $0 }
    tolower($1) == "enabled:" { enabled = tolower($2) }
    tolower($1) == "signed-by:" && $2 ~ /^\// { signed = "signed-by=" $2 }
    END { flush() }'
  # One-line format: deb [options] URI suite components...
  local lists=()
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do [[ -r $f ]] && lists+=("$f"); done
  ((${#lists[@]})) || return 0
  cat "${lists[@]}" | awk -v want="$codename" '
    $1 != "deb" { next }
    {
      opts = ""; i = 2
      if ($2 ~ /^\[/) { while (i <= NF) { opts = opts " " $i; if ($i ~ /\]$/) break; i++ }; i++ }
      uri = $i; suite = $(i + 1)
      if (suite == want || (want == "" && suite !~ /-/)) {
        signed = ""
        if (match(opts, /signed-by=[^] ]+/)) signed = " " substr(opts, RSTART, RLENGTH)
        print uri signed; exit
      }
    }'
}

apt_source=""
apt_for_suite() {
  # A private apt state per suite keeps the system's own sources and lists untouched.
  local suite=$1 dir="$work/apt-$1"
  if [[ -z $apt_source ]]; then
    apt_source=${NVENC_APT_SOURCE:-$(system_debian_source | head -n1)}
    if [[ -z $apt_source ]]; then
      echo "error: no Debian archive found in this system's apt sources (/etc/apt/sources.list," >&2
      echo "       /etc/apt/sources.list.d/*.sources|*.list); set NVENC_APT_SOURCE=\"URI\"." >&2
      exit 1
    fi
  fi
  local uri=${apt_source%% *} signed=""
  [[ $apt_source == *" "* ]] && signed="[${apt_source#* }] "
  mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
  local line="deb $signed$uri $suite main"
  # A different source than the last update (mirror changed) needs fresh lists.
  [[ -f "$dir/sources.list" && "$(cat "$dir/sources.list")" == "$line" ]] || rm -f "$dir/.updated"
  echo "$line" > "$dir/sources.list"
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
