/** cleanSvg: what survives the XML parser and the allow-lists, and what is refused. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanSvg } from '../../src/report/svg-clean.js';

const SVG = 'xmlns="http://www.w3.org/2000/svg"';
const XLINK = 'xmlns:xlink="http://www.w3.org/1999/xlink"';

function clean(text: string | Buffer): string {
  const result = cleanSvg(typeof text === 'string' ? Buffer.from(text) : text);
  if (result.kind !== 'clean') throw new Error(`refused: ${result.reason}`);
  return result.svg;
}

function refusal(text: string | Buffer): string {
  const result = cleanSvg(typeof text === 'string' ? Buffer.from(text) : text);
  if (result.kind !== 'refused') throw new Error(`not refused: ${result.svg}`);
  return result.reason;
}

/** Encodes as UTF-16 with a byte-order mark. */
function utf16(text: string, endian: 'le' | 'be'): Buffer {
  const le = Buffer.from(text, 'utf16le');
  if (endian === 'le') return Buffer.concat([Buffer.from([0xff, 0xfe]), le]);
  const be = Buffer.from(le);
  be.swap16();
  return Buffer.concat([Buffer.from([0xfe, 0xff]), be]);
}

const PAYLOADS: Record<string, string> = {
  'namespaced svg script': `<svg ${SVG}><s:script xmlns:s="http://www.w3.org/2000/svg">window.__pwned=1</s:script><rect width="5" height="5"/></svg>`,
  'XHTML script inside svg': `<svg ${SVG}><h:script xmlns:h="http://www.w3.org/1999/xhtml">window.__pwned=1</h:script><rect width="5" height="5"/></svg>`,
  'default-namespace XHTML script': `<svg ${SVG}><script xmlns="http://www.w3.org/1999/xhtml">window.__pwned=1</script><rect width="5" height="5"/></svg>`,
  'entity-encoded javascript: href': `<svg ${SVG} ${XLINK}><a xlink:href="&#106;avascript:window.__pwned=1"><rect width="5" height="5"/></a></svg>`,
  'javascript: href with tabs': `<svg ${SVG}><a href="java&#9;script:window.__pwned=1"><rect width="5" height="5"/></a></svg>`,
  'event handler': `<svg ${SVG} onload="window.__pwned=1"><rect width="5" height="5" onclick="window.__pwned=1"/></svg>`,
  'foreignObject with HTML': `<svg ${SVG}><foreignObject><img xmlns="http://www.w3.org/1999/xhtml" src="x" onerror="window.__pwned=1"/></foreignObject><rect width="5" height="5"/></svg>`,
  'animated href': `<svg ${SVG}><a href="#x"><set attributeName="href" to="javascript:window.__pwned=1"/><rect width="5" height="5"/></a></svg>`,
  'xml-stylesheet (XSLT)': `<?xml-stylesheet type="text/xsl" href="evil.xsl"?><svg ${SVG}><rect width="5" height="5"/></svg>`,
  'CDATA script': `<svg ${SVG}><script><![CDATA[window.__pwned=1]]></script><rect width="5" height="5"/></svg>`,
};

for (const [name, svg] of Object.entries(PAYLOADS)) {
  test(`payload "${name}": nothing that runs survives, the drawing does`, () => {
    const out = clean(svg);
    assert.not.match(out, /pwned|script|javascript|onload|onclick|onerror|foreignObject|<set|xsl/i, out);
    assert.match(out, /<rect width="5" height="5"\/>/);
  });
}

test('UTF-16 (either byte order, with a BOM) is decoded, then cleaned like any SVG', () => {
  const svg = `<?xml version="1.0" encoding="UTF-16"?><svg ${SVG}><script>window.__pwned=1</script><rect width="5" height="5"/></svg>`;
  for (const endian of ['le', 'be'] as const) {
    const out = clean(utf16(svg, endian));
    assert.not.match(out, /pwned|script/);
    assert.match(out, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<svg /);
    assert.match(out, /<rect width="5" height="5"\/>/);
  }
  // Without a BOM the bytes are read as UTF-8, and UTF-16's NULs are not XML.
  assert.match(refusal(Buffer.from(svg, 'utf16le')), /not well-formed/);
});

