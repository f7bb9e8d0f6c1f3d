#!/bin/bash
# Writes the PDF seeds of FuzzPDF: tiny pictures made by ImageMagick, put in
# a PDF by img2pdf (a JPEG as DCT, PNGs as Flate with predictors, a palette
# as Indexed), then rewritten by qpdf with object streams and encrypted with
# an empty user password (AES-256). Run from this directory.
set -euo pipefail
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
convert -size 8x6 gradient:red-blue -depth 8 "$tmp/rgb.png"
convert -size 8x6 gradient:white-black -colorspace gray -depth 8 "$tmp/gray.png"
convert -size 8x6 plasma:fractal -quality 50 "$tmp/photo.jpg"
convert -size 8x6 xc:red -fill blue -draw "point 2,2" -type Palette -colors 4 "PNG8:$tmp/pal.png"
img2pdf -o "$tmp/doc.pdf" "$tmp/rgb.png" "$tmp/gray.png" "$tmp/photo.jpg" "$tmp/pal.png"
cp "$tmp/doc.pdf" seed.pdf
qpdf --object-streams=generate "$tmp/doc.pdf" seed-objstm.pdf
qpdf --encrypt "" owner 256 -- "$tmp/doc.pdf" seed-encrypted.pdf
