/**
 * Server-rendered bar charts: geometry computed here, markup in templates/partials/bar-chart.hbs (plain SVG with
 * classes; no inline styles or scripts, so the CSP holds). Each chart also has a text summary and the page
 * shows the same numbers in a table.
 */
import { DEFAULT_LOCALE, t } from '../../i18n/index.js';

export interface ChartSeries {
  name: string;
  /** CSS class of the bars (colour comes from partnergate.css). */
  className: string;
  values: number[];
  format?: (v: number) => string;
}

export interface BarChartModel {
  id: string;
  title: string;
  summary: string;
  width: number;
  height: number;
  bars: Array<{ x: number; y: number; w: number; h: number; className: string; title: string }>;
  xLabels: Array<{ x: number; y: number; text: string }>;
  yTicks: Array<{ y: number; text: string; x: number; lineX2: number }>;
  legend: Array<{ x: number; y: number; className: string; name: string; textX: number; textY: number }>;
  baseline: { x1: number; x2: number; y: number };
}

const WIDTH = 720;
const HEIGHT = 260;
const PAD = { left: 64, right: 12, top: 28, bottom: 40 };

function niceMax(v: number, integer: boolean): number {
  if (v <= 0) return integer ? 2 : 1;
  const p = 10 ** Math.floor(Math.log10(v));
  let max = 10 * p;
  for (const m of [1, 2, 2.5, 5, 10]) {
    if (m * p >= v) {
      max = m * p;
      break;
    }
  }
  // Counts get whole-number ticks at 0, max/2 and max.
  return integer ? Math.max(2, 2 * Math.ceil(max / 2)) : max;
}

const MAX_X_LABELS = 8;

/** Grouped vertical bars, one group per label. */
export function barChart(id: string, title: string, labels: string[], series: ChartSeries[], locale = DEFAULT_LOCALE): BarChartModel {
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const integer = series.every((s) => !s.format);
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.values)), integer);
  const n = Math.max(1, labels.length);
  const groupW = plotW / n;
  const barW = Math.max(1, (groupW * 0.8) / series.length);
  const bars: BarChartModel['bars'] = [];
  series.forEach((s, si) => {
    s.values.forEach((v, i) => {
      const h = Math.max(0, (Math.max(0, v) / max) * plotH);
      const x = PAD.left + i * groupW + groupW * 0.1 + si * barW;
      bars.push({ x: round(x), y: round(PAD.top + plotH - h), w: round(Math.max(1, barW - 1)), h: round(h), className: s.className, title: `${labels[i]}: ${s.name} ${s.format ? s.format(v) : v}` });
    });
  });
  const step = Math.ceil(n / MAX_X_LABELS);
  const xLabels = labels
    .map((text, i) => ({ text, i }))
    .filter(({ i }) => i % step === 0)
    .map(({ text, i }) => ({ x: round(PAD.left + i * groupW + groupW / 2), y: HEIGHT - PAD.bottom + 16, text: shortLabel(text) }));
  const fmt = series[0]?.format ?? ((v: number) => String(v));
  const yTicks = [0, 0.5, 1].map((f) => ({ y: round(PAD.top + plotH - f * plotH), text: fmt(max * f), x: PAD.left - 6, lineX2: WIDTH - PAD.right }));
  const legend = series.map((s, i) => ({ x: PAD.left + i * 140, y: 8, className: s.className, name: s.name, textX: PAD.left + i * 140 + 16, textY: 18 }));
  const totals = series.map((s) => `${s.name}: ${s.format ? s.format(s.values.reduce((a, b) => a + b, 0)) : s.values.reduce((a, b) => a + b, 0)}`).join(', ');
  return {
    id,
    title,
    summary: t(locale, 'reports:chartSummary', { title, count: labels.length, first: labels[0] ?? '', last: labels.at(-1) ?? '', totals }),
    width: WIDTH,
    height: HEIGHT,
    bars,
    xLabels,
    yTicks,
    legend,
    baseline: { x1: PAD.left, x2: WIDTH - PAD.right, y: PAD.top + plotH },
  };
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}

/** Axis labels stay short: `2026-03-14` and `Week of 2026-03-09` become `Mar 14` and `Mar 9`; names are cut. */
function shortLabel(text: string): string {
  const date = /^(?:Week of )?(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (date) return `${months[Number(date[2]) - 1]} ${Number(date[3])}`;
  return text.length > 14 ? `${text.slice(0, 13)}…` : text;
}

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
