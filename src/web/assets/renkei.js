// SPDX-License-Identifier: BSD-2-Clause
// renkei web report: zoom and pan of the dependency map (an inline SVG laid
// out by Graphviz).  Served as a file: the CSP forbids inline script.  No
// data is read here; every value is already escaped in the HTML.
'use strict';
(function () {
  const box = document.getElementById('map');
  if (!box) return;
  const svg = box.querySelector('svg');
  if (!svg) return;
  const vb0 = svg.viewBox.baseVal;
  const full = { x: vb0.x, y: vb0.y, w: vb0.width, h: vb0.height };
  let vb = Object.assign({}, full);
  svg.removeAttribute('width');
  svg.removeAttribute('height');
  svg.setAttribute('preserveAspectRatio', 'xMidYMid meet');
  function apply() { svg.setAttribute('viewBox', [vb.x, vb.y, vb.w, vb.h].join(' ')); }
  function zoom(f, cx, cy) {
    const nw = Math.min(full.w * 4, Math.max(full.w / 200, vb.w * f));
    const nh = vb.h * nw / vb.w;
    vb.x = cx - (cx - vb.x) * nw / vb.w;
    vb.y = cy - (cy - vb.y) * nh / vb.h;
    vb.w = nw; vb.h = nh; apply();
  }
  function toSvg(ev) {
    const r = svg.getBoundingClientRect();
    const s = Math.max(vb.w / r.width, vb.h / r.height);
    const ox = (r.width * s - vb.w) / 2, oy = (r.height * s - vb.h) / 2;
    return { x: vb.x + (ev.clientX - r.left) * s - ox, y: vb.y + (ev.clientY - r.top) * s - oy, s: s };
  }
  box.addEventListener('wheel', function (ev) {
    ev.preventDefault();
    const p = toSvg(ev);
    zoom(ev.deltaY < 0 ? 0.8 : 1.25, p.x, p.y);
  }, { passive: false });
  let drag = null, moved = false;
  box.addEventListener('pointerdown', function (ev) {
    drag = { x: ev.clientX, y: ev.clientY, vx: vb.x, vy: vb.y, s: toSvg(ev).s };
    moved = false;
  });
  window.addEventListener('pointermove', function (ev) {
    if (!drag) return;
    const dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) { moved = true; box.classList.add('drag'); }
    if (!moved) return;
    vb.x = drag.vx - dx * drag.s; vb.y = drag.vy - dy * drag.s; apply();
  });
  window.addEventListener('pointerup', function () { drag = null; box.classList.remove('drag'); });
  // A drag that ends on a node must not open it.
  box.addEventListener('click', function (ev) { if (moved) { ev.preventDefault(); moved = false; } }, true);
  function centre() { return { x: vb.x + vb.w / 2, y: vb.y + vb.h / 2 }; }
  const zin = document.getElementById('zin'), zout = document.getElementById('zout');
  const zfit = document.getElementById('zfit');
  if (zin) zin.addEventListener('click', function () { const c = centre(); zoom(0.7, c.x, c.y); });
  if (zout) zout.addEventListener('click', function () { const c = centre(); zoom(1.4, c.x, c.y); });
  if (zfit) zfit.addEventListener('click', function () { vb = Object.assign({}, full); apply(); });
  apply();
})();
