const SVG = "http://www.w3.org/2000/svg";
const W = 600;
const H = 200;
const PAD = { left: 4, right: 8, top: 14, bottom: 20 };

export interface Point {
  /** Epoch ms. */
  t: number;
  v: number;
}

export interface Candle {
  t: number;
  open: number;
  high: number;
  low: number;
  close: number;
}

function el<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

/** An empty chart canvas that scales with its container. */
export function createChart(testId: string): SVGSVGElement {
  return el("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", "data-testid": testId });
}

interface Scale {
  x(t: number): number;
  y(v: number): number;
}

function scale(tMin: number, tMax: number, vMin: number, vMax: number): Scale {
  const tSpan = tMax - tMin || 1;
  const pad = (vMax - vMin) * 0.05 || Math.abs(vMax) * 0.001 || 1;
  const lo = vMin - pad;
  const hi = vMax + pad;
  return {
    x: (t) => PAD.left + ((t - tMin) / tSpan) * (W - PAD.left - PAD.right),
    y: (v) => PAD.top + (1 - (v - lo) / (hi - lo)) * (H - PAD.top - PAD.bottom),
  };
}

/** Grid lines now; the returned function adds the labels once the data is drawn, so they stay on top. */
function axes(svg: SVGSVGElement, tMin: number, tMax: number, vMin: number, vMax: number, s: Scale): () => void {
  const labels: SVGTextElement[] = [];
  const label = (x: number, y: number, text: string, anchor: string) => {
    const t = el("text", { x, y, "text-anchor": anchor, class: "axis" });
    t.textContent = text;
    labels.push(t);
  };
  const format = axisFormat(vMin, vMax);
  svg.appendChild(el("line", { x1: PAD.left, x2: W - PAD.right, y1: H - PAD.bottom, y2: H - PAD.bottom, class: "grid" }));
  for (const v of [vMin, (vMin + vMax) / 2, vMax]) {
    svg.appendChild(el("line", { x1: PAD.left, x2: W - PAD.right, y1: s.y(v), y2: s.y(v), class: "grid" }));
    // Inside the plot, above its grid line: long values never get clipped.
    label(PAD.left + 2, s.y(v) - 3, format(v), "start");
  }
  const clock = (t: number) => new Date(t).toLocaleTimeString(undefined, { hour12: false });
  label(PAD.left, H - 5, clock(tMin), "start");
  label(W - PAD.right, H - 5, clock(tMax), "end");
  return () => svg.append(...labels);
}

/** Enough decimals to tell the grid lines apart: 189.54 / 189.59 / 189.64, 99,999.46 / 99,999.73 / 100,000.00. */
function axisFormat(lo: number, hi: number): (v: number) => string {
  const span = Math.abs(hi - lo) || Math.abs(hi) || 1;
  const digits = Math.min(8, Math.max(0, 1 - Math.floor(Math.log10(span) + 1e-9)));
  const format = new Intl.NumberFormat(undefined, { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return (v) => format.format(v);
}

function empty(svg: SVGSVGElement, message: string): void {
  const t = el("text", { x: W / 2, y: H / 2, "text-anchor": "middle", class: "empty" });
  t.textContent = message;
  svg.appendChild(t);
}

export function drawLine(svg: SVGSVGElement, points: readonly Point[], emptyMessage = "no data yet"): void {
  svg.replaceChildren();
  const finite = points.filter((p) => Number.isFinite(p.v));
  svg.dataset.points = String(finite.length);
  if (finite.length === 0) return empty(svg, emptyMessage);
  const ts = finite.map((p) => p.t);
  const vs = finite.map((p) => p.v);
  const [tMin, tMax, vMin, vMax] = [Math.min(...ts), Math.max(...ts), Math.min(...vs), Math.max(...vs)];
  const s = scale(tMin, tMax, vMin, vMax);
  const labels = axes(svg, tMin, tMax, vMin, vMax, s);
  const d = finite.map((p, i) => `${i === 0 ? "M" : "L"}${s.x(p.t).toFixed(1)},${s.y(p.v).toFixed(1)}`).join("");
  svg.appendChild(el("path", { d, class: "line" }));
  labels();
}

export function drawCandles(svg: SVGSVGElement, candles: readonly Candle[], emptyMessage = "no bars yet"): void {
  svg.replaceChildren();
  svg.dataset.points = String(candles.length);
  if (candles.length === 0) return empty(svg, emptyMessage);
  const step = candles.length > 1 ? (candles[candles.length - 1]!.t - candles[0]!.t) / (candles.length - 1) : 1000;
  const tMin = candles[0]!.t - step / 2;
  const tMax = candles[candles.length - 1]!.t + step / 2;
  const vMin = Math.min(...candles.map((c) => c.low));
  const vMax = Math.max(...candles.map((c) => c.high));
  const s = scale(tMin, tMax, vMin, vMax);
  const labels = axes(svg, tMin, tMax, vMin, vMax, s);
  const bodyWidth = Math.max(1, ((W - PAD.left - PAD.right) / candles.length) * 0.7);
  for (const c of candles) {
    const x = s.x(c.t);
    const up = c.close >= c.open;
    const g = el("g", { class: up ? "candle up" : "candle down" });
    g.appendChild(el("line", { x1: x, x2: x, y1: s.y(c.high), y2: s.y(c.low) }));
    const top = s.y(Math.max(c.open, c.close));
    g.appendChild(el("rect", { x: x - bodyWidth / 2, y: top, width: bodyWidth, height: Math.max(1, s.y(Math.min(c.open, c.close)) - top) }));
    svg.appendChild(g);
  }
  labels();
}