test('what a figure needs is kept: links inside the document, PNG data, https links, CSS without url()', () => {
  const svg =
    `<svg ${XLINK} width="10pt" height="10pt" viewBox="0 0 10 10" ${SVG} version="1.1">` +
    '<metadata><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><x/></rdf:RDF></metadata>' +
    '<defs><style type="text/css">*{stroke-linejoin: round; stroke-linecap: butt}</style>' +
    '<path id="m1" d="M 0 0 L 1 1" style="stroke: #000"/><clipPath id="p1"><rect width="10" height="10"/></clipPath></defs>' +
    '<g clip-path="url(#p1)"><use xlink:href="#m1" x="2" y="3" style="fill: url(#h1)"/></g>' +
    '<image xlink:href="data:image/png;base64,iVBORw0KGgo=" width="1" height="1"/>' +
    '<a xlink:href="https://example.org/x"><text xml:space="preserve">a &lt; b &amp; c</text></a></svg>';
  const result = cleanSvg(Buffer.from(svg));
  assert.is(result.kind, 'clean');
  if (result.kind !== 'clean') return;
  assert.equal(result.removed, [], 'the metadata of another namespace is dropped without a note');
  const out = result.svg;
  assert.match(out, /<style type="text\/css">\*\{stroke-linejoin: round; stroke-linecap: butt\}<\/style>/);
  assert.match(out, /<use xlink:href="#m1" x="2" y="3" style="fill: url\(#h1\)"\/>/);
  assert.match(out, /<g clip-path="url\(#p1\)">/);
  assert.match(out, /<image xlink:href="data:image\/png;base64,iVBORw0KGgo=" width="1" height="1"\/>/);
  assert.match(out, /<a xlink:href="https:\/\/example\.org\/x"><text xml:space="preserve">a &lt; b &amp; c<\/text><\/a>/);
  assert.match(out, /<metadata><\/metadata>/);
  assert.is(clean(out), out, 'cleaning a cleaned SVG changes nothing');
});

test('what could load from outside is dropped: external use, SVG images, CSS imports and urls, xml:base', () => {
  const svg =
    `<svg ${SVG} ${XLINK} xml:base="https://evil.example/">` +
    '<style>@import url(https://evil.example/a.css); rect { fill: red }</style>' +
    '<use xlink:href="other.svg#a"/><image href="data:image/svg+xml;base64,PHN2Zz4="/>' +
    '<rect width="5" height="5" style="fill: url(https://evil.example/p)" fill="url(http://evil.example/q)"/></svg>';
  const result = cleanSvg(Buffer.from(svg));
  if (result.kind !== 'clean') throw new Error(result.reason);
  assert.not.match(result.svg, /evil|other\.svg|svg\+xml|@import|xml:base/);
  assert.match(result.svg, /<rect width="5" height="5"\/>/);
  assert.equal(result.removed, ['CSS that loads from outside', 'attribute fill', 'attribute href', 'attribute style', 'attribute xlink:href', 'attribute xml:base']);
});

test('refused: entity declarations, a root that is not SVG, text that is not XML or not UTF-8', () => {
  assert.match(refusal(`<!DOCTYPE svg [<!ENTITY x "<script>1</script>">]><svg ${SVG}>&x;</svg>`), /entities|not well-formed/);
  assert.match(refusal('<html xmlns="http://www.w3.org/1999/xhtml"><script>1</script></html>'), /root element is <html>/);
  assert.match(refusal('<svg><rect/></svg>'), /root element is <svg>, not an SVG/, 'no SVG namespace');
  assert.match(refusal(`<svg ${SVG}><rect>`), /not well-formed/);
  assert.match(refusal(Buffer.from([0x3c, 0x73, 0x76, 0x67, 0xff, 0x3e])), /not valid UTF-8/);
  // Matplotlib's DOCTYPE (an external DTD, no internal subset) is fine.
  const mpl = `<?xml version="1.0" encoding="utf-8" standalone="no"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"\n  "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n<svg ${SVG}><rect/></svg>`;
  assert.match(clean(mpl), /<rect\/>/);
});

test.run();
