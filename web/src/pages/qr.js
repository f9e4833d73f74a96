// QR codes drawn on this device (no network service): the booth's second-device check and
// the receipt point a phone's camera at the explorer's address of a ballot.

import encodeQR from "qr";

/**
 * Draws the QR code of `text` on `canvas`, `scale` pixels a module, black on white with the
 * four-module quiet zone that readers need (ISO/IEC 18004 5.3.8); gives back the size in
 * pixels. Error correction M: a printed or photographed code survives some damage.
 */
export function drawQR(canvas, text, scale = 6) {
  const modules = encodeQR(text, "raw", { ecc: "medium", border: 4 });
  const size = modules.length * scale;
  canvas.width = size;
  canvas.height = size;
  paintModules(canvas.getContext("2d"), modules, 0, 0, scale);
  return size;
}

/** Paints the module matrix of encodeQR(..., "raw") at (x, y), with a white background. */
export function paintModules(ctx, modules, x, y, scale) {
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(x, y, modules.length * scale, modules.length * scale);
  ctx.fillStyle = "#000000";
  modules.forEach((row, r) => {
    row.forEach((dark, c) => {
      if (dark) ctx.fillRect(x + c * scale, y + r * scale, scale, scale);
    });
  });
}

/** Gives back the module matrix of `text` (quiet zone included) for paintModules. */
export function qrModules(text) {
  return encodeQR(text, "raw", { ecc: "medium", border: 4 });
}
