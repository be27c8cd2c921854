/**
 * Makes an SVG safe to open as a document: the report's SVG files are served from the report's own folder (or
 * origin), so an SVG that runs script there could read every other page. The SVG is parsed by a real XML parser
 * (saxes: namespaces resolved, entities decoded, any encoding with a byte-order mark) and written out again with
 * only allow-listed SVG elements and attributes; links may only point inside the document (`#id`), embedded
 * images only be PNG/JPEG data, CSS may only refer to `url(#id)`. What is not on the lists is dropped with
 * its content, so a script hidden by a namespace prefix, another namespace, an encoding or an entity cannot
 * survive: the check runs on what the parser understood, not on the bytes. Matplotlib's SVGs keep everything
 * that is drawn; only their metadata is dropped.
 */
import { SaxesParser, type SaxesAttributeNS, type SaxesTagNS } from 'saxes';

const SVG_NS = 'http://www.w3.org/2000/svg';
const XLINK_NS = 'http://www.w3.org/1999/xlink';
const XML_NS = 'http://www.w3.org/XML/1998/namespace';

/** SVG elements that draw, group, define paint or describe; nothing that scripts, animates, embeds or loads. */
const ELEMENTS = new Set([
  'svg', 'g', 'defs', 'symbol', 'use', 'style', 'title', 'desc', 'metadata', 'a',
  'path', 'rect', 'circle', 'ellipse', 'line', 'polyline', 'polygon', 'text', 'tspan', 'textPath', 'image',
  'clipPath', 'mask', 'pattern', 'marker', 'linearGradient', 'radialGradient', 'stop',
  'filter', 'feBlend', 'feColorMatrix', 'feComponentTransfer', 'feComposite', 'feFlood', 'feFuncA', 'feFuncB',
  'feFuncG', 'feFuncR', 'feGaussianBlur', 'feMerge', 'feMergeNode', 'feMorphology', 'feOffset',
]);

/** Geometry, presentation and filter attributes. No event handlers, no `href` (handled apart), no `xml:base`. */
const ATTRIBUTES = new Set([
  'id', 'class', 'style', 'transform', 'version', 'viewBox', 'preserveAspectRatio', 'width', 'height',
  'x', 'y', 'x1', 'y1', 'x2', 'y2', 'cx', 'cy', 'r', 'rx', 'ry', 'fx', 'fy', 'd', 'points', 'pathLength',
  'dx', 'dy', 'rotate', 'textLength', 'lengthAdjust', 'startOffset', 'type', 'media',
  'fill', 'fill-opacity', 'fill-rule', 'stroke', 'stroke-width', 'stroke-opacity', 'stroke-linecap',
  'stroke-linejoin', 'stroke-dasharray', 'stroke-dashoffset', 'stroke-miterlimit', 'opacity', 'color',
  'clip-path', 'clip-rule', 'clipPathUnits', 'mask', 'maskUnits', 'maskContentUnits', 'filter', 'filterUnits',
  'primitiveUnits', 'display', 'visibility', 'overflow', 'shape-rendering', 'text-rendering', 'image-rendering',
  'color-interpolation', 'color-interpolation-filters', 'paint-order', 'vector-effect',
  'font-family', 'font-size', 'font-style', 'font-weight', 'font-variant', 'font-stretch', 'letter-spacing',
  'word-spacing', 'text-anchor', 'text-decoration', 'dominant-baseline', 'alignment-baseline', 'baseline-shift',
  'writing-mode', 'marker-start', 'marker-mid', 'marker-end', 'markerWidth', 'markerHeight', 'markerUnits',
  'refX', 'refY', 'orient', 'patternUnits', 'patternContentUnits', 'patternTransform', 'gradientUnits',
  'gradientTransform', 'spreadMethod', 'offset', 'stop-color', 'stop-opacity', 'flood-color', 'flood-opacity',
  'in', 'in2', 'result', 'operator', 'k1', 'k2', 'k3', 'k4', 'values', 'mode', 'stdDeviation', 'radius',
  'tableValues', 'slope', 'intercept', 'amplitude', 'exponent', 'mix-blend-mode', 'isolation',
]);

