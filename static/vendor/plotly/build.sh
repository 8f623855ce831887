#!/bin/sh
# Rebuilds plotly-basic.min.js: plotly.js's official partial bundle with the trace types the app draws
# (bar, scatter; the bundle also holds pie), in the plotly.js version the installed `plotly` Python package
# bundles, so the JS matches the figures the Python code builds. Needs npm (node 20); writes only this folder.
#
#   static/vendor/plotly/build.sh [path/to/python]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
python=${1:-"$here/../../../.venv/bin/python"}
version=$("$python" -c 'import plotly.offline as o; print(o.get_plotlyjs_version())')
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "plotly.js-basic-dist-min@$version" >/dev/null && tar xzf ./*.tgz)
cp "$work/package/plotly-basic.min.js" "$here/plotly-basic.min.js"
cp "$work/package/LICENSE" "$here/LICENSE"
echo "$version" > "$here/VERSION"
echo "plotly.js-basic-dist-min $version -> $here/plotly-basic.min.js ($(wc -c < "$here/plotly-basic.min.js") bytes)"
