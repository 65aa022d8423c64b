import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { tmpDir } from './helpers/fs';
import { runInProcess } from './helpers/in-process';
import { expectedStatus, pictureRepo } from './helpers/plan-picture';

/**
 * The pictures of `plan --format html|svg` in a real headless browser: Debian's chromium loads the file (offline:
 * every host name resolves to nothing), its DOM is read back as text, and a screenshot is decoded and looked at.
 * Without chromium the test fails and says so: it is never skipped.
 */
const CHROMIUM = ['chromium', 'chromium-browser', 'google-chrome']
  .map((c) => spawnSync('sh', ['-c', `command -v ${c}`], { encoding: 'utf8' }).stdout.trim())
  .find(Boolean);

function chromium(args: string[]): { stdout: string; stderr: string; status: number | null } {
  if (!CHROMIUM)
    throw new Error(
      'chromium is not installed: this test loads the plan page in a real headless browser (apt-get install -y chromium, as .ci/run does)',
    );
  const profile = tmpDir('cpc-chromium-');
  const r = spawnSync(
    CHROMIUM,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      `--user-data-dir=${profile}`,
      '--host-resolver-rules=MAP * ~NOTFOUND',
      '--hide-scrollbars',
      ...args,
    ],
    { encoding: 'utf8', timeout: 90_000 },
  );
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

/** The text a reader sees: tags dropped, entities decoded, whitespace folded. */
function visibleText(dom: string): string {
  return dom
    .replace(/<style[\s\S]*?<\/style>/g, ' ')
    .replace(/<title>[\s\S]*?<\/title>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

interface Png {
  width: number;
  height: number;
  bytes: number;
  idat: number;
  /** RGB(A) pixel at x, y as #rrggbb. */
  at: (x: number, y: number) => string;
  colours: Map<string, number>;
}

/** A PNG decoded with zlib: 8-bit RGB or RGBA, non-interlaced (what chromium writes), scanline filters undone. */
function readPng(file: string): Png {
  const buf = fs.readFileSync(file);
  expect(
    buf.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
    'PNG signature',
  ).toBe(true);
  let pos = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('ascii', pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect(data[8], 'bit depth').toBe(8);
      expect(data[12], 'interlace').toBe(0);
      channels = { 2: 3, 6: 4 }[data[9] as 2 | 6];
      expect(channels, `colour type ${data[9]}`).toBeDefined();
    } else if (type === 'IDAT') idat.push(data);
    pos += 12 + len;
  }
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const px = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? px[y * stride + x - channels] : 0;
      const b = y > 0 ? px[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? px[(y - 1) * stride + x - channels] : 0;
      let v = line[x];
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      px[y * stride + x] = v & 0xff;
    }
  }
  const at = (x: number, y: number) =>
    '#' + [0, 1, 2].map((i) => px[y * stride + x * channels + i].toString(16).padStart(2, '0')).join('');
  const colours = new Map<string, number>();
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) colours.set(at(x, y), (colours.get(at(x, y)) ?? 0) + 1);
  return { width, height, bytes: buf.length, idat: idat.reduce((n, d) => n + d.length, 0), at, colours };
}

/** Pixels of exactly this colour (a bar's fill is drawn flat, so its colour appears as it is). */
const count = (png: Png, hex: string) => png.colours.get(hex) ?? 0;

describe('plan pictures in a real headless chromium (issue 16 item 5)', () => {
  let dir: string;
  let out: string;
  let json: { sprints: { sprint: number; title: string; stories: { id: string }[] }[]; freezes: { name: string }[] };
  beforeAll(async () => {
    dir = await pictureRepo();
    out = tmpDir('cpc-picture-out-');
    for (const format of ['html', 'svg']) {
      const r = await runInProcess('platform-kit', ['plan', '--format', format, '--dir', dir]);
      expect(r.status, r.stderr).toBe(0);
      fs.writeFileSync(path.join(out, `plan.${format}`), r.stdout);
    }
    json = JSON.parse((await runInProcess('platform-kit', ['plan', '--format', 'json', '--dir', dir])).stdout);
  });

  it('chromium is installed (the test fails without it)', () => {
    expect(
      CHROMIUM,
      'chromium is not installed: apt-get install -y chromium (.ci/run installs it when missing)',
    ).toBeTruthy();
  });

  it('html: the rendered DOM shows every story id, every sprint title, the freeze and the gates', () => {
    const r = chromium(['--dump-dom', `file://${path.join(out, 'plan.html')}`]);
    expect(r.status, r.stderr).toBe(0);
    const text = visibleText(r.stdout);
    expect(text).toMatch(/^ ?Platform delivery plan: /);
    for (const s of json.sprints) {
      expect(text).toContain(`Sprint ${s.sprint} — ${s.title}`);
      for (const x of s.stories) expect(text).toContain(x.id);
    }
    expect(text).toMatch(/freeze/i);
    for (const f of json.freezes) expect(text).toContain(f.name);
    expect(text).toMatch(/go\/no-go gate/i);
    // The hostile custom title reads as text in the table, not as markup.
    expect(text).toContain(`<script>alert("x")</script>`);
    expect(r.stdout).not.toMatch(/<script>alert/);
  });

  it('html: a 1400x900 screenshot is a real picture with the status colours of the bars', () => {
    const png = path.join(out, 'plan.png');
    const r = chromium([`--screenshot=${png}`, '--window-size=1400,900', `file://${path.join(out, 'plan.html')}`]);
    expect(r.status, r.stderr).toBe(0);
    const img = readPng(png);
    expect([img.width, img.height]).toEqual([1400, 900]);
    expect(img.bytes).toBeGreaterThan(20_000);
    expect(img.colours.size, 'not all one colour').toBeGreaterThan(50);
    const want = Object.values(expectedStatus(dir));
    expect(want).toContain('approved');
    expect(want).toContain('draft');
    // approved (green) and draft (amber) bars of sprint 1 are on the first screen.
    expect(count(img, '#16a34a'), 'approved bars drawn').toBeGreaterThan(100);
    expect(count(img, '#f59e0b'), 'draft bars drawn').toBeGreaterThan(100);
  });

  it('svg: loads on its own (no XML error), shows the ids, and renders bars, freeze and gates', () => {
    const file = path.join(out, 'plan.svg');
    const dom = chromium(['--dump-dom', `file://${file}`]);
    expect(dom.status, dom.stderr).toBe(0);
    expect(dom.stdout).not.toMatch(/parsererror|This page contains the following errors/);
    const text = visibleText(dom.stdout);
    for (const x of json.sprints.flatMap((s) => s.stories)) expect(text).toContain(x.id.slice(0, 39));
    const m = /<svg [^>]*width="(\d+)" height="(\d+)"/.exec(fs.readFileSync(file, 'utf8'))!;
    const png = path.join(out, 'plan-svg.png');
    const r = chromium([`--screenshot=${png}`, `--window-size=${m[1]},${m[2]}`, `file://${file}`]);
    expect(r.status, r.stderr).toBe(0);
    const img = readPng(png);
    expect(img.idat).toBeGreaterThan(10_000);
    expect(count(img, '#16a34a')).toBeGreaterThan(100);
    expect(count(img, '#f59e0b')).toBeGreaterThan(100);
    expect(count(img, '#cbd5e1'), 'not added bars').toBeGreaterThan(1000);
    expect(count(img, '#6366f1'), 'sprint bars').toBeGreaterThan(500);
    expect(count(img, '#7c3aed'), 'gate diamonds').toBeGreaterThan(50);
  });
});
