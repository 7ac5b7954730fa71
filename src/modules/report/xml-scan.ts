/**
 * A minimal, linear-time XML tokenizer for the parts of a .xlsx an import reads (workbook, relationships,
 * shared strings, a sheet). Element names are reported without their namespace prefix. No DTDs (a
 * .xlsx has none; one is refused rather than expanded), no recursion, no regular expressions over
 * attacker-sized input: each character is looked at a bounded number of times.
 */
export interface XmlHandler {
  open(name: string, attrs: string, selfClosing: boolean): void;
  close(name: string): void;
  /** Raw character data between tags (entities still encoded; call decodeXml when it is wanted). */
  text(raw: string, cdata: boolean): void;
}

export class XmlError extends Error {}

const localName = (qname: string) => {
  const colon = qname.indexOf(':');
  return colon < 0 ? qname : qname.slice(colon + 1);
};

function isSpace(code: number) {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

export function scanXml(xml: string, handler: XmlHandler): void {
  let pos = 0;
  const n = xml.length;
  while (pos < n) {
    const lt = xml.indexOf('<', pos);
    if (lt < 0) {
      handler.text(xml.slice(pos), false);
      return;
    }
    if (lt > pos) handler.text(xml.slice(pos, lt), false);
    if (xml.startsWith('<!--', lt)) {
      const end = xml.indexOf('-->', lt + 4);
      if (end < 0) throw new XmlError('unterminated comment');
      pos = end + 3;
    } else if (xml.startsWith('<![CDATA[', lt)) {
      const end = xml.indexOf(']]>', lt + 9);
      if (end < 0) throw new XmlError('unterminated CDATA');
      handler.text(xml.slice(lt + 9, end), true);
      pos = end + 3;
    } else if (xml.startsWith('<?', lt)) {
      const end = xml.indexOf('?>', lt + 2);
      if (end < 0) throw new XmlError('unterminated processing instruction');
      pos = end + 2;
    } else if (xml.startsWith('<!', lt)) {
      throw new XmlError('document type declarations are not allowed');
    } else {
      // find the tag's end outside quoted attribute values
      let i = lt + 1;
      let quote = 0;
      for (; i < n; i++) {
        const c = xml.charCodeAt(i);
        if (quote) {
          if (c === quote) quote = 0;
        } else if (c === 0x22 || c === 0x27) quote = c;
        else if (c === 0x3e) break;
      }
      if (i >= n) throw new XmlError('unterminated tag');
      if (xml.charCodeAt(lt + 1) === 0x2f) {
        handler.close(localName(xml.slice(lt + 2, i).trim()));
      } else {
        const selfClosing = xml.charCodeAt(i - 1) === 0x2f;
        const inner = xml.slice(lt + 1, selfClosing ? i - 1 : i);
        let k = 0;
        while (k < inner.length && !isSpace(inner.charCodeAt(k))) k++;
        handler.open(localName(inner.slice(0, k)), inner.slice(k), selfClosing);
        if (selfClosing) handler.close(localName(inner.slice(0, k)));
      }
      pos = i + 1;
    }
  }
}

/** The value of the attribute with this local name (prefix ignored), decoded; undefined when absent. */
export function attr(attrs: string, name: string): string | undefined {
  let i = 0;
  const n = attrs.length;
  while (i < n) {
    while (i < n && isSpace(attrs.charCodeAt(i))) i++;
    const start = i;
    while (i < n && attrs[i] !== '=' && !isSpace(attrs.charCodeAt(i))) i++;
    const key = attrs.slice(start, i);
    while (i < n && isSpace(attrs.charCodeAt(i))) i++;
    if (attrs[i] !== '=') return undefined;
    i++;
    while (i < n && isSpace(attrs.charCodeAt(i))) i++;
    const quote = attrs[i];
    if (quote !== '"' && quote !== "'") return undefined;
    const end = attrs.indexOf(quote, i + 1);
    if (end < 0) return undefined;
    if (localName(key) === name) return decodeXml(attrs.slice(i + 1, end));
    i = end + 1;
  }
  return undefined;
}

const NAMED = new Map([
  ['lt', '<'],
  ['gt', '>'],
  ['amp', '&'],
  ['quot', '"'],
  ['apos', "'"],
]);

/** Decodes the five named entities and numeric character references; anything else is kept as written. */
export function decodeXml(raw: string): string {
  if (raw.indexOf('&') < 0) return raw;
  let out = '';
  let pos = 0;
  for (;;) {
    const amp = raw.indexOf('&', pos);
    if (amp < 0) return out + raw.slice(pos);
    out += raw.slice(pos, amp);
    const semi = raw.indexOf(';', amp + 1);
    const ref = semi > amp && semi - amp <= 10 ? raw.slice(amp + 1, semi) : '';
    let decoded = NAMED.get(ref);
    if (decoded === undefined && ref.startsWith('#')) {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (Number.isInteger(code) && code >= 0 && code <= 0x10ffff) decoded = String.fromCodePoint(code);
    }
    if (decoded === undefined) {
      out += '&';
      pos = amp + 1;
    } else {
      out += decoded;
      pos = semi + 1;
    }
  }
}
