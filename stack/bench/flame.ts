// Renders a V8 .cpuprofile (node --cpu-prof) as an SVG flame graph: one box per call
// path, as wide as the time spent in it and what it called, callers below callees.
// Our own ~100 lines rather than a dependency: the format is a plain tree with samples.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}
interface Frame {
  name: string;
  url: string;
  /** Where its time is counted: its file, or for a native function its caller's. */
  home: string;
  self: number;
  total: number;
  children: Map<string, Frame>;
}

const WIDTH = 1200;
const ROW = 16;
/** Categories for colour and for the summary, first match wins. */
const CATEGORIES: [string, RegExp, string][] = [
  ['groundwork', /\/app\//, '#59a14f'],
  [
    'winston',
    /node_modules\/(winston|logform|safe-stable-stringify|readable-stream|winston-transport)\//,
    '#f28e2b',
  ],
  [
    'Koa',
    /node_modules\/(koa|koa-compose|delegates|on-finished|ee-first|@koa\/router)\//,
    '#4e79a7',
  ],
  ['prom-client', /node_modules\/prom-client\//, '#b07aa1'],
  ['other packages', /node_modules\//, '#edc948'],
  ['Node HTTP and streams', /^node:/, '#e15759'],
];

export function category(url: string, name: string): [string, string] {
  for (const [label, pattern, colour] of CATEGORIES) if (pattern.test(url)) return [label, colour];
  return name.includes('garbage') ? ['GC', '#9c755f'] : ['V8 and native', '#bab0ac'];
}

/**
 * The call tree with merged siblings and times in ms; idle time and the first
 * `skipMs` of the profile (start-up, before the load began) left out.
 */
export function load(file: string, skipMs = 0): Frame {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let clock = 0;
  profile.samples.forEach((id, i) => {
    const delta = (profile.timeDeltas[i] ?? 0) / 1000;
    clock += delta;
    if (clock >= skipMs) self.set(id, (self.get(id) ?? 0) + delta);
  });
  const build = (node: ProfileNode, into: Frame): void => {
    const { url } = node.callFrame;
    const name = node.callFrame.functionName || '(anonymous)';
    if (name === '(idle)') return;
    const key = `${name} ${node.callFrame.url}:${node.callFrame.lineNumber}`;
    let frame = into.children.get(key);
    if (!frame) {
      const home = url || (name.startsWith('(') ? '' : into.home);
      frame = { name, url, home, self: 0, total: 0, children: new Map() };
      into.children.set(key, frame);
    }
    frame.self += self.get(node.id) ?? 0;
    for (const child of children(node)) build(child, frame);
  };
  const children = (node: ProfileNode) => (node.children ?? []).flatMap((id) => byId.get(id) ?? []);
  const root: Frame = { name: 'all', url: '', home: '', self: 0, total: 0, children: new Map() };
  const top = profile.nodes[0];
  if (top) for (const child of children(top)) build(child, root);
  const sum = (f: Frame): number =>
    (f.total = f.self + [...f.children.values()].reduce((s, c) => s + sum(c), 0));
  sum(root);
  return root;
}

/** Self time per category, as shares of all non-idle time. */
export function shares(root: Frame): [string, number][] {
  const totals = new Map<string, number>();
  const walk = (f: Frame) => {
    const [label] = category(f.home, f.name);
    totals.set(label, (totals.get(label) ?? 0) + f.self);
    f.children.forEach(walk);
  };
  root.children.forEach(walk);
  return [...totals]
    .map(([k, v]): [string, number] => [k, v / root.total])
    .sort((a, b) => b[1] - a[1]);
}

export function renderFlame(root: Frame, title: string): string {
  const boxes: string[] = [];
  let depth = 0;
  const scale = WIDTH / root.total;
  const draw = (f: Frame, x: number, level: number) => {
    const w = f.total * scale;
    if (w < 1) return;
    depth = Math.max(depth, level);
    const [label, colour] = category(f.home, f.name);
    const tip = `${f.name} ${f.url.replace(/^.*node_modules\//, '')} — ${((100 * f.total) / root.total).toFixed(1)} % (${label})`;
    const text =
      w > 50
        ? `<text x="${(x + 3).toFixed(1)}" y="{Y}" font-size="11">${esc(f.name.slice(0, Math.floor(w / 7)))}</text>`
        : '';
    boxes.push(
      `<g><title>${esc(tip)}</title><rect x="${x.toFixed(1)}" y="{Y}" width="${w.toFixed(1)}" height="${ROW - 1}" fill="${colour}"/>${text}</g>`.replaceAll(
        '{Y}',
        `{L${level}}`,
      ),
    );
    let cx = x;
    for (const c of [...f.children.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      draw(c, cx, level + 1);
      cx += c.total * scale;
    }
  };
  draw(root, 0, 0);
  const height = (depth + 1) * ROW + 60;
  const legend = shares(root).map(
    ([k, v], i) =>
      `<text x="${10 + i * 190}" y="${height - 10}" font-size="12" fill="${categoryColour(k)}">■ ${esc(k)} ${(100 * v).toFixed(1)} %</text>`,
  );
  const svg = boxes
    .join('\n')
    .replace(/\{L(\d+)\}/g, (_m, l: string) => String(height - 40 - (Number(l) + 1) * ROW));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" font-family="monospace">\n<text x="10" y="18" font-size="14">${esc(title)}</text>\n${svg}\n${legend.join('\n')}\n</svg>\n`;
}

function categoryColour(label: string): string {
  return CATEGORIES.find(([l]) => l === label)?.[2] ?? (label === 'GC' ? '#9c755f' : '#666');
}

function esc(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}