/** Where `href` may point, per element. Any other element's href is dropped. */
const HREF_RULES: Record<string, RegExp> = {
  use: /^#/,
  textPath: /^#/,
  pattern: /^#/,
  linearGradient: /^#/,
  radialGradient: /^#/,
  image: /^data:image\/(png|jpeg);base64,[A-Za-z0-9+/=\s]*$/,
  a: /^(#|https?:\/\/)/,
};

/**
 * CSS (a `<style>` element or any attribute value) is kept only without escapes, at-rules (`@import`,
 * `@font-face`) or `url()` other than `url(#id)`: CSS cannot run script in a browser, but it could load
 * something from outside the report.
 */
function cssIsInert(text: string): boolean {
  return !/[\\@]|url\s*\((?!\s*['"]?#[\w.:-]*['"]?\s*\))|expression\s*\(/i.test(text);
}

export type CleanSvg = { kind: 'clean'; svg: string; removed: string[] } | { kind: 'refused'; reason: string };

/** Decodes by byte-order mark (UTF-8 without one); null when the bytes are not valid in that encoding. */
function decode(bytes: Uint8Array): string | null {
  const encoding = bytes[0] === 0xff && bytes[1] === 0xfe ? 'utf-16le' : bytes[0] === 0xfe && bytes[1] === 0xff ? 'utf-16be' : 'utf-8';
  try {
    return new TextDecoder(encoding, { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

const escapeText = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escapeAttr = (s: string): string =>
  escapeText(s).replace(/"/g, '&quot;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');

/** What a cleaning pass has written and learnt so far. */
interface Cleaning {
  out: string[];
  removed: Set<string>;
  /** Elements kept and open; `style` buffers its CSS until it closes. */
  open: { local: string; selfClosing: boolean; css: string[] | null }[];
  /** Depth inside a dropped element. */
  skipping: number;
  rootSeen: boolean;
  refused: string | null;
}

/** Parses `bytes` as SVG and writes it out with only what is allow-listed; refuses what does not parse. */
export function cleanSvg(bytes: Uint8Array): CleanSvg {
  const text = decode(bytes);
  if (text === null) return { kind: 'refused', reason: 'not valid UTF-8 or UTF-16 text' };
  const c: Cleaning = { out: ['<?xml version="1.0" encoding="UTF-8"?>\n'], removed: new Set(), open: [], skipping: 0, rootSeen: false, refused: null };
  const parser = new SaxesParser({ xmlns: true, position: false });
  parser.on('doctype', (doctype) => {
    // An internal subset can declare entities (billion laughs, hidden markup): never needed for a figure.
    if (doctype.includes('[')) c.refused ??= 'its DOCTYPE declares entities';
  });
  parser.on('processinginstruction', (pi) => c.removed.add(`<?${pi.target}?>`));
  parser.on('opentag', (tag: SaxesTagNS) => openTag(c, tag));
  parser.on('closetag', () => closeTag(c));
  const onText = (chunk: string): void => {
    const element = c.open[c.open.length - 1];
    if (c.skipping > 0 || !element) return;
    if (element.css) element.css.push(chunk);
    else c.out.push(escapeText(chunk));
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  try {
    parser.write(text).close();
  } catch (e) {
    return { kind: 'refused', reason: `not well-formed XML (${(e as Error).message.split('\n')[0]})` };
  }
  if (c.refused) return { kind: 'refused', reason: c.refused };
  if (!c.rootSeen) return { kind: 'refused', reason: 'it has no <svg> element' };
  return { kind: 'clean', svg: c.out.join(''), removed: [...c.removed].sort() };
}

/** An element opens: kept with its allow-listed attributes, or dropped with everything inside it. */
function openTag(c: Cleaning, tag: SaxesTagNS): void {
  const parent = c.open[c.open.length - 1];
  if (c.skipping > 0 || tag.uri !== SVG_NS || !ELEMENTS.has(tag.local) || (!c.rootSeen && tag.local !== 'svg')) {
    if (c.skipping === 0 && !c.rootSeen) c.refused ??= `its root element is <${tag.name}>, not an SVG <svg>`;
    // Metadata (RDF, Dublin Core) is other namespaces by design: dropping it is not worth a note.
    if (c.skipping === 0 && parent?.local !== 'metadata') c.removed.add(`<${tag.name}>`);
    c.skipping++;
    return;
  }
  const root = !c.rootSeen;
  c.rootSeen = true;
  const attrs = root ? [` xmlns="${SVG_NS}" xmlns:xlink="${XLINK_NS}"`] : [];
  for (const attr of Object.values(tag.attributes)) {
    const kept = keptAttribute(tag.local, attr);
    if (kept) attrs.push(` ${kept.name}="${escapeAttr(kept.value)}"`);
    else if (attr.prefix !== 'xmlns' && attr.name !== 'xmlns') c.removed.add(`attribute ${attr.name}`);
  }
  c.out.push(`<${tag.local}${attrs.join('')}${tag.isSelfClosing ? '/>' : '>'}`);
  c.open.push({ local: tag.local, selfClosing: tag.isSelfClosing, css: tag.local === 'style' ? [] : null });
}

/** An element closes: a kept `style` writes its CSS only when it loads nothing from outside. */
function closeTag(c: Cleaning): void {
  if (c.skipping > 0) {
    c.skipping--;
    return;
  }
  const element = c.open.pop();
  if (!element || element.selfClosing) return;
  if (element.css) {
    const css = element.css.join('');
    if (cssIsInert(css)) c.out.push(escapeText(css));
    else c.removed.add('CSS that loads from outside');
  }
  c.out.push(`</${element.local}>`);
}

/** The attribute as it is written out, or null when it is dropped. */
function keptAttribute(element: string, attr: SaxesAttributeNS): { name: string; value: string } | null {
  const { uri, local, value } = attr;
  if (local === 'href' && (uri === '' || uri === XLINK_NS)) {
    const rule = HREF_RULES[element];
    return rule?.test(value.trim()) ? { name: 'xlink:href', value: value.trim() } : null;
  }
  if (uri === XML_NS && local === 'space') return { name: 'xml:space', value };
  if (uri !== '' || !ATTRIBUTES.has(local)) return null;
  return cssIsInert(value) ? { name: local, value } : null;
}
