/**
 * Pool usage over the scenario's timeline for the tags that used the most — PoolMon's Diff
 * climbing, as a chart. uPlot is bundled into the page (no CDN); colours come from the theme.
 */
import uPlot from 'uplot';
import type { TimelinePoint } from '../../server/src/protocol';
import { h } from './dom';
import { topTags, usageSeries } from './chartData';
import { formatNumber } from '../shared/format';

const PALETTE = ['--vscode-charts-blue', '--vscode-charts-red', '--vscode-charts-green', '--vscode-charts-orange', '--vscode-charts-purple', '--vscode-charts-yellow'];

export function usageChart(timeline: TimelinePoint[]): { element: HTMLElement; tags: string[]; dispose(): void } {
  const section = h('section', { 'data-section': 'chart' }, h('h2', null, 'Pool usage over the run'));
  if (timeline.length < 2) {
    section.appendChild(h('p', { class: 'empty' }, 'The run has too few timeline points to plot.'));
    return { element: section, tags: [], dispose() {} };
  }
  const tags = topTags(timeline);
  const css = getComputedStyle(document.body);
  const color = (i: number) => css.getPropertyValue(PALETTE[i % PALETTE.length]).trim() || ['#3794ff', '#f14c4c', '#89d185', '#d18616', '#b180d7', '#cca700'][i % 6];
  const fg = css.getPropertyValue('--vscode-foreground').trim() || '#888';
  const grid = css.getPropertyValue('--vscode-editorWidget-border').trim() || 'rgba(128,128,128,0.3)';
  const data: uPlot.AlignedData = usageSeries(timeline, tags);
  const host = h('div', { class: 'chart', 'data-chart': '' });
  section.appendChild(host);
  const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
  const plot = new uPlot(
    {
      width: Math.max(320, Math.min(1100, (document.body.clientWidth || 800) - 48)),
      height: 260,
      scales: { x: { time: false } },
      axes: [
        { ...axis, label: 'step' },
        { ...axis, label: 'bytes', size: 70, values: (_u, ticks) => ticks.map((v) => formatNumber(v)) },
      ],
      series: [
        { label: 'step' },
        { label: 'total', stroke: fg, width: 1, dash: [4, 4] },
        ...tags.map((t, i) => ({ label: `'${t}'`, stroke: color(i), width: 2 })),
      ],
    },
    data,
    host,
  );
  // Follow the panel's width (the chart is drawn on a canvas of fixed size).
  const resize = new ResizeObserver(() => {
    const width = Math.max(320, Math.min(1100, section.clientWidth - 8));
    if (Math.abs(width - plot.width) > 4) plot.setSize({ width, height: 260 });
  });
  resize.observe(section);
  const labels = timeline.filter((p) => p.label !== null);
  if (labels.length) section.appendChild(h('p', { class: 'snapshots' }, 'Snapshots: ', labels.map((p) => `${p.label} (step ${p.step})`).join(', ')));
  return {
    element: section,
    tags,
    dispose: () => {
      resize.disconnect();
      plot.destroy();
    },
  };
}
