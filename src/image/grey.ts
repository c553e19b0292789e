/**
 * The grey conversion shared by decoded files (Node) and raw pixels (Node and the
 * browser): no imports, so both entries can use it.
 */

/**
 * Grey values 0.299 R + 0.587 G + 0.114 B of `n` interleaved pixels, rounded to
 * 0..255 as OpenCV does; with 1 or 2 channels the first channel is copied. Alpha is
 * ignored. The caller checks that `data` holds `n * channels` values.
 */
export function greyValues(
  data: ArrayLike<number>,
  n: number,
  channels: number,
): Uint8Array {
  const grey = new Uint8Array(n);
  if (channels < 3) {
    for (let i = 0; i < n; i++) grey[i] = data[i * channels] as number;
    return grey;
  }
  for (let i = 0, j = 0; i < n; i++, j += channels) {
    const r = data[j] as number;
    const g = data[j + 1] as number;
    const b = data[j + 2] as number;
    grey[i] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
  }
  return grey;
}
